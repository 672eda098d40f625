"""What the store can tell a caller, importable without loading SQLAlchemy."""
from __future__ import annotations


class StorageUnavailable(Exception):
    """The database cannot take the write now (locked, down, full)."""


class NoDatabase(LookupError):
    """A command that only reads found no database where the settings point.

    The message names the place it looked, so a wrong folder or a typo in
    CONNECTOR_DATA_DIR is seen at once instead of as an empty list."""


class NestedTransaction(RuntimeError):
    """A second transaction was opened while this thread held one.

    On SQLite the second one waits for the write lock the first holds: a
    deadlock that ends in `database is locked`. Pass the session in instead."""
