"""The generic format: one flat JSON object or form-encoded body of form fields.

For anything that can post a webhook but has no parser of its own. Besides
the fields, it understands `form_id`, `form_name` and `entry_id`.
"""
from __future__ import annotations

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import first_text, pop_all


def parse(raw: RawRequest) -> Submission:
    fields = decode_object(raw)
    if not fields:
        raise ParseError("the body holds no form fields")
    ids = pop_all(fields, frozenset({"form_id", "form_name", "entry_id"}))
    return Submission(
        plugin="generic",
        fields=fields,
        received_at=raw.received_at,
        form_id=first_text(ids, "form_id"),
        form_name=first_text(ids, "form_name"),
        entry_id=first_text(ids, "entry_id"),
    )
