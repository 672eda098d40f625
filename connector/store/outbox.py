"""The outbox: deliveries written with their lead, claimed by workers under a lease.

A claim marks rows `in_progress` with a lease and counts the attempt. If the
worker dies, the lease runs out and another worker claims the row again; the
destination's idempotency key makes the second delivery harmless. Outcomes
are written only by the lease holder, so a worker that lost its lease cannot
overwrite the result of the one that took over.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from connector.adapters.base import Delivered, DeliveryJob
from connector.adapters.errors import DeliveryError
from connector.domain.routing import Target
from connector.retry import BACKOFF_MIN, next_attempt
from connector.store.database import Database
from connector.store.leads import lead_payload
from connector.store.models import DeliveryRow, LeadRow
from connector.vocabulary import DeliveryStatus

PENDING = DeliveryStatus.PENDING
IN_PROGRESS = DeliveryStatus.IN_PROGRESS
RETRYING = DeliveryStatus.RETRYING
DELIVERED = DeliveryStatus.DELIVERED
DEAD = DeliveryStatus.DEAD
WAITING_FOR_CONFIG = DeliveryStatus.WAITING_FOR_CONFIG
CANCELLED = DeliveryStatus.CANCELLED
STATUSES = tuple(DeliveryStatus)
_DUE = (PENDING, RETRYING)


@dataclass(frozen=True)
class Claim:
    delivery_id: int
    destination: str
    job: DeliveryJob


def enqueue(session: Session, lead: LeadRow, targets: Iterable[Target],
            configured: Iterable[str], now: datetime) -> list[DeliveryRow]:
    ready = set(configured)
    rows = [DeliveryRow(lead_id=lead.id, destination=t.destination, action=t.action,
                        status=PENDING if t.destination in ready else WAITING_FOR_CONFIG,
                        attempts=0, next_attempt_at=now, external_ids={},
                        created_at=now, updated_at=now)
            for t in targets]
    session.add_all(rows)
    session.flush()
    return rows


def claim(db: Database, worker_id: str, destinations: Sequence[str], now: datetime,
          lease: timedelta, limit: int) -> list[Claim]:
    """Take up to `limit` due deliveries for these destinations, leased to worker_id."""
    if not destinations:
        return []
    with db.transaction() as session:
        query = (select(DeliveryRow)
                 .where(DeliveryRow.destination.in_(destinations))
                 .where(or_(and_(DeliveryRow.status.in_(_DUE),
                                 DeliveryRow.next_attempt_at <= now),
                            and_(DeliveryRow.status == IN_PROGRESS,
                                 DeliveryRow.lease_until < now)))
                 .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
                 .limit(limit))
        if db.is_postgres:
            # SQLite needs no row locks: BEGIN IMMEDIATE already made us its one writer.
            query = query.with_for_update(skip_locked=True)
        rows = session.scalars(query).all()
        leads = {lead.id: lead for lead in session.scalars(
            select(LeadRow).where(LeadRow.id.in_({r.lead_id for r in rows})))}
        claims = []
        for row in rows:
            row.attempts += 1
            row.updated_at = now
            if row.attempts > len(BACKOFF_MIN) + 1:
                # Only lease expiries get here: a row that kills its worker every
                # time must not take the outbox down with it.
                _bury(row, "worker lost the delivery too many times", "", now)
                continue
            row.status = IN_PROGRESS
            row.lease_until = now + lease
            row.leased_by = worker_id
            lead = leads[row.lead_id]
            claims.append(Claim(row.id, row.destination, DeliveryJob(
                delivery_id=row.id,
                idempotency_key=f"{lead.submission_id}:{row.destination}:{row.action}",
                action=row.action, attempt=row.attempts, lead=lead_payload(lead))))
        return claims


# Where what a destination says of the person is kept on the lead.
_PERSON_COLUMN = {"mailchimp": "mailchimp"}


def complete(db: Database, claim_: Claim, worker_id: str, result: Delivered,
             now: datetime) -> bool:
    """Record success; False when the lease was lost to another worker."""
    return complete_many(db, [(claim_, result)], worker_id, now) == 1


def complete_many(db: Database, done: list[tuple[Claim, Delivered]], worker_id: str,
                  now: datetime) -> int:
    """Record many successes in one transaction (a backlog round); how many held their lease."""
    held = 0
    with db.transaction() as session:
        for claim_, result in done:
            mine = session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id == claim_.delivery_id, DeliveryRow.status == IN_PROGRESS,
                       DeliveryRow.leased_by == worker_id)
                .values(status=DELIVERED, delivered_at=now, external_ids=result.external_ids,
                        last_error=None, vendor_message=None, lease_until=None,
                        leased_by=None, updated_at=now)).rowcount
            held += mine
            column = _PERSON_COLUMN.get(claim_.destination)
            if mine and result.about_person and column:
                lead = session.get(LeadRow, claim_.job.lead["lead_id"])
                setattr(lead, column, {**(getattr(lead, column) or {}), **result.about_person,
                                       "at": now.isoformat()})
    return held


def fail(db: Database, claim_: Claim, worker_id: str, err: DeliveryError,
         now: datetime) -> str | None:
    """Schedule the retry or bury the delivery; the new status, None if the lease was lost."""
    when = next_attempt(err, claim_.job.attempt, now)
    status = RETRYING if when else DEAD
    ok = _finish(db, claim_, worker_id, now, status=status, next_attempt_at=when or now,
                 last_error=str(err)[:1000], vendor_message=err.vendor_message[:10_000])
    return status if ok else None


def defer(db: Database, claim_: Claim, worker_id: str, err: DeliveryError,
          until: datetime, now: datetime) -> bool:
    """Put the delivery back untried: the destination is paused, not the delivery at fault."""
    with db.transaction() as session:
        result = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == claim_.delivery_id, DeliveryRow.status == IN_PROGRESS,
                   DeliveryRow.leased_by == worker_id)
            .values(status=RETRYING, attempts=DeliveryRow.attempts - 1, next_attempt_at=until,
                    lease_until=None, leased_by=None, updated_at=now,
                    last_error=str(err)[:1000], vendor_message=err.vendor_message[:10_000]))
        return result.rowcount == 1


def _finish(db: Database, claim_: Claim, worker_id: str, now: datetime, **values) -> bool:
    with db.transaction() as session:
        result = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == claim_.delivery_id,
                   DeliveryRow.status == IN_PROGRESS,
                   DeliveryRow.leased_by == worker_id)
            .values(lease_until=None, leased_by=None, updated_at=now, **values))
        return result.rowcount == 1


def _bury(row: DeliveryRow, error: str, vendor_message: str, now: datetime) -> None:
    row.status = DEAD
    row.last_error = error
    row.vendor_message = vendor_message
    row.lease_until = None
    row.leased_by = None
    row.updated_at = now


def sync_waiting(session: Session, configured: Iterable[str], now: datetime) -> int:
    """Release deliveries whose destination is now configured; park the others.

    Returns how many were released.
    """
    ready = list(configured)
    released = session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.status == WAITING_FOR_CONFIG, DeliveryRow.destination.in_(ready))
        .values(status=PENDING, next_attempt_at=now, updated_at=now)).rowcount
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.status.in_(_DUE), DeliveryRow.destination.not_in(ready))
        .values(status=WAITING_FOR_CONFIG, updated_at=now))
    return released


def replay(session: Session, now: datetime, delivery_id: int | None = None) -> int:
    """Send again: one delivery (any status but in progress), or every dead one."""
    query = update(DeliveryRow).values(
        status=PENDING, attempts=0, next_attempt_at=now, updated_at=now,
        lease_until=None, leased_by=None)
    if delivery_id is None:
        query = query.where(DeliveryRow.status == DEAD)
    else:
        query = query.where(DeliveryRow.id == delivery_id, DeliveryRow.status != IN_PROGRESS)
    return session.execute(query).rowcount


def due_count(session: Session, destination: str, now: datetime) -> int:
    return session.scalar(select(func.count()).select_from(DeliveryRow).where(
        DeliveryRow.destination == destination, DeliveryRow.status.in_(_DUE),
        DeliveryRow.next_attempt_at <= now)) or 0


def next_due(session: Session, destinations: Sequence[str]) -> datetime | None:
    """The soonest moment a delivery for these destinations becomes claimable."""
    if not destinations:
        return None
    mine = DeliveryRow.destination.in_(destinations)
    scheduled = session.scalars(
        select(DeliveryRow.next_attempt_at).where(DeliveryRow.status.in_(_DUE), mine)
        .order_by(DeliveryRow.next_attempt_at).limit(1)).first()
    leased = session.scalars(
        select(DeliveryRow.lease_until).where(DeliveryRow.status == IN_PROGRESS, mine)
        .order_by(DeliveryRow.lease_until).limit(1)).first()
    times = [t for t in (scheduled, leased) if t is not None]
    return min(times) if times else None
