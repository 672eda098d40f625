"""Gravity Forms with the Webhooks add-on: JSON or FORM request format.

"All Fields" sends the whole Entry object: entry properties (id, form_id,
ip, source_url, …) and values keyed by field id ("2") or input id ("1.3").
Multi-input fields are told apart by their sub-inputs: a name has .3 first
and .6 last; a consent .1 ticked, .2 its text, .3 a revision id; a checkbox
one input per choice. "Select Fields" sends the admin's own keys.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import compact, own_keys_submission, pop_all, text_of

ENTRY_PROPERTIES = frozenset({
    "id", "form_id", "post_id", "date_created", "date_updated", "is_starred", "is_read", "ip",
    "source_url", "user_agent", "currency", "payment_status", "payment_date",
    "payment_amount", "payment_method", "transaction_id", "is_fulfilled", "created_by",
    "transaction_type", "status", "source_id"})
_INPUT_ID = re.compile(r"^(\d+)\.(\d+)$")
_NAME_PARTS = {"2": "prefix", "3": "first_name", "4": "middle_name", "6": "last_name",
               "8": "suffix"}


def is_entry(data: dict[str, Any]) -> bool:
    return "form_id" in data and "date_created" in data


def parse(raw: RawRequest) -> Submission:
    data = decode_object(raw)
    if not data:
        raise ParseError("the body holds no form fields")
    if not is_entry(data):  # "Select Fields": the admin's own keys
        return own_keys_submission("gravityforms", raw, data)
    entry = pop_all(data, ENTRY_PROPERTIES)
    fields, labels, types = _fields(data)
    return Submission(
        plugin="gravityforms",
        fields=fields,
        received_at=raw.received_at,
        form_id=text_of(entry.get("form_id")),
        form_name=raw.query.get("form"),
        entry_id=text_of(entry.get("id")),
        labels=labels,
        types=types,
        meta=compact({"page_url": entry.get("source_url"), "remote_ip": entry.get("ip"),
                      "user_agent": entry.get("user_agent"),
                      "submitted_at": _utc(entry.get("date_created"))}),
    )


def _fields(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    fields: dict[str, Any] = {}
    labels: dict[str, str] = {}
    types: dict[str, str] = {}
    groups: dict[str, dict[str, Any]] = defaultdict(dict)
    for key, value in data.items():
        if m := _INPUT_ID.match(str(key)):
            groups[m.group(1)][m.group(2)] = value
        else:
            fields[str(key)] = _decoded(value)
    for field_id, inputs in groups.items():
        subs = set(inputs)
        if subs <= set(_NAME_PARTS) and subs & {"3", "6"}:
            for sub, value in inputs.items():
                fields[f"{field_id}.{sub}"] = value
                types[f"{field_id}.{sub}"] = _NAME_PARTS[sub]
        elif subs == {"1", "2", "3"} and len(str(inputs["2"])) > 15 and \
                str(inputs["3"]).isdigit() and str(inputs["1"]) in ("", "1", "0"):
            fields[field_id] = inputs["1"]
            labels[field_id] = str(inputs["2"])
            types[field_id] = "consent"
            fields[f"{field_id}.3"] = inputs["3"]  # the consent text's revision
        elif "5" in subs or subs >= {"1", "3", "6"} and len(subs) >= 4:
            for sub, value in inputs.items():  # an address: kept as sent
                fields[f"{field_id}.{sub}"] = value
        else:
            fields[field_id] = [v for _, v in sorted(inputs.items(), key=lambda kv: int(kv[0]))
                                if text_of(v)]
            types[field_id] = "checkbox"
    return fields, labels, types


def _decoded(value: Any) -> Any:
    # Multi-select and multi-file fields arrive as JSON-encoded strings.
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        try:
            decoded = json.loads(value)
        except (ValueError, RecursionError):
            return value
        if isinstance(decoded, list):
            return decoded
    return value


def _utc(value: Any) -> str | None:
    try:
        when = datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return when.replace(tzinfo=timezone.utc).isoformat()
