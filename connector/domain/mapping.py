"""Plugin fields -> canonical lead, driven by the YAML in mappings/.

A mapping lists, for each canonical field, the plugin field names that may
hold it. Names are compared loosely (case, `-`, `_`, spaces and dots do not
matter) and nested objects match on any tail of their path, so
`lead.utm.source` is found by `utm_source`. Whatever no mapping claims is
kept in the lead's `extra` under its own name: nothing is dropped.
"""
from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from connector.domain.lead import Consent, FileRef, Lead, MappingError
from connector.domain.submission import Submission

TEXT_FIELDS = ("email", "first_name", "last_name", "phone", "company", "job_title",
               "website", "subject", "message")
TRACKING_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
                   "gclid", "fbclid", "page_url", "referrer", "user_agent", "remote_ip")
SUBMISSION_FIELDS = ("form_id", "form_name")
LIST_FIELDS = ("product_interests",)
SPECIAL_FIELDS = ("name", "consent", "files")
ALL_TARGETS = frozenset(TEXT_FIELDS + TRACKING_FIELDS + SUBMISSION_FIELDS + LIST_FIELDS
                        + SPECIAL_FIELDS)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_FALSE = {"", "0", "false", "no", "off", "ne", "nie", "nein"}


@dataclass(frozen=True)
class FieldMapping:
    """Canonical field -> candidate plugin field names, in order of preference."""

    candidates: dict[str, tuple[str, ...]]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str) -> "FieldMapping":
        fields = data.get("fields")
        if not isinstance(fields, Mapping):
            raise ValueError(f"{source}: needs a 'fields' mapping")
        candidates = {}
        for target, names in fields.items():
            if target not in ALL_TARGETS:
                raise ValueError(f"{source}: '{target}' is not a lead field "
                                 f"(one of: {', '.join(sorted(ALL_TARGETS))})")
            if isinstance(names, str):
                names = [names]
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise ValueError(f"{source}: '{target}' must list field names")
            candidates[target] = tuple(names)
        return cls(candidates)


@dataclass
class _Fields:
    """The submission's fields flattened to paths, with the ones already claimed."""

    values: dict[str, Any]
    claimed: set[str] = field(default_factory=set)

    def take(self, names: Iterable[str]) -> tuple[str, Any] | None:
        """The first unclaimed, non-empty field any of `names` matches; claims it."""
        for name in names:
            wanted = _normal(name)
            for path, value in self.values.items():
                if path in self.claimed or _is_empty(value):
                    continue
                if wanted in _tails(path):
                    self.claimed.add(path)
                    return path, value
        return None

    def unclaimed(self) -> dict[str, Any]:
        return {p: v for p, v in self.values.items() if p not in self.claimed}


def map_submission(sub: Submission, mapping: FieldMapping) -> Lead:
    """Make the canonical lead; raises MappingError when there is no way to reach the person."""
    fields = _Fields(_flatten(sub.fields))
    found: dict[str, Any] = {}

    for target in TEXT_FIELDS + TRACKING_FIELDS + SUBMISSION_FIELDS:
        hit = fields.take(mapping.candidates.get(target, ()))
        if hit:
            found[target] = _text(hit[1])

    name_hit = fields.take(mapping.candidates.get("name", ()))
    if name_hit and not (found.get("first_name") or found.get("last_name")):
        found["first_name"], found["last_name"] = split_full_name(_text(name_hit[1]))
    elif name_hit:
        fields.claimed.discard(name_hit[0])  # both given: keep the full name in extra

    interests: list[str] = []
    while hit := fields.take(mapping.candidates.get("product_interests", ())):
        interests.extend(_as_list(hit[1]))

    consent = None
    if hit := fields.take(mapping.candidates.get("consent", ())):
        path, value = hit
        consent = Consent(given=_truthy(value), field=path,
                          text=sub.labels.get(path), at=sub.received_at.isoformat())

    files = _take_files(fields, mapping.candidates.get("files", ()))

    if not found.get("email"):
        # No mapped email field: a value that is plainly an address still counts.
        for path, value in fields.unclaimed().items():
            if isinstance(value, str) and _EMAIL.match(value.strip()):
                fields.claimed.add(path)
                found["email"] = value.strip()
                break

    email = found.get("email")
    if email and not _EMAIL.match(email):
        raise MappingError("the email field does not hold an email address")
    if not email and not found.get("phone"):
        raise MappingError(
            "no email address or phone number found; fields received: "
            + (", ".join(sorted(sub.fields)) or "none"))

    tracking = {k: found[k] for k in TRACKING_FIELDS if found.get(k)}
    for key, value in sub.meta.items():
        if key in TRACKING_FIELDS and value:
            tracking.setdefault(key, value)
    return Lead(
        plugin=sub.plugin,
        form_id=found.get("form_id") or sub.form_id,
        form_name=found.get("form_name") or sub.form_name,
        email=email.lower() if email else None,
        product_interests=tuple(dict.fromkeys(i for i in interests if i)),
        consent=consent,
        tracking=tracking,
        files=files,
        extra=fields.unclaimed(),
        **{k: found.get(k) for k in TEXT_FIELDS if k != "email"},
    )


def split_full_name(full: str) -> tuple[str | None, str | None]:
    """'Žiga Kovačič' -> ('Žiga', 'Kovačič'); 'Kovačič, Žiga' -> ('Žiga', 'Kovačič').

    One word is taken as the first name: people type their first name alone
    far more often than their surname alone.
    """
    full = " ".join(full.split())
    if not full:
        return None, None
    if "," in full:
        last, _, first = full.partition(",")
        return first.strip() or None, last.strip() or None
    first, _, last = full.rpartition(" ")
    if not first:
        return last, None
    return first, last


def _take_files(fields: _Fields, names: tuple[str, ...]) -> tuple[FileRef, ...]:
    files = []
    while hit := fields.take(names):
        files.extend(_file_refs(*hit))
    # A {filename, content} object is a file whatever its field is called.
    for path, value in list(fields.unclaimed().items()):
        if _is_inline_file(value) or (isinstance(value, list) and value
                                      and all(_is_inline_file(v) for v in value)):
            fields.claimed.add(path)
            files.extend(_file_refs(path, value))
    return tuple(files)


def _file_refs(path: str, value: Any) -> list[FileRef]:
    items = value if isinstance(value, list) else [value]
    refs = []
    for item in items:
        if _is_inline_file(item):
            refs.append(FileRef(field=path, name=item.get("filename"),
                                size=_base64_size(item.get("content", ""))))
        elif isinstance(item, str) and item:
            name = item.rstrip("/").rsplit("/", 1)[-1] or None
            refs.append(FileRef(field=path, url=item, name=name))
    return refs


def _is_inline_file(value: Any) -> bool:
    return isinstance(value, dict) and "filename" in value and "content" in value


def _base64_size(content: str) -> int | None:
    try:
        return len(base64.b64decode(content, validate=False))
    except (binascii.Error, ValueError):
        return None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not _is_inline_file(value):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _tails(path: str) -> set[str]:
    parts = path.split(".")
    return {_normal(".".join(parts[i:])) for i in range(len(parts))}


def _normal(name: str) -> str:
    folded = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value if not _is_empty(v))
    return str(value).strip()


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [_text(v) for v in value if not _is_empty(v)]
    return [part.strip() for part in re.split(r"[,;|]", str(value)) if part.strip()]


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        return any(_truthy(v) for v in value)
    if isinstance(value, bool):
        return value
    return str(value).strip().casefold() not in _FALSE
