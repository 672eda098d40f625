"""Plugin fields -> canonical lead, driven by the YAML in mappings/.

In order of trust:
1. the plugin's mapping (`mappings/<plugin>.yaml`), with per-form overrides,
   lists for each lead field the plugin field names that may hold it;
2. a field's label, then its name, recognised in any supported language
   (`mappings/labels.yaml`), then the plugin's field type;
3. a value that can only be one thing: an email address, a phone number,
   a long free text for the message.

Names are compared loosely (case, `-`, `_`, spaces and dots do not matter) and
nested objects match on any tail of their path, so `lead.utm.source` is found
by `utm_source`. Whatever is not claimed stays in the lead's `extra` under its
own name, and so does the meta the plugin sent that no lead field holds
(`Submission.other_meta`): nothing is dropped.
"""
from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

from connector.domain.lead import Consent, FileRef, Lead, MappingError
from connector.domain.recognize import (EMAIL, TYPE_TARGETS, Lexicon, looks_like_message,
                                        looks_like_phone, plausible)
from connector.domain.submission import Submission

TEXT_FIELDS = ("email", "first_name", "last_name", "phone", "company", "job_title",
               "website", "subject", "message")
TRACKING_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
                   "gclid", "fbclid", "page_url", "referrer", "user_agent", "remote_ip",
                   "submitted_at")
SUBMISSION_FIELDS = ("form_id", "form_name")
LIST_FIELDS = ("product_interests", "files")
SPECIAL_FIELDS = ("name", "consent")
SCALAR_FIELDS = TEXT_FIELDS + TRACKING_FIELDS + SUBMISSION_FIELDS
ALL_TARGETS = frozenset(SCALAR_FIELDS + LIST_FIELDS + SPECIAL_FIELDS)
_CLICK_IDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
              "gclid", "fbclid")

_FALSE = {"", "0", "false", "no", "off", "ne", "nie", "nein", "unchecked", "не"}
# Upload fields join several URLs with ", " (Forminator) or " , " (Elementor).
_URL_LIST_SPLIT = re.compile(r"\s*,\s*(?=https?://)")


@dataclass(frozen=True)
class FieldMapping:
    """Canonical field -> candidate plugin field names, in order of preference."""

    candidates: dict[str, tuple[str, ...]]
    # Normalised form id or name -> candidates that come before the plugin's own.
    forms: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str) -> "FieldMapping":
        forms = data.get("forms") or {}
        if not isinstance(forms, Mapping):
            raise ValueError(f"{source}: 'forms' must map form ids or names to fields")
        return cls(_candidates(data.get("fields") or {}, source),
                   {_normal(str(form)): _candidates((spec or {}).get("fields") or {},
                                                    f"{source} form '{form}'")
                    for form, spec in forms.items()})

    def for_form(self, form_id: str | None, form_name: str | None) -> dict[str, tuple[str, ...]]:
        merged = dict(self.candidates)
        for key in (form_name, form_id):  # the id is the surer key: applied last, so first
            override = self.forms.get(_normal(key)) if key else None
            for target, names in (override or {}).items():
                merged[target] = names + merged.get(target, ())
        return merged


