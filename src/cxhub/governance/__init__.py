"""Workspaces, API keys; departments, ownership, users and roles as they land."""
