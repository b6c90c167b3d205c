"""Surveys: definitions, triggers and contact policy, public form, delivery. Responses become events."""
