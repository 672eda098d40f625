"""Waking idle workers the moment a delivery is enqueued.

A hot lead must not wait for a polling interval. In one process (SQLite, or
`connector serve`) an Event does it; across processes PostgreSQL's
LISTEN/NOTIFY does. NOTIFY is sent inside the enqueuing transaction, so it is
delivered on commit and never for a rolled-back lead.
"""
from __future__ import annotations

import logging
import threading
import time

import psycopg
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
CHANNEL = "connector_deliveries"


class LocalWakeup:
    def __init__(self) -> None:
        self._event = threading.Event()

    def announce(self, session: Session) -> None:
        event.listen(session, "after_commit", lambda _s: self._event.set(), once=True)

    def poke(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken

    def close(self) -> None:
        self._event.set()


class PostgresWakeup:
    """LISTEN on a connection of its own; NOTIFY through the caller's session."""

    def __init__(self, sqlalchemy_url: str) -> None:
        url = make_url(sqlalchemy_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._local = LocalWakeup()  # stop() and same-process pokes
        self._conn: psycopg.Connection | None = None

    def announce(self, session: Session) -> None:
        session.execute(text(f"NOTIFY {CHANNEL}"))

    def poke(self) -> None:
        self._local.poke()

    def wait(self, timeout: float) -> bool:
        """Sleep until a NOTIFY, a poke or the timeout, whichever comes first."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if self._local.wait(0):
                return True
            try:
                if self._conn is None or self._conn.closed:
                    self._listen()
                    # Whatever was notified before LISTEN is lost: have the
                    # caller look at the outbox once more before sleeping.
                    return True
                conn = self._conn
                # Short slices so a poke (shutdown) is seen promptly.
                for _ in conn.notifies(timeout=min(left, 0.5), stop_after=1):
                    return True
            except psycopg.Error as exc:
                log.warning("LISTEN connection lost (%s); polling until it is back",
                            type(exc).__name__)
                self._drop()
                return self._local.wait(min(left, 1.0))
        return False

    def _listen(self) -> None:
        self._conn = psycopg.connect(self._dsn, autocommit=True)
        self._conn.execute(f"LISTEN {CHANNEL}")

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def close(self) -> None:
        self._local.close()
        self._drop()
