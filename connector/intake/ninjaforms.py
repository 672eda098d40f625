"""Ninja Forms' Webhooks add-on: the admin's own `key -> {field:…}` arguments.

POST form-encoded (the default) or JSON; with "use single arg" the JSON
arrives as the value of one argument (default name `json`), also in GET.
"""
from __future__ import annotations

import json
from typing import Any

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import own_keys_submission


def parse(raw: RawRequest) -> Submission:
    return own_keys_submission("ninjaforms", raw, _single_arg(decode_object(raw)),
                               entry_keys=("entry_id", "sub_id"))


def _single_arg(data: dict[str, Any]) -> dict[str, Any]:
    if len(data) == 1:
        (value,) = data.values()
        if isinstance(value, str) and value.lstrip().startswith("{"):
            try:
                decoded = json.loads(value)
            except (ValueError, RecursionError):
                raise ParseError("the single argument holds broken JSON") from None
            if isinstance(decoded, dict):
                return decoded
    return data
