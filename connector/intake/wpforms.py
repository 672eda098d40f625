"""WPForms with the Webhooks add-on: GET (its default), JSON or FORM.

The body holds only the parameters the admin mapped. Multi-value fields join
their choices with "||"; date-time fields are {"value", "unix"} objects.
Requests are signed (X-WPForms-Webhook-Signature); see auth/wpforms.py.
"""
from __future__ import annotations

from typing import Any

from connector.domain.submission import RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import own_keys_submission


def parse(raw: RawRequest) -> Submission:
    data = decode_object(raw)
    return own_keys_submission("wpforms", raw, {k: _value(v) for k, v in data.items()})


def _value(value: Any) -> Any:
    if isinstance(value, str) and "||" in value:
        return [part for part in value.split("||") if part]
    if isinstance(value, dict) and "value" in value and set(value) <= {"value", "unix"}:
        return value["value"]
    return value
