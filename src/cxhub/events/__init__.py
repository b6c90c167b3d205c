"""Ingest: event schema, validation, idempotency, dead letter and importers."""
