"""Store-before-acknowledge: a submission, its lead and its outbox rows in one transaction."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable, Iterable, Mapping

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from connector.domain.duplicates import DedupeKey, dedupe_key
from connector.domain.enrichment import with_phone_in_e164
from connector.domain.lead import Lead, MappingError
from connector.domain.mapping import map_submission
from connector.domain.submission import ParseError, RawRequest, Submission
from connector import intake
from connector.assessment import assess_and_route
from connector.rulebook import Rulebook
from connector.store import outbox
from connector.store.database import Database
from connector.store.leads import new_lead_row, update_lead_row
from connector.intake.forminator import labels_of_connection_test
from connector.store.models import FormLabelsRow, LeadRow, SubmissionRow
from connector.vocabulary import SubmissionStatus

ACCEPTED = SubmissionStatus.ACCEPTED
UNPARSED = SubmissionStatus.UNPARSED
TEST = SubmissionStatus.TEST
DUPLICATE = SubmissionStatus.DUPLICATE

# Called inside the transaction that enqueued deliveries; wakes workers on commit.
Announce = Callable[[Session], None]


@dataclass(frozen=True)
class IngestResult:
    submission_id: int
    lead_id: int | None = None
    error: str | None = None
    deliveries: int = 0
    test: bool = False
    duplicate: bool = False
    temperature: str | None = None
    category: str | None = None


@dataclass(frozen=True)
class Understanding:
    submission: Submission | None
    lead: Lead | None
    error: str | None


# (plugin, form key) -> labels learnt earlier for that form's fields.
KnownLabels = Callable[[str, str], Mapping[str, str]]
# Plugins whose connection test shows labels their entries lack.
LABELS_FROM_TESTS = frozenset({"forminator"})


def understand(raw: RawRequest, rules: Rulebook,
               known_labels: KnownLabels | None = None) -> Understanding:
    """Parse and map. Errors are values: the raw request is kept either way."""
    try:
        submission = intake.parse(raw)
    except ParseError as exc:
        return Understanding(None, None, str(exc))
    form = form_key(submission)
    if (known_labels and form and submission.plugin in LABELS_FROM_TESTS
            and (known := known_labels(submission.plugin, form))):
        submission = replace(submission, labels={**known, **submission.labels})
    try:
        lead = map_submission(submission, rules.mappings[submission.plugin], rules.lexicon)
    except MappingError as exc:
        return Understanding(submission, None, str(exc))
    return Understanding(submission, with_phone_in_e164(lead, rules.scoring.enrichment), None)


class Ingest:
    def __init__(self, db: Database, rules: Rulebook, configured: Iterable[str],
                 announce: Announce, duplicate_window: timedelta = timedelta(minutes=10)) -> None:
        self.db = db
        self.rules = rules
        self.configured = frozenset(configured)
        self.announce = announce
        self.duplicate_window = duplicate_window

    def accept(self, raw: RawRequest, now: datetime, source: str | None = None,
               message_id: str | None = None,
               lock_wait_ms: int | None = None) -> IngestResult:
        """Store the request and, when it makes sense, its lead and deliveries: all or nothing.

        A re-sent entry is stored as a duplicate and answered with the original.
        Past `lock_wait_ms` waiting for the database, StorageUnavailable.
        """
        test = is_connection_test(raw)
        understood = (Understanding(None, None, None) if test
                      else understand(raw, self.rules,
                                      lambda p, f: self.known_labels(p, f, lock_wait_ms)))
        key = (dedupe_key(understood.submission, message_id)
               if understood.submission else None)
        with self.db.transaction(lock_wait_ms) as session:
            row = SubmissionRow(
                plugin=raw.plugin, method=raw.method, content_type=raw.content_type,
                body=raw.body, headers=raw.headers,
                query_string=raw.query_string, remote_addr=raw.remote_addr,
                received_at=raw.received_at, source=source,
                dedupe_key=key.key if key else None)
            _describe(row, understood, now)
            original = self._original(session, key, now) if key else None
            if test or original:
                row.status = TEST if test else DUPLICATE
                row.duplicate_of = original.id if original else None
            session.add(row)
            session.flush()
            if test:
                self._learn_labels(session, raw, now)
                return IngestResult(row.id, test=True)
            if original:
                lead_id = session.scalar(
                    select(LeadRow.id).where(LeadRow.submission_id == original.id))
                return IngestResult(original.id, lead_id, duplicate=True)
            return self._lead_for(session, row, understood, now)

    def known_labels(self, plugin: str, form: str,
                     lock_wait_ms: int | None = None) -> Mapping[str, str]:
        """For use outside a transaction; inside one, `labels_in(session)`."""
        with self.db.transaction(lock_wait_ms) as session:
            return labels_in(session)(plugin, form)

    def _learn_labels(self, session: Session, raw: RawRequest, now: datetime) -> None:
        """Keep the labels a connection test shows, for the entries that will lack them."""
        try:
            sub = intake.parse(raw)
        except ParseError:
            return
        form = form_key(sub)
        if sub.plugin not in LABELS_FROM_TESTS or not form:
            return
        labels = labels_of_connection_test(sub)
        row = session.scalars(select(FormLabelsRow).where(
            FormLabelsRow.plugin == sub.plugin, FormLabelsRow.form == form)).first()
        if row is None:
            session.add(FormLabelsRow(plugin=sub.plugin, form=form, labels=labels,
                                      updated_at=now))
        else:
            row.labels, row.updated_at = labels, now

    def _original(self, session: Session, key: DedupeKey, now: datetime) -> SubmissionRow | None:
        """The accepted submission this one repeats, if any."""
        if key.windowed and not self.duplicate_window:
            return None
        if self.db.is_postgres:
            # Two copies arriving together must not both pass the check;
            # SQLite's BEGIN IMMEDIATE already serialises writers.
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key.key})
        query = (select(SubmissionRow)
                 .where(SubmissionRow.dedupe_key == key.key, SubmissionRow.status == ACCEPTED))
        if key.windowed:
            query = query.where(SubmissionRow.received_at >= now - self.duplicate_window)
        return session.scalars(query.order_by(SubmissionRow.id).limit(1)).first()

    def reprocess(self, submission_id: int, now: datetime) -> IngestResult:
        """Run a stored submission through today's parser and mappings again.

        An unparsed one gets its lead and deliveries; an accepted one gets its
        lead updated and any newly routed deliveries, never a second copy of
        one it already has.
        """
        with self.db.transaction() as session:
            row = session.get(SubmissionRow, submission_id)
            if row is None:
                raise LookupError(f"no submission {submission_id}")
            # The look-up shares this transaction: a second one would wait on
            # SQLite's write lock that this one holds.
            understood = understand(raw_request_of(row), self.rules, labels_in(session))
            if row.status in (TEST, DUPLICATE):
                return IngestResult(row.id, test=row.status == TEST,
                                    duplicate=row.status == DUPLICATE)
            if understood.lead is None and row.status == ACCEPTED:
                # The new mapping is worse than the old one: keep what we have.
                return IngestResult(row.id, error=understood.error)
            _describe(row, understood, now)
            return self._lead_for(session, row, understood, now)

    def _lead_for(self, session: Session, row: SubmissionRow, understood: Understanding,
                  now: datetime) -> IngestResult:
        if understood.lead is None:
            return IngestResult(row.id, error=understood.error)
        lead_row = session.scalars(
            select(LeadRow).where(LeadRow.submission_id == row.id)).first()
        if lead_row is None:
            # When the person sent it (an import's date column), not when we read it.
            lead_row = new_lead_row(understood.lead, row.id, row.received_at)
            session.add(lead_row)
            session.flush()
        else:
            update_lead_row(lead_row, understood.lead, now)
        routed = assess_and_route(session, lead_row, understood.lead, self.rules,
                                  self.configured, now)
        if any(r.status == outbox.PENDING for r in routed.new):
            self.announce(session)
        return IngestResult(row.id, lead_row.id, deliveries=len(routed.new),
                            temperature=routed.verdict.temperature,
                            category=routed.verdict.category)

    def unparsed_ids(self) -> list[int]:
        with self.db.transaction() as session:
            return list(session.scalars(select(SubmissionRow.id)
                                        .where(SubmissionRow.status == UNPARSED)
                                        .order_by(SubmissionRow.id)))


def labels_in(session: Session) -> KnownLabels:
    def known(plugin: str, form: str) -> Mapping[str, str]:
        return session.scalar(select(FormLabelsRow.labels).where(
            FormLabelsRow.plugin == plugin, FormLabelsRow.form == form)) or {}
    return known


def form_key(sub: Submission) -> str | None:
    name = sub.form_name or sub.form_id
    return " ".join(name.casefold().split())[:255] if name else None


def is_connection_test(raw: RawRequest) -> bool:
    """Forminator and Formidable send X-Hook-Test: true when the admin saves the hook."""
    return (raw.header("X-Hook-Test") or "").strip().lower() == "true"


def _describe(row: SubmissionRow, understood: Understanding, now: datetime) -> None:
    row.status = ACCEPTED if understood.lead else UNPARSED
    row.error = understood.error
    row.processed_at = now
    if understood.submission:
        row.form_id = understood.submission.form_id
        row.form_name = understood.submission.form_name
        row.entry_id = understood.submission.entry_id


def raw_request_of(row: SubmissionRow) -> RawRequest:
    return RawRequest(plugin=row.plugin, method=row.method, content_type=row.content_type or "",
                      body=row.body, query_string=row.query_string,
                      headers=dict(row.headers), remote_addr=row.remote_addr,
                      received_at=row.received_at)


