"""Reading leads for a person to look at: lists with filters, and one lead in full.

The command line and the dashboard show the same records, built here.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from connector.store.models import DeliveryRow, LeadRow, SubmissionRow


@dataclass(frozen=True)
class LeadFilter:
    temperature: str | None = None
    category: str | None = None
    form: str | None = None        # the form's name or id, any case
    since: datetime | None = None  # received on or after
    email: str | None = None       # any case

    def apply(self, query: Select) -> Select:
        if self.temperature:
            query = query.where(LeadRow.temperature == self.temperature)
        if self.category:
            query = query.where(LeadRow.category == self.category)
        if self.form:
            form = self.form.casefold()
            query = query.where(or_(func.lower(LeadRow.form_name) == form,
                                    func.lower(LeadRow.form_id) == form))
        if self.since:
            query = query.where(LeadRow.created_at >= self.since)
        if self.email:
            query = query.where(func.lower(LeadRow.email) == self.email.strip().casefold())
        return query


def list_leads(session: Session, where: LeadFilter, limit: int) -> list[dict[str, Any]]:
    rows = session.scalars(where.apply(select(LeadRow)).order_by(LeadRow.id.desc())
                           .limit(limit))
    return [lead_summary(r) for r in rows]


def lead_summary(row: LeadRow) -> dict[str, Any]:
    """What a list shows of a lead: who, what they wrote, how it was judged, and why."""
    enrichment = row.enrichment or {}
    return {
        "id": row.id, "submission_id": row.submission_id, "plugin": row.plugin,
        "form_id": row.form_id, "form_name": row.form_name, "email": row.email,
        "first_name": row.first_name, "last_name": row.last_name, "phone": row.phone,
        "phone_as_written": row.phone_as_written,
        "company": row.company, "job_title": row.job_title, "subject": row.subject,
        "message": row.message, "product_interests": list(row.product_interests or ()),
        "consent": row.consent, "tracking": dict(row.tracking or {}),
        "channel": enrichment.get("channel"), "language": enrichment.get("language"),
        "temperature": row.temperature, "category": row.category, "score": row.score,
        "dimensions": row.dimensions or {}, "reasons": list(row.reasons or ()),
        "mailchimp": row.mailchimp, "created_at": row.created_at,
    }


def find_leads(session: Session, id_or_email: str) -> list[LeadRow]:
    """The lead with this id, or every lead of this address, oldest first."""
    if id_or_email.strip().isdigit():
        row = session.get(LeadRow, int(id_or_email))
        return [row] if row else []
    return list(session.scalars(
        select(LeadRow).where(func.lower(LeadRow.email) == id_or_email.strip().casefold())
        .order_by(LeadRow.id)))


def lead_details(session: Session, row: LeadRow) -> dict[str, Any]:
    """Everything held on one lead: its fields, the submission it came from, the
    verdict with its reasons, and every delivery with the destination's own words."""
    submission = session.get(SubmissionRow, row.submission_id)
    deliveries = session.scalars(select(DeliveryRow).where(DeliveryRow.lead_id == row.id)
                                 .order_by(DeliveryRow.id))
    return {
        **lead_summary(row),
        "website": row.website, "files": list(row.files or ()), "extra": dict(row.extra or {}),
        "enrichment": dict(row.enrichment or {}), "updated_at": row.updated_at,
        "submission": submission_record(submission) if submission else None,
        "deliveries": [delivery_record(d) for d in deliveries],
    }


def submission_record(row: SubmissionRow) -> dict[str, Any]:
    """The stored request (credentials were never stored) and what became of it."""
    try:
        body: str = row.body.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        body, encoding = base64.b64encode(row.body).decode("ascii"), "base64"
    return {"id": row.id, "plugin": row.plugin, "status": row.status, "error": row.error,
            "source": row.source, "form_id": row.form_id, "form_name": row.form_name,
            "entry_id": row.entry_id, "received_at": row.received_at,
            "processed_at": row.processed_at, "method": row.method,
            "content_type": row.content_type, "query_string": row.query_string,
            "remote_addr": row.remote_addr, "headers": dict(row.headers or {}),
            "body": body, "body_encoding": encoding, "duplicate_of": row.duplicate_of}


def delivery_record(row: DeliveryRow, person: LeadRow | None = None) -> dict[str, Any]:
    record = {"id": row.id, "lead_id": row.lead_id, "destination": row.destination,
              "action": row.action, "status": row.status, "attempts": row.attempts,
              "next_attempt_at": row.next_attempt_at, "last_error": row.last_error,
              "vendor_message": row.vendor_message, "external_ids": row.external_ids or {},
              "created_at": row.created_at, "delivered_at": row.delivered_at}
    if person is not None:
        record["person"] = person_of(person)
    return record


def person_of(lead: LeadRow) -> str:
    """How an operator recognises the lead: the address, else the name, else the phone."""
    name = " ".join(p for p in (lead.first_name, lead.last_name) if p)
    return lead.email or name or lead.phone or f"lead {lead.id}"


def list_deliveries(session: Session, status: str | None, destination: str | None,
                    limit: int) -> list[dict[str, Any]]:
    query = (select(DeliveryRow, LeadRow).join(LeadRow, LeadRow.id == DeliveryRow.lead_id)
             .order_by(DeliveryRow.id.desc()).limit(limit))
    if status:
        query = query.where(DeliveryRow.status == status)
    if destination:
        query = query.where(DeliveryRow.destination == destination)
    return [delivery_record(d, lead) for d, lead in session.execute(query)]
