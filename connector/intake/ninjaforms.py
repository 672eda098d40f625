"""Ninja Forms' Webhooks add-on: the admin's own `key -> {field:…}` arguments.

POST form-encoded (the default) or JSON; with "use single arg" the JSON
arrives as the value of one argument (default name `json`), also in GET.
"""
from __future__ import annotations

import json
from typing import Any

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import first_text, pop_all


def parse(raw: RawRequest) -> Submission:
    data = _single_arg(decode_object(raw))
    if not data:
        raise ParseError("the body holds no form fields")
    ids = pop_all(data, frozenset({"entry_id", "form_id", "form_name", "sub_id"}))
    return Submission(
        plugin="ninjaforms",
        fields=data,
        received_at=raw.received_at,
        form_id=first_text(ids, "form_id"),
        form_name=first_text(ids, "form_name") or raw.query.get("form"),
        entry_id=first_text(ids, "entry_id", "sub_id"),
    )


def _single_arg(data: dict[str, Any]) -> dict[str, Any]:
    if len(data) == 1:
        (value,) = data.values()
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                decoded = json.loads(value)
            except ValueError:
                raise ParseError("the single argument holds broken JSON") from None
            if isinstance(decoded, dict):
                return decoded
    return data
