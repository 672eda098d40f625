"""Scoring a stored lead and routing it: one path for intake and for `connector rescore`."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from connector.domain.lead import Lead
from connector.domain.enrichment import Enrichment
from connector.domain.scoring import History, Reason, Verdict, assess, assess_many
from connector.rulebook import Rulebook
from connector.store import outbox
from connector.store.database import Database
from connector.store.leads import lead_of_row
from connector.store.models import DeliveryRow, LabelRow, LeadRow
from connector.vocabulary import Category, Temperature

if TYPE_CHECKING:
    from connector.cli.progress import Progress

# Deliveries that have not gone out yet, and may be called off when routing changes.
_NOT_SENT = (outbox.PENDING, outbox.RETRYING, outbox.WAITING_FOR_CONFIG)


@dataclass(frozen=True)
class Routed:
    verdict: Verdict
    new: list[DeliveryRow]
    cancelled: int


def assess_and_route(session: Session, row: LeadRow, lead: Lead, rules: Rulebook,
                     configured: Iterable[str], now: datetime,
                     assessed: tuple[Enrichment, Verdict] | None = None) -> Routed:
    """Score the lead against the person's history (or take `assessed`, scored so
    already), store the verdict, and owe it the deliveries routing now asks for: new
    ones are added, unsent ones no longer asked for are cancelled, and nothing already
    delivered is touched or sent again."""
    found, verdict = assessed or assess(lead, rules.scoring, history_of(session, row),
                                        rules.judgement)
    label = latest_label(session, row.id)
    if label is not None:
        verdict = labelled(verdict, label)
    row.score = verdict.score
    row.temperature = verdict.temperature
    row.category = verdict.category
    row.dimensions = verdict.dimensions
    row.reasons = verdict.reason_texts()
    row.review = verdict.review
    row.enrichment = {**found.to_dict(), "lifecycle": verdict.lifecycle,
                      "data_quality": verdict.data_quality, "form_kind": verdict.form_kind,
                      "model": verdict.model}
    wanted = rules.routing.route(lead, verdict)
    existing = list(session.scalars(select(DeliveryRow).where(DeliveryRow.lead_id == row.id)))
    have = {(d.destination, d.action) for d in existing}
    owed = {(t.destination, t.action) for t in wanted}
    new = outbox.enqueue(session, row, [t for t in wanted if (t.destination, t.action) not in have],
                         configured, now)
    # Called off earlier and owed again (a label took back a junk verdict): never sent, so
    # it goes out now, once.
    ready = set(configured)
    for d in existing:
        if d.status == outbox.CANCELLED and (d.destination, d.action) in owed:
            d.status = outbox.PENDING if d.destination in ready else outbox.WAITING_FOR_CONFIG
            d.next_attempt_at, d.updated_at, d.last_error = now, now, None
            d.attempts = 0  # a fresh schedule, as for a replay
            new.append(d)
    stale = [d.id for d in existing
             if d.status in _NOT_SENT and (d.destination, d.action) not in owed]
    if stale:
        session.execute(update(DeliveryRow).where(DeliveryRow.id.in_(stale))
                        .values(status=outbox.CANCELLED, updated_at=now,
                                last_error="no longer routed after rescoring"))
    return Routed(verdict, new, len(stale))


def history_of(session: Session, row: LeadRow) -> History:
    """The person's earlier leads (same email address), for interest and lifecycle."""
    if not row.email:
        return History()
    earlier = session.execute(
        select(LeadRow.form_name, LeadRow.form_id, LeadRow.product_interests, LeadRow.category)
        .where(LeadRow.email == row.email, LeadRow.id != row.id,
               LeadRow.created_at <= row.created_at)).all()
    if not earlier:
        return History()
    return History(
        previous=len(earlier),
        forms=frozenset((f or i or "").casefold() for f, i, _, _ in earlier if f or i),
        products=frozenset(p.casefold() for _, _, ps, _ in earlier for p in (ps or [])),
        customer=any(c == "customer" for *_, c in earlier))


def latest_label(session: Session, lead_id: int) -> LabelRow | None:
    return session.scalars(select(LabelRow).where(LabelRow.lead_id == lead_id)
                           .order_by(LabelRow.id.desc()).limit(1)).first()


def labelled(verdict: Verdict, label: LabelRow) -> Verdict:
    """The verdict with a person's label (or a Salesforce outcome) in force over it."""
    category = label.category or verdict.category
    temperature = label.temperature or verdict.temperature
    if Category(category).is_junk:
        temperature = Temperature.COLD  # junk is never anyone's hot lead
    by = "the operator" if label.source == "operator" else f"{label.source}'s outcome"
    said = f"labelled {category}" + (f", {label.temperature}" if label.temperature else "")
    return replace(verdict, category=category, temperature=temperature, review=None,
                   reasons=verdict.reasons + (Reason("category", 0, f"{said} by {by}"),))


def _unrelated_runs(rows: list[LeadRow], most: int = 64) -> Iterator[list[LeadRow]]:
    """The rows in order, in runs of at most `most` with no email address twice."""
    run: list[LeadRow] = []
    seen: set[str] = set()
    for row in rows:
        if len(run) == most or (row.email and row.email in seen):
            yield run
            run, seen = [], set()
        run.append(row)
        if row.email:
            seen.add(row.email)
    if run:
        yield run


@dataclass
class Rescored:
    leads: int = 0
    changed: int = 0        # temperature or category changed
    new_deliveries: int = 0
    cancelled: int = 0


def rescore(db: Database, rules: Rulebook, configured: Iterable[str], now: datetime,
            announce: Callable[[Session], None], since: datetime | None = None,
            batch: int = 500, progress: "Progress | None" = None) -> Rescored:
    """Apply today's rules to stored leads, oldest first, a batch per transaction."""
    done = Rescored()
    last_id = 0
    if progress is not None:
        with db.transaction() as session:
            query = select(func.count()).select_from(LeadRow)
            if since is not None:
                query = query.where(LeadRow.created_at >= since)
            progress.expect(session.scalar(query) or 0)
    while True:
        with db.transaction() as session:
            query = select(LeadRow).where(LeadRow.id > last_id).order_by(LeadRow.id).limit(batch)
            if since is not None:
                query = query.where(LeadRow.created_at >= since)
            rows = list(session.scalars(query))
            if not rows:
                return done
            queued = False
            for run in _unrelated_runs(rows):
                # The judgement reads a run at once; each lead's history is read before
                # the run, so no run holds two leads of one person (a later one's
                # history must see the earlier one as rescored).
                leads = [lead_of_row(row) for row in run]
                assessed = assess_many([(lead, history_of(session, row))
                                        for lead, row in zip(leads, run)],
                                       rules.scoring, rules.judgement)
                for row, lead, verdict in zip(run, leads, assessed):
                    before = (row.temperature, row.category)
                    routed = assess_and_route(session, row, lead, rules, configured, now,
                                              verdict)
                    done.leads += 1
                    done.changed += before != (row.temperature, row.category)
                    done.new_deliveries += len(routed.new)
                    done.cancelled += routed.cancelled
                    queued |= any(d.status == outbox.PENDING for d in routed.new)
            if queued:
                announce(session)
            if progress is not None:
                progress.advance(len(rows))
            last_id = rows[-1].id
