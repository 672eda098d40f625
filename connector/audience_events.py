"""What Mailchimp tells us about the audience (its webhooks), recorded on the leads
with that address: unsubscribes and cleaned addresses so we never push them again,
address changes and profile updates so the dashboard can show them."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connector.store.database import Database
from connector.store.models import LeadRow

log = logging.getLogger(__name__)
STATUS_OF = {"subscribe": "subscribed", "unsubscribe": "unsubscribed", "cleaned": "cleaned"}
KNOWN = set(STATUS_OF) | {"profile", "upemail", "campaign"}


class EventError(ValueError):
    """The event cannot be read; the message names what is missing."""


def record_event(db: Database, event: Mapping[str, Any], list_id: str, now: datetime) -> int:
    """Apply one webhook event; how many leads it touched."""
    kind = str(event.get("type") or "")
    data = event.get("data")
    if kind not in KNOWN:
        raise EventError(f"unknown event type '{kind}'")
    if not isinstance(data, Mapping):
        raise EventError("the event has no data")
    if list_id and data.get("list_id") and data["list_id"] != list_id:
        log.info("mailchimp %s event for another audience ignored", kind)
        return 0
    fired = str(event.get("fired_at") or now.isoformat())
    if kind == "campaign":
        return 0  # a campaign was sent: nothing about a person
    with db.transaction() as session:
        if kind == "upemail":
            old, new = _email(data, "old_email"), _email(data, "new_email")
            touched = _update(session, old, {"email_changed_to": new, "at": fired})
            _update(session, new, {"status": "subscribed", "email_changed_from": old, "at": fired})
            return touched
        email = _email(data, "email")
        change: dict[str, Any] = {"at": fired}
        if kind in STATUS_OF:
            change["status"] = STATUS_OF[kind]
        if data.get("reason"):
            change["reason"] = str(data["reason"])
        if data.get("action"):
            change["action"] = str(data["action"])
        if isinstance(data.get("merges"), Mapping):
            change["profile"] = {k: v for k, v in data["merges"].items() if k != "EMAIL"}
        touched = _update(session, email, change)
    log.info("mailchimp %s event recorded on %d lead(s)", kind, touched)
    return touched


def _email(data: Mapping[str, Any], key: str) -> str:
    value = str(data.get(key) or "").strip().lower()
    if "@" not in value:
        raise EventError(f"the event has no {key}")
    return value


def _update(session: Session, email: str, change: dict[str, Any]) -> int:
    rows = session.scalars(select(LeadRow).where(func.lower(LeadRow.email) == email)).all()
    for row in rows:
        row.mailchimp = {**(row.mailchimp or {}), **change}
    return len(rows)
