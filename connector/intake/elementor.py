"""Elementor Pro Forms' "Webhook" action, always form-encoded.

Advanced data (recommended): `form[id|name]`, `fields[<id>][id|type|title|
value|raw_value|required]`, `meta[<key>][title|value]`: stable ids, types and
labels. Simple data (the default): one key per field *label*, in the site's
language (`No Label <id>` when the label is empty), meta keyed by its title,
plus form_id and form_name.
"""
from __future__ import annotations

from typing import Any, Mapping

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import compact, first_text, pop_all

_NO_LABEL = "No Label "
# Meta titles of the simple format (English; other site languages stay as fields).
_SIMPLE_META = {"Page URL": "page_url", "User Agent": "user_agent", "Remote IP": "remote_ip"}
# Meta without a lead field: kept in the lead's extra under its title.
_SIMPLE_OTHER_META = frozenset({"Date", "Time", "Powered by", "Page Title"})
_ADVANCED_META = ("page_url", "user_agent", "remote_ip")


def is_advanced(data: Mapping[str, Any]) -> bool:
    fields = data.get("fields")
    return isinstance(fields, dict) and any(
        isinstance(f, dict) and "value" in f for f in fields.values())


def parse(raw: RawRequest) -> Submission:
    data = decode_object(raw)
    if not data:
        raise ParseError("the body holds no form fields")
    return _advanced(raw, data) if is_advanced(data) else _simple(raw, data)


def _advanced(raw: RawRequest, data: dict[str, Any]) -> Submission:
    form = data.get("form") if isinstance(data.get("form"), dict) else {}
    fields, labels, types = {}, {}, {}
    for key, spec in data["fields"].items():
        if not isinstance(spec, dict):
            continue
        field_id = str(spec.get("id") or key)
        value = spec.get("raw_value", spec.get("value"))
        fields[field_id] = "" if value is None else value
        if spec.get("title"):
            labels[field_id] = str(spec["title"])
        if spec.get("type"):
            types[field_id] = str(spec["type"])
    meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
    items = {k: v for k, v in meta.items() if isinstance(v, dict)}
    return Submission(
        plugin="elementor", fields=fields, received_at=raw.received_at,
        form_id=first_text(form, "id"), form_name=first_text(form, "name"),
        labels=labels, types=types,
        meta=compact({k: items[k].get("value") for k in _ADVANCED_META if k in items}),
        # Keyed by title (Date, Time, Powered by), as the simple format keys them.
        other_meta=compact({str(item.get("title") or key): item.get("value")
                            for key, item in items.items() if key not in _ADVANCED_META}))


def _simple(raw: RawRequest, data: dict[str, Any]) -> Submission:
    ids = pop_all(data, frozenset({"form_id", "form_name"}))
    meta = pop_all(data, frozenset(_SIMPLE_META))
    other_meta = pop_all(data, _SIMPLE_OTHER_META)
    fields, labels = {}, {}
    for key, value in data.items():
        if key.startswith(_NO_LABEL):
            fields[key[len(_NO_LABEL):]] = value
        else:
            fields[key] = value
            labels[key] = key
    return Submission(
        plugin="elementor", fields=fields, received_at=raw.received_at,
        form_id=first_text(ids, "form_id"), form_name=first_text(ids, "form_name"),
        labels=labels,
        meta=compact({_SIMPLE_META[k]: v for k, v in meta.items()}),
        other_meta=compact(other_meta))
