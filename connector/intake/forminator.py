"""Forminator's webhook integration: POST JSON keyed by element id.

Keys are element ids with every "-" turned into "_" (`email_1`, `name_1`),
except for Zapier URLs, which keep the dashes. The element's kind is the
first word of its id, so it gives the field's type. Technical inputs ride
along (current_url, referer_url, page_id, …), and `form_title`,
`entry_time`. A connection test (X-Hook-Test: true) sends labels as values.
"""
from __future__ import annotations

import html
import re
from typing import Any

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import compact, first_text, pop_all

_ELEMENT = re.compile(r"^([a-z]+)[-_]\d+(?:[-_](.+))?$")
_KIND_TYPES = {"email": "email", "phone": "tel", "textarea": "textarea", "url": "url",
               "consent": "consent", "gdprcheckbox": "consent", "upload": "upload",
               "postdata": "upload", "checkbox": "checkbox", "name": "name"}
_TECHNICAL = frozenset({"_wp_http_referer", "page_id", "form_type", "render_id",
                        "current_url", "referer_url", "_forminator_user_ip", "form_title",
                        "entry_time", "form_id", "action", "forminator_nonce"})
_WORD = re.compile(r"[-_]")


def is_forminator(data: dict[str, Any]) -> bool:
    return bool({"form_title", "entry_time"} & set(data) or {"form-title", "entry-time"}
                & set(data)) and any(_ELEMENT.match(k) for k in data)


def parse(raw: RawRequest) -> Submission:
    data = decode_object(raw)
    if not data:
        raise ParseError("the body holds no form fields")
    # Zapier URLs keep dashes in keys; our names for the technical ones use "_".
    data = {(k.replace("-", "_") if k.replace("-", "_") in _TECHNICAL else k): v
            for k, v in data.items()}
    tech = pop_all(data, _TECHNICAL)
    types = {}
    for key in data:
        if m := _ELEMENT.match(key):
            kind, part = m.group(1), m.group(2)
            if part in ("first_name", "first-name", "last_name", "last-name"):
                types[key] = _WORD.sub("_", part)
            elif kind in _KIND_TYPES:
                types[key] = _KIND_TYPES[kind]
    fields = {k: _unescape(v) for k, v in data.items()}
    return Submission(
        plugin="forminator",
        fields=fields,
        received_at=raw.received_at,
        form_id=first_text(tech, "form_id") or raw.query.get("form_id"),
        form_name=first_text(tech, "form_title"),
        types=types,
        meta=compact({"page_url": tech.get("current_url"), "referrer": tech.get("referer_url"),
                      "remote_ip": tech.get("_forminator_user_ip"),
                      "submitted_at": tech.get("entry_time")}),
    )


def _unescape(value: Any) -> Any:
    # Textareas arrive HTML-escaped for "&" (Forminator sanitises before sending).
    return html.unescape(value) if isinstance(value, str) and "&" in value else value


def labels_of_connection_test(sub: Submission) -> dict[str, str]:
    """Forminator's connection test sends each element's label as its value."""
    labels = {}
    for key, value in sub.fields.items():
        if isinstance(value, dict):
            value = value.get("name")
        if isinstance(value, str) and value.strip():
            labels[key] = value.strip()
    return labels
