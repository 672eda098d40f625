"""Contact Form 7 through the "CF7 to Webhook" add-on (wordpress.org slug cf7-to-zapier).

The body is a JSON object of CF7 form-tag names, preceded by whatever special
mail tags the admin configured (`[_url page_url] [_remote_ip] …`). No form id
or meta is sent unless configured; the setup guide suggests special mail tags
and `?form=[_post_title]` in the webhook URL.
"""
from __future__ import annotations

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object

_FORM_ID_KEYS = ("_form_id", "form_id")
_FORM_NAME_KEYS = ("_form_title", "form_title", "_post_title")
_ENTRY_KEYS = ("_serial_number", "serial_number")


def parse(raw: RawRequest) -> Submission:
    fields = decode_object(raw)
    if not fields:
        raise ParseError("the body holds no form fields")
    meta = {}
    if ip := raw.header("X-Client-IP"):
        meta["remote_ip"] = ip
    return Submission(
        plugin="cf7",
        fields=fields,
        received_at=raw.received_at,
        form_id=raw.query.get("form_id") or _first(fields, _FORM_ID_KEYS),
        form_name=raw.query.get("form") or _first(fields, _FORM_NAME_KEYS),
        entry_id=_first(fields, _ENTRY_KEYS),
        meta=meta,
    )


def _first(fields: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = fields.get(key)
        if isinstance(value, (str, int)) and str(value).strip():
            return str(value).strip()
    return None
