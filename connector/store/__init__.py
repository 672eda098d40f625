"""Persistence: the tables, the engine and the outbox."""
