"""The engine, transactions, and schema migrations for SQLite and PostgreSQL."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process.
_MIGRATION_LOCK = 74_020_001


class StorageUnavailable(Exception):
    """The database cannot take the write now (locked, down, full)."""


class Database:
    def __init__(self, url: str, sqlite_busy_timeout_ms: int = 10_000) -> None:
        self.url = make_url(url)
        self.engine = _make_engine(url, sqlite_busy_timeout_ms)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error."""
        with self._sessions() as session:
            try:
                with session.begin():
                    yield session
            except OperationalError as exc:
                raise StorageUnavailable(type(exc.orig).__name__) from exc

    def upgrade(self) -> None:
        """Bring the schema to the newest migration; safe from many processes at once."""
        with self.engine.begin() as conn:
            if self.is_postgres:
                # Several gunicorn workers start together; one migrates, the rest wait.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            config = _alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    def is_current(self) -> bool:
        return self.current_revision() == self.head_revision()

    def dispose(self) -> None:
        self.engine.dispose()


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _make_engine(url: str, busy_timeout_ms: int) -> Engine:
    parsed = make_url(url)
    # hide_parameters: SQL errors would otherwise quote the submitted values
    # (names, emails) into exception messages and from there into logs.
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10,
                             hide_parameters=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms / 1000},
                           hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # SQLite has one writer. Taking the write lock when the transaction
        # starts (not at its first write) makes claim-then-update atomic and
        # turns lock upgrades, which fail at once, into waits on busy_timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