def _candidates(fields: Any, source: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(fields, Mapping):
        raise ValueError(f"{source}: 'fields' must map lead fields to field names")
    candidates = {}
    for target, names in fields.items():
        if target not in ALL_TARGETS:
            raise ValueError(f"{source}: '{target}' is not a lead field "
                             f"(one of: {', '.join(sorted(ALL_TARGETS))})")
        if isinstance(names, (str, int)):
            names = [names]
        if not isinstance(names, list) or not all(isinstance(n, (str, int)) for n in names):
            raise ValueError(f"{source}: '{target}' must list field names")
        candidates[target] = tuple(str(n) for n in names)
    return candidates


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


@dataclass
class _Found:
    scalars: dict[str, str] = field(default_factory=dict)
    full_name: str | None = None
    full_name_path: str | None = None
    interests: list[str] = field(default_factory=list)
    files: list[FileRef] = field(default_factory=list)
    consent: tuple[str, Any] | None = None
    guessed: set[str] = field(default_factory=set)

    def wants(self, target: str) -> bool:
        if target in LIST_FIELDS:
            return True
        if target == "consent":
            return self.consent is None
        if target == "name":
            return self.full_name is None
        return target not in self.scalars

    def put(self, target: str, path: str, value: Any) -> None:
        if target == "product_interests":
            self.interests.extend(_as_list(value))
        elif target == "files":
            self.files.extend(_file_refs(path, value))
        elif target == "consent":
            self.consent = (path, value)
        elif target == "name":
            self.full_name, self.full_name_path = _text(value), path
        else:
            self.scalars[target] = _text(value)


def map_submission(sub: Submission, mapping: FieldMapping,
                   lexicon: Lexicon | None = None) -> Lead:
    """Make the canonical lead; raises MappingError when there is no way to reach the person."""
    fields = _Fields(_flatten(sub.fields))
    found = _Found()

    candidates = mapping.for_form(sub.form_id, sub.form_name)
    for target in SCALAR_FIELDS + SPECIAL_FIELDS + LIST_FIELDS:
        names = candidates.get(target, ())
        while found.wants(target) and (hit := fields.take(names)):
            found.put(target, *hit)
            if target not in LIST_FIELDS:
                break

    if lexicon is not None:
        _recognise(sub, fields, found, lexicon)
    _sniff_values(fields, found)
    _inline_files(fields, found)

    s = found.scalars
    email = s.get("email")
    if email and not EMAIL.match(email):
        raise MappingError("the email field does not hold an email address")
    if not email and not s.get("phone"):
        raise MappingError(
            "no email address or phone number found; fields received: "
            + (", ".join(sorted(sub.fields)) or "none"))

    first, last = _names(found)
    if found.full_name_path and f"{first or ''} {last or ''}".split() != found.full_name.split():
        fields.claimed.discard(found.full_name_path)  # it says more than first + last: keep it
    consent = None
    if found.consent:
        path, value = found.consent
        consent = Consent(given=_truthy(value), field=path,
                          text=_label(sub.labels, path) or None, at=sub.received_at.isoformat())
    return Lead(
        plugin=sub.plugin,
        form_id=s.get("form_id") or sub.form_id,
        form_name=s.get("form_name") or sub.form_name,
        email=email.lower() if email else None,
        first_name=first,
        last_name=last,
        # As written: the mapping knows no region to read it in (see enrichment.py).
        phone_as_written=s.get("phone"),
        product_interests=tuple(dict.fromkeys(i for i in found.interests if i)),
        consent=consent,
        tracking=_tracking(s, sub.meta),
        files=tuple(found.files),
        extra=_extra(fields, sub.other_meta),
        **{k: s.get(k) for k in TEXT_FIELDS if k not in ("email", "first_name", "last_name")},
    )


def _extra(fields: _Fields, other_meta: Mapping[str, Any]) -> dict[str, Any]:
    """Unclaimed fields, then the plugin's other meta: the visitor's own field wins a name."""
    extra = {k: v for k, v in fields.unclaimed().items() if not _is_empty(v)}
    for key, value in other_meta.items():
        if not _is_empty(value):
            extra.setdefault(key, value)
    return extra


def _recognise(sub: Submission, fields: _Fields, found: _Found, lexicon: Lexicon) -> None:
    """Claim unmapped fields by label, then name, then type; surest first."""
    guesses = []
    for order, (path, value) in enumerate(fields.unclaimed().items()):
        if _is_empty(value):
            continue
        label = _label(sub.labels, path)
        ftype = _label(sub.types, path)
        for rank, guess in ((3, lexicon.recognise(label)), (2, lexicon.recognise(path)),
                            (1, (TYPE_TARGETS[ftype], 0) if ftype in TYPE_TARGETS else None)):
            if guess and plausible(guess[0], value):
                guesses.append((-rank, -guess[1], order, path, guess[0]))
                break
    for *_, path, target in sorted(guesses):
        if found.wants(target) and path not in fields.claimed:
            fields.claimed.add(path)
            found.put(target, path, fields.values[path])
            found.guessed.add(target)


def _sniff_values(fields: _Fields, found: _Found) -> None:
    """Values that can only be one thing, in fields nothing else explained."""
    s = found.scalars
    for path, value in fields.unclaimed().items():
        if not isinstance(value, str):
            continue
        text = value.strip()
        if "email" not in s and EMAIL.match(text):
            s["email"] = text
        elif "phone" not in s and looks_like_phone(text) and not text.isdigit():
            s["phone"] = text
        else:
            continue
        fields.claimed.add(path)
    if "message" not in s:
        texts = [(len(v), p) for p, v in fields.unclaimed().items() if looks_like_message(v)]
        if texts:
            path = max(texts)[1]
            fields.claimed.add(path)
            s["message"] = _text(fields.values[path])


def _inline_files(fields: _Fields, found: _Found) -> None:
    # An uploaded-file object is a file whatever its field is called.
    for path, value in fields.unclaimed().items():
        items = value if isinstance(value, list) else [value]
        if items and all(_is_file_object(v) for v in items):
            fields.claimed.add(path)
            found.files.extend(_file_refs(path, value))


def _names(found: _Found) -> tuple[str | None, str | None]:
    s = found.scalars
    first, last = s.get("first_name"), s.get("last_name")
    if found.full_name:
        split_first, split_last = split_full_name(found.full_name)
        if not first and not last:
            return split_first, split_last
        if first and not last and found.full_name.startswith(first):
            return first, found.full_name[len(first):].strip() or None
    if first and not last and "first_name" in found.guessed and " " in first.strip():
        # A lone "Ime" / "Name" field usually holds the whole name.
        return split_full_name(first)
    return first, last


def _tracking(found: dict[str, str], meta: Mapping[str, str]) -> dict[str, str]:
    tracking = {k: found[k] for k in TRACKING_FIELDS if found.get(k)}
    for key, value in meta.items():
        if key in TRACKING_FIELDS and value:
            tracking.setdefault(key, value)
    # Hidden fields are often missing; the landing page's query string still has them.
    for url_key in ("page_url", "referrer"):
        query = urlsplit(tracking.get(url_key, "")).query
        for key, value in parse_qsl(query):
            if key.lower() in _CLICK_IDS and value:
                tracking.setdefault(key.lower(), value)
    return tracking


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


def _file_refs(path: str, value: Any) -> list[FileRef]:
    if isinstance(value, str):
        items: list[Any] = [u for u in _URL_LIST_SPLIT.split(value.strip()) if u]
    else:
        items = value if isinstance(value, list) else [value]
    refs = []
    for item in items:
        if isinstance(item, dict) and "content" in item:
            refs.append(FileRef(field=path, name=item.get("filename"),
                                size=_base64_size(item.get("content", ""))))
        elif isinstance(item, dict) and "file_url" in item:
            size = item.get("size")
            refs.append(FileRef(field=path, name=item.get("name"), url=item.get("file_url"),
                                size=int(size) if str(size).isdigit() else None))
        elif isinstance(item, str) and item:
            name = item.rstrip("/").rsplit("/", 1)[-1] or None
            refs.append(FileRef(field=path, url=item, name=name))
    return refs


def _is_file_object(value: Any) -> bool:
    return isinstance(value, dict) and (
        ("filename" in value and "content" in value) or "file_url" in value)


def _base64_size(content: str) -> int | None:
    try:
        return len(base64.b64decode(content, validate=False))
    except (binascii.Error, ValueError):
        return None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and not _is_file_object(value):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _label(labels: Mapping[str, str], path: str) -> str:
    """A flattened path's label, or its top-level field's."""
    return labels.get(path) or labels.get(path.split(".", 1)[0]) or ""


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
    return [part.strip() for part in re.split(r"\|\||[,;|]", str(value)) if part.strip()]


def _truthy(value: Any) -> bool:
    if isinstance(value, list):
        return any(_truthy(v) for v in value)
    if isinstance(value, bool):
        return value
    return str(value).strip().casefold() not in _FALSE


def column_target(name: str, mapping: FieldMapping, lexicon: Lexicon) -> str | None:
    """The lead field a column or field called `name` would be mapped to, if any."""
    normal = _normal(name)
    for target, names in mapping.candidates.items():
        if any(_normal(n) == normal for n in names):
            return target
    found = lexicon.recognise(name)
    return found[0] if found else None
