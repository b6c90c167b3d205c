"""Identifier normalization, deterministic stitching, merges and un-merges."""
