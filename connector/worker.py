"""The outbox worker: claim due deliveries, hand them to their destination, record the outcome."""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable, Mapping, Protocol

from connector.adapters.base import Destination
from connector.adapters.errors import DeliveryError, DestinationPaused, RetryableError
from connector.retry import quick_retry
from connector.store import outbox
from connector.store.database import Database, StorageUnavailable

log = logging.getLogger(__name__)
# This many deliveries due for a destination that takes batches switch it to its
# backlog path (Salesforce: 3 calls per 200 leads instead of 2 per lead).
BACKLOG_AT = 20
BACKLOG_BATCH = 5_000
# A backlog round may wait on Bulk API jobs for many minutes; another worker must not
# take its rows meanwhile (it would look them up before the jobs created anything).
BACKLOG_LEASE = timedelta(minutes=45)
DAILY = timedelta(days=1)
DAILY_FIRST = timedelta(minutes=1)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Wakeup(Protocol):
    def wait(self, timeout: float) -> bool: ...
    def poke(self) -> None: ...


class Worker:
    def __init__(self, db: Database, destinations: Mapping[str, Destination],
                 wakeup: Wakeup, *, lease_seconds: int, poll_seconds: float,
                 batch_size: int, clock: Callable[[], datetime] = utcnow,
                 sleep: Callable[[float], None] | None = None,
                 daily: Mapping[str, Callable[[datetime], object]] | None = None) -> None:
        self.db = db
        self.destinations = dict(destinations)
        self.wakeup = wakeup
        self.lease = timedelta(seconds=lease_seconds)
        self.poll_seconds = poll_seconds
        self.batch_size = batch_size
        self.clock = clock
        self.sleep = sleep
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        # Destination -> until when nothing is sent to it (rate limit, refused credentials).
        self.paused: dict[str, datetime] = {}
        # Jobs run once a day when the worker is idle (Salesforce outcomes); the first a
        # minute after start, so a restart loop does not hammer the API.
        self.daily = dict(daily or {})
        self._daily_due = {name: clock() + DAILY_FIRST for name in self.daily}

    def run(self, burst: bool = False) -> None:
        """Work until stop(); with burst, until nothing is due.

        Nothing that goes wrong in a round ends the loop: a locked or absent
        database, or a bug, is logged and the round tried again after a pause."""
        log.info("worker %s started for %s", self.id,
                 ", ".join(sorted(self.destinations)) or "no configured destination")
        released = False
        while not self._stop.is_set():
            try:
                if not released:
                    self._release_waiting()
                    released = True
                if self.run_once():
                    continue
                if burst:
                    return
                self._run_daily()
                # Another process may have enqueued for a destination only we know.
                self._release_waiting()
                self.wakeup.wait(self._idle_seconds())
                continue
            except StorageUnavailable as exc:
                log.warning("database unavailable (%s); retrying shortly", exc)
            except Exception:  # noqa: BLE001 - the loop must outlive one bad round
                # Rows it had claimed come back when their lease runs out.
                log.exception("worker round failed; retrying after a pause")
            if burst:
                return
            self._stop.wait(self.poll_seconds)
        log.info("worker %s stopped", self.id)

    def stop(self) -> None:
        self._stop.set()
        self.wakeup.poke()

    def run_once(self) -> int:
        """Claim one batch and deliver it; how many deliveries were handled."""
        now = self.clock()
        self.paused = {d: t for d, t in self.paused.items() if t > now}
        ready = sorted(d for d in self.destinations if d not in self.paused)
        for name in ready:
            if hasattr(self.destinations[name], "deliver_batch"):
                with self.db.transaction() as session:
                    backlog = outbox.due_count(session, name, now) >= BACKLOG_AT
                if backlog:
                    return self._deliver_backlog(name, now)
        claims = outbox.claim(self.db, self.id, ready, now, self.lease, self.batch_size)
        for claim in claims:
            if claim.destination in self.paused:
                outbox.defer(self.db, claim, self.id, RetryableError("destination paused"),
                             self.paused[claim.destination], self.clock())
                continue
            self._deliver(claim)
        return len(claims)

    def _deliver(self, claim: outbox.Claim) -> None:
        destination = self.destinations[claim.destination]
        retrying = quick_retry(self.sleep) if self.sleep else quick_retry()
        try:
            result = retrying(destination.deliver, claim.job)
        except DestinationPaused as err:
            until = self.clock() + timedelta(seconds=err.pause_seconds)
            self.paused[claim.destination] = until
            outbox.defer(self.db, claim, self.id, err, until, self.clock())
            log.warning("%s paused until %s: %s", claim.destination, until.isoformat(), err)
            return
        except DeliveryError as err:
            self._record_failure(claim, err)
            return
        except Exception as exc:  # noqa: BLE001 - an adapter bug must not lose the lead
            log.exception("delivery %s: %s raised %s", claim.delivery_id,
                          claim.destination, type(exc).__name__)
            self._record_failure(claim, RetryableError(f"internal error {type(exc).__name__}"))
            return
        if outbox.complete(self.db, claim, self.id, result, self.clock()):
            log.info("delivery %s to %s delivered", claim.delivery_id, claim.destination)
        else:
            log.warning("delivery %s: lease lost before completion; another worker has it",
                        claim.delivery_id)

    def claim_backlog(self, name: str, now: datetime) -> list[outbox.Claim]:
        return outbox.claim(self.db, self.id, [name], now, max(self.lease, BACKLOG_LEASE),
                            BACKLOG_BATCH)

    def _deliver_backlog(self, name: str, now: datetime) -> int:
        claims = self.claim_backlog(name, now)
        destination = self.destinations[name]
        try:
            outcomes = destination.deliver_batch([c.job for c in claims])
        except DestinationPaused as err:
            until = self.clock() + timedelta(seconds=err.pause_seconds)
            self.paused[name] = until
            for claim in claims:
                outbox.defer(self.db, claim, self.id, err, until, self.clock())
            log.warning("%s paused until %s: %s", name, until.isoformat(), err)
            return len(claims)
        except DeliveryError as err:
            outcomes = {c.delivery_id: err for c in claims}
        delivered = []
        for claim in claims:
            outcome = outcomes.get(claim.delivery_id,
                                   RetryableError("no result for this delivery"))
            if isinstance(outcome, DeliveryError):
                self._record_failure(claim, outcome)
            else:
                delivered.append((claim, outcome))
        outbox.complete_many(self.db, delivered, self.id, self.clock())
        log.info("%s backlog: %d deliveries in one round", name, len(claims))
        return len(claims)

    def _record_failure(self, claim: outbox.Claim, err: DeliveryError) -> None:
        status = outbox.fail(self.db, claim, self.id, err, self.clock())
        # str(err) is a status and an error code: no personal data.
        log.warning("delivery %s to %s failed (%s): %s", claim.delivery_id,
                    claim.destination, err, status or "lease lost")

    def _run_daily(self) -> None:
        now = self.clock()
        for name, job in self.daily.items():
            if now < self._daily_due[name]:
                continue
            self._daily_due[name] = now + DAILY
            try:
                job(now)
            except DeliveryError as err:  # the API said no today; tomorrow again
                log.warning("daily %s failed: %s", name, err)

    def _release_waiting(self) -> None:
        with self.db.transaction() as session:
            released = outbox.sync_waiting(session, self.destinations, self.clock())
        if released:
            log.info("released %d deliveries that were waiting for configuration", released)

    def _idle_seconds(self) -> float:
        with self.db.transaction() as session:
            due = outbox.next_due(session, sorted(self.destinations))
        if due is None:
            return self.poll_seconds
        wait = (due - self.clock()).total_seconds()
        return min(max(wait, 0.05), self.poll_seconds)
