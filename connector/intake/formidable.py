"""Formidable Forms' API add-on, "Send API data".

With no key/value rows the body is a JSON *list* holding one entry: the
entry row (id, item_key, name, description, ip, form_id, created_at, …)
merged with the values keyed by field key (`email_k3j9`). `description` is a
PHP-serialised array with the browser and referrer. With rows, it is the
admin's own `{key: value}`.
"""
from __future__ import annotations

import re
from typing import Any

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_json_value, decode_object
from connector.intake.common import compact, first_text, own_keys_submission, pop_all

ENTRY_PROPERTIES = frozenset({"id", "item_key", "description", "ip", "form_id", "post_id",
                              "user_id", "parent_item_id", "is_draft", "updated_by",
                              "created_at", "updated_at"})


def parse(raw: RawRequest) -> Submission:
    data = _entry(raw)
    if "item_key" not in data:  # key/value rows: the admin's own keys
        return own_keys_submission("formidable", raw, data)
    entry = pop_all(data, ENTRY_PROPERTIES)
    description = str(entry.get("description") or "")
    return Submission(
        plugin="formidable",
        fields=data,
        received_at=raw.received_at,
        form_id=first_text(entry, "form_id"),
        form_name=raw.query.get("form"),
        entry_id=first_text(entry, "id"),
        meta=compact({"remote_ip": entry.get("ip"), "submitted_at": entry.get("created_at"),
                      "user_agent": _php_string(description, "browser"),
                      "referrer": _php_string(description, "referrer")}),
    )


def _entry(raw: RawRequest) -> dict[str, Any]:
    value = decode_json_value(raw)
    if value is None:
        return decode_object(raw)
    if isinstance(value, list):
        entries = [e for e in value if isinstance(e, dict)]
        if len(entries) != 1:
            raise ParseError(f"expected a list holding one entry, got {len(value)} items")
        return entries[0]
    if isinstance(value, dict):
        return value
    raise ParseError(f"body must be a JSON object or a list of one, not {type(value).__name__}")


def _php_string(serialized: str, key: str) -> str | None:
    """One string from a PHP-serialised array, without unserialising anything."""
    m = re.search(rf's:\d+:"{re.escape(key)}";s:\d+:"(.*?)";', serialized, re.DOTALL)
    return m.group(1) if m else None
