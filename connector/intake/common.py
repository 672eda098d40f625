"""Small pieces several plugin parsers share."""
from __future__ import annotations

from typing import Any, Mapping

from connector.domain.submission import ParseError, RawRequest, Submission

ID_KEYS = ("form_id", "form_name", "entry_id")


def text_of(value: Any) -> str | None:
    """A scalar as stripped text (plugins send ids as strings or numbers); None if empty."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)) and str(value).strip():
        return str(value).strip()
    return None


def first_text(data: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        if (value := text_of(data.get(key))) is not None:
            return value
    return None


def pop_all(data: dict[str, Any], keys: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
    """Remove these keys from data; what was there."""
    return {k: data.pop(k) for k in list(data) if k in keys}


def compact(meta: Mapping[str, Any]) -> dict[str, str]:
    return {k: t for k, v in meta.items() if (t := text_of(v)) is not None}


def own_keys_submission(plugin: str, raw: RawRequest, fields: dict[str, Any],
                        entry_keys: tuple[str, ...] = ("entry_id",)) -> Submission:
    """A body of the admin's own keys (generic, WPForms, Ninja Forms, "Select Fields"):
    the form and entry are wherever the admin put form_id, form_name and entry_id,
    or ?form= in the hook's URL."""
    if not fields:
        raise ParseError("the body holds no form fields")
    ids = pop_all(fields, frozenset(ID_KEYS + entry_keys))
    return Submission(plugin, fields, raw.received_at,
                      form_id=first_text(ids, "form_id"),
                      form_name=first_text(ids, "form_name") or raw.query.get("form"),
                      entry_id=first_text(ids, *entry_keys))
