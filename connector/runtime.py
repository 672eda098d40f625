"""Everything a running connector holds: settings, database, rules, destinations, worker."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta
from dataclasses import dataclass

from connector.adapters.base import Destination
from connector.adapters.registry import configured_destinations
from connector.auth.callers import Credentials
from connector.domain import enrichment
from connector.domain.submission import RawRequest
from connector.ingest import Ingest, IngestResult
from connector.rulebook import Rulebook
from connector.settings import Settings
from connector.store.database import Database, StorageUnavailable
from connector.store.spool import Drainer, Spool
from connector.wakeup import LocalWakeup, PostgresWakeup
from connector.webhook_token import resolve_token
from connector.worker import Worker

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    rules: Rulebook
    destinations: dict[str, Destination]
    credentials: Credentials
    wakeup: LocalWakeup | PostgresWakeup
    ingest: Ingest
    spool: Spool
    drainer: Drainer
    worker: Worker | None = None
    _thread: threading.Thread | None = None

    @classmethod
    def start(cls, settings: Settings, migrate: bool = True) -> "Runtime":
        """Check the rules, open (and migrate) the database; no worker yet."""
        rules = Rulebook.load(settings.mappings_dir, settings.judgement_path)
        db = Database(settings.resolved_database_url, settings.sqlite_busy_timeout_ms)
        if migrate:
            db.upgrade()
        destinations = configured_destinations(settings)
        wakeup = (PostgresWakeup(settings.resolved_database_url) if db.is_postgres
                  else LocalWakeup())
        credentials = Credentials(
            token=resolve_token(settings.webhook_token, settings.data_dir),
            source_tokens=settings.source_tokens, wpforms_secrets=settings.wpforms_secrets,
            standard_webhook_secrets=settings.standard_webhook_secrets,
            signature_tolerance=settings.signature_tolerance_seconds)
        ingest = Ingest(db, rules, destinations, wakeup.announce,
                        timedelta(seconds=settings.duplicate_window_seconds))
        spool = Spool(settings.data_dir / "spool")
        # As of the request's own time: a copy stored before a drainer died is then still
        # inside the duplicate window, however long the outage was.
        drainer = Drainer(spool, lambda s: ingest.accept(s.raw, s.raw.received_at, s.source,
                                                         s.message_id))
        log.info("database: %s", settings.database_description)
        return cls(settings, db, rules, destinations, credentials, wakeup, ingest, spool,
                   drainer)

    def accept_or_spool(self, raw: RawRequest, source: str | None,
                        message_id: str | None) -> IngestResult | str:
        """Store the request now, or past the intake's wait keep it in the spool (its id).

        Either way it is durable before the caller answers. OSError: not even the
        spool could take it."""
        try:
            return self.ingest.accept(raw, raw.received_at, source, message_id,
                                      lock_wait_ms=self.settings.intake_lock_wait_ms)
        except StorageUnavailable as exc:
            spooled = self.spool.put(raw, source, message_id)
            log.warning("database unavailable (%s); submission kept in the spool as %s",
                        exc, spooled)
            self.drainer.ensure_running()
            return spooled

    def warm_up(self) -> None:
        enrichment.warm_up()

    def make_worker(self) -> Worker:
        daily = {}
        if (salesforce := self.destinations.get("salesforce")) is not None:
            from connector.outcomes import sync_outcomes

            daily["salesforce outcomes"] = lambda now: sync_outcomes(
                self.db, salesforce, self.rules, self.destinations, now)
        return Worker(self.db, self.destinations, self.wakeup,
                      lease_seconds=self.settings.lease_seconds,
                      poll_seconds=self.settings.poll_seconds,
                      batch_size=self.settings.worker_batch_size, daily=daily)

    @property
    def worker_state(self) -> str | None:
        """'running' or 'not running' for a worker thread in this process; None without one."""
        if self._thread is None:
            return None
        return "running" if self._thread.is_alive() else "not running"

    def start_worker_thread(self) -> Worker:
        self.worker = self.make_worker()
        self._thread = threading.Thread(target=self.worker.run, name="outbox-worker",
                                        daemon=True)
        self._thread.start()
        return self.worker

    def close(self) -> None:
        self.drainer.stop()
        if self.worker is not None:
            self.worker.stop()
        if self._thread is not None:
            self._thread.join(timeout=30)
        self.wakeup.close()
        self.db.dispose()
