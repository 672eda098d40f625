"""The engine, transactions, and schema migrations for SQLite and PostgreSQL."""
from __future__ import annotations

import contextvars
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from connector.store.errors import NestedTransaction, NoDatabase, StorageUnavailable

if TYPE_CHECKING:  # Alembic is imported only to migrate: read-only commands stay fast.
    from alembic.config import Config

__all__ = ["Database", "NestedTransaction", "NoDatabase", "StorageUnavailable"]

MIGRATIONS = Path(__file__).parent / "migrations"
# Any constant works; it only has to be the same in every process.
_MIGRATION_LOCK = 74_020_001
# How long the transaction being begun may wait for SQLite's write lock (None: the default).
_LOCK_WAIT_MS: contextvars.ContextVar[int | None] = contextvars.ContextVar("lock_wait",
                                                                           default=None)


class Database:
    def __init__(self, url: str, sqlite_busy_timeout_ms: int = 10_000,
                 must_exist: bool = False) -> None:
        self.url = make_url(url)
        if must_exist:
            _require_existing(self.url)
        self.engine = _make_engine(url, sqlite_busy_timeout_ms)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._held = threading.local()
        if must_exist:
            self._require_schema()

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def transaction(self, lock_wait_ms: int | None = None) -> Iterator[Session]:
        """One unit of work: committed on success, rolled back on any error.

        `lock_wait_ms` bounds the wait for SQLite's write lock (intake cannot wait
        as long as a worker can). Never nested in one thread (NestedTransaction):
        whatever needs the database inside a unit of work takes its session."""
        if getattr(self._held, "open", False):
            raise NestedTransaction("a transaction is already open in this thread; "
                                    "pass its session instead of opening another")
        self._held.open = True
        wait = _LOCK_WAIT_MS.set(lock_wait_ms)
        try:
            with self._sessions() as session:
                try:
                    with session.begin():
                        yield session
                except OperationalError as exc:
                    raise StorageUnavailable(type(exc.orig).__name__) from exc
        finally:
            _LOCK_WAIT_MS.reset(wait)
            self._held.open = False

    def _require_schema(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT version_num FROM alembic_version"))
        except SQLAlchemyError:
            self.engine.dispose()
            raise NoDatabase(f"{_describe(self.url)} holds no connector tables; "
                             "start the service once (connector serve) or run "
                             "connector db upgrade") from None

    def upgrade(self) -> None:
        """Bring the schema to the newest migration; safe from many processes at once."""
        from alembic import command

        with self.engine.begin() as conn:
            if self.is_postgres:
                # Several gunicorn workers start together; one migrates, the rest wait.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            config = _alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config()).get_current_head()

    def is_current(self) -> bool:
        return self.current_revision() == self.head_revision()

    def dispose(self) -> None:
        self.engine.dispose()


def _require_existing(url) -> None:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        if not Path(url.database).is_file():
            raise NoDatabase(f"no database at {Path(url.database).absolute()} (set "
                             "CONNECTOR_DATA_DIR or CONNECTOR_DATABASE_URL to where it is, "
                             "or start the service once to create it)")


def _describe(url) -> str:
    if url.get_backend_name() == "sqlite":
        return f"the SQLite file {Path(url.database or ':memory:').absolute()}"
    return f"the PostgreSQL database {url.render_as_string(hide_password=True)}"


def _alembic_config() -> "Config":
    from alembic.config import Config

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
        # busy_timeout is per connection and pooled connections are shared:
        # set it for every transaction, to this one's bound or the default.
        wait = _LOCK_WAIT_MS.get()
        conn.connection.dbapi_connection.execute(
            f"PRAGMA busy_timeout={int(busy_timeout_ms if wait is None else wait)}")
        # SQLite has one writer. Taking the write lock when the transaction
        # starts (not at its first write) makes claim-then-update atomic and
        # turns lock upgrades, which fail at once, into waits on busy_timeout.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
