"""Leads between their domain form and their row."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from connector.domain.lead import Consent, FileRef, Lead
from connector.store.models import LeadRow

# What a destination may see of a lead: the canonical fields, never internals.
_PAYLOAD_FIELDS = ("plugin", "form_id", "form_name", "email", "first_name", "last_name",
                   "phone", "phone_as_written", "company", "job_title", "website", "subject",
                   "message", "product_interests", "consent", "tracking", "files", "extra",
                   "score", "temperature", "category", "dimensions", "reasons")


def new_lead_row(lead: Lead, submission_id: int, now: datetime) -> LeadRow:
    return LeadRow(submission_id=submission_id, created_at=now, updated_at=now,
                   enrichment={}, dimensions={}, reasons=[], **_columns(lead))


def update_lead_row(row: LeadRow, lead: Lead, now: datetime) -> None:
    for key, value in _columns(lead).items():
        setattr(row, key, value)
    row.updated_at = now


def lead_payload(row: LeadRow) -> dict[str, Any]:
    payload = {name: getattr(row, name) for name in _PAYLOAD_FIELDS}
    payload["lead_id"] = row.id
    payload["submission_id"] = row.submission_id
    payload["created_at"] = row.created_at.isoformat()
    enrichment = row.enrichment or {}
    payload["language"] = enrichment.get("language")
    payload["channel"] = enrichment.get("channel")
    payload["mailchimp"] = row.mailchimp
    return payload


def _columns(lead: Lead) -> dict[str, Any]:
    data = asdict(lead)
    data["product_interests"] = list(lead.product_interests)
    data["files"] = [asdict(f) for f in lead.files]
    return data


def lead_of_row(row: LeadRow) -> Lead:
    """The domain lead a stored row holds, for scoring it again."""
    return Lead(
        plugin=row.plugin, form_id=row.form_id, form_name=row.form_name, email=row.email,
        first_name=row.first_name, last_name=row.last_name, phone=row.phone,
        phone_as_written=row.phone_as_written,
        company=row.company, job_title=row.job_title, website=row.website,
        subject=row.subject, message=row.message,
        product_interests=tuple(row.product_interests or ()),
        consent=Consent(**row.consent) if row.consent else None,
        tracking=dict(row.tracking or {}),
        files=tuple(FileRef(**f) for f in row.files or ()),
        extra=dict(row.extra or {}))
