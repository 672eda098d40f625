"""Requests kept on disk while the database cannot take them.

A held SQLite write lock (a backup, a second process) or a PostgreSQL restart
must not make a visitor's form fail: Contact Form 7 and Elementor show an
error on anything but 200, and Forminator gives up after 5 seconds. So intake
waits briefly for the database, and past that writes the request here: to a
file fsync'd and renamed into place before the 200 goes out, so it is as
durable as a commit. A drainer moves spooled requests into the database, in
the order they came, as soon as it can take them.

Files are claimed by renaming them, so several web processes can drain one
spool; a claim older than CLAIM_TIMEOUT (a drainer that died) is taken back.
A drained request is recognised again by the entry's duplicate check if a
drainer dies between the commit and removing its file.
"""
from __future__ import annotations

import base64
import json
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from connector.domain.submission import RawRequest
from connector.store.errors import StorageUnavailable

log = logging.getLogger(__name__)
CLAIM_TIMEOUT = 600  # seconds


@dataclass(frozen=True)
class Spooled:
    raw: RawRequest
    source: str | None
    message_id: str | None


# Stores one spooled request in the database (raises StorageUnavailable when it cannot).
Store = Callable[[Spooled], object]


class Spool:
    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self._ready = directory / "ready"
        self._claimed = directory / "claimed"
        self._failed = directory / "failed"
        self._lock = threading.Lock()

    def put(self, raw: RawRequest, source: str | None, message_id: str | None) -> str:
        """Keep the request durably; its id. Raises OSError when the disk cannot."""
        self._make_dirs()
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:12]}.json"
        record = {"plugin": raw.plugin, "method": raw.method, "content_type": raw.content_type,
                  "body": base64.b64encode(raw.body).decode("ascii"),
                  "query_string": raw.query_string, "headers": raw.headers,
                  "remote_addr": raw.remote_addr, "received_at": raw.received_at.isoformat(),
                  "source": source, "message_id": message_id}
        tmp = self._claimed / f".{name}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.rename(tmp, self._ready / name)
        _fsync_dir(self._ready)
        return name.removesuffix(".json")

    def pending(self) -> int:
        """Requests waiting to be drained (not counting those a drainer holds now)."""
        return _count(self._ready)

    def held(self) -> int:
        """Every request in the spool not yet in the database, being drained or not."""
        return _count(self._ready) + _count(self._claimed)

    def drain(self, store: Store) -> int:
        """Move what can be moved into the database, oldest first; how many went in.

        Stops at the first StorageUnavailable (the database is still busy). A
        request the database refuses for any other reason is set aside in
        failed/ and logged by its file name, so one bad file blocks nothing."""
        if not self._ready.is_dir():
            return 0
        with self._lock:  # one drainer per process; others are told apart by rename
            self._take_back_stale_claims()
            moved = 0
            for path in sorted(self._ready.glob("*.json")):
                claimed = self._claimed / path.name
                try:
                    os.rename(path, claimed)
                    # The claim's age is its mtime: a rename keeps the spooling time, and an
                    # old file would look like a dead drainer's claim to every other process.
                    os.utime(claimed)
                except FileNotFoundError:
                    continue  # another process took it
                try:
                    store(_read(claimed))
                except StorageUnavailable:
                    os.rename(claimed, path)
                    break
                except Exception as exc:  # noqa: BLE001 - kept aside, never lost or retried forever
                    self._failed.mkdir(mode=0o700, exist_ok=True)
                    os.rename(claimed, self._failed / path.name)
                    log.error("spooled request %s could not be stored (%s); kept in %s",
                              path.stem, type(exc).__name__, self._failed)
                    continue
                claimed.unlink(missing_ok=True)
                moved += 1
            if moved:
                log.info("moved %d spooled requests into the database", moved)
            return moved

    def _take_back_stale_claims(self) -> None:
        cutoff = time.time() - CLAIM_TIMEOUT
        for path in self._claimed.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    os.rename(path, self._ready / path.name)
            except FileNotFoundError:
                continue

    def _make_dirs(self) -> None:
        for folder in (self.dir, self._ready, self._claimed):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _count(folder: Path) -> int:
    try:
        return sum(1 for p in folder.iterdir() if p.suffix == ".json")
    except FileNotFoundError:
        return 0


def _read(path: Path) -> Spooled:
    data = json.loads(path.read_text(encoding="utf-8"))
    raw = RawRequest(plugin=data["plugin"], method=data["method"],
                     content_type=data["content_type"], body=base64.b64decode(data["body"]),
                     query_string=data["query_string"], headers=data["headers"],
                     remote_addr=data["remote_addr"],
                     received_at=datetime.fromisoformat(data["received_at"]))
    return Spooled(raw, data["source"], data["message_id"])


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Drainer:
    """A thread that drains the spool whenever it holds something."""

    def __init__(self, spool: Spool, store: Store, interval: float = 1.0) -> None:
        self.spool, self.store, self.interval = spool, store, interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def ensure_running(self) -> None:
        # A forked web worker (gunicorn --preload) has no copy of the parent's thread.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="spool-drainer", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.spool.pending():
                    self.spool.drain(self.store)
            except OSError as exc:
                log.error("spool %s unreadable (%s)", self.spool.dir, type(exc).__name__)
            self._wake.wait(self.interval)
            self._wake.clear()
