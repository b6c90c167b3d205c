"""Shared plumbing that never imports a domain."""
