"""The generic format: one flat JSON object or form-encoded body of form fields.

For anything that can post a webhook but has no parser of its own. Besides
the fields, it understands `form_id`, `form_name` and `entry_id`.
"""
from __future__ import annotations

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object


def parse(raw: RawRequest) -> Submission:
    fields = decode_object(raw)
    if not fields:
        raise ParseError("the body holds no form fields")
    return Submission(
        plugin="generic",
        fields=fields,
        received_at=raw.received_at,
        form_id=_text(fields.get("form_id")),
        form_name=_text(fields.get("form_name")),
        entry_id=_text(fields.get("entry_id")),
    )


def _text(value: object) -> str | None:
    if isinstance(value, (str, int)) and str(value).strip():
        return str(value).strip()
    return None
