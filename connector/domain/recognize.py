"""Recognising what a field holds from its label, its name, its type or its value.

Used for every field no mapping names. Labels and names are matched against
the multilingual phrases in mappings/labels.yaml; types come from plugins
that send them (Elementor, Forminator, Gravity Forms' sub-inputs).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Mapping

# The plugin's own field type -> the lead field it holds.
TYPE_TARGETS = {
    "email": "email", "tel": "phone", "phone": "phone", "textarea": "message",
    "url": "website", "website": "website", "acceptance": "consent", "consent": "consent",
    "gdprcheckbox": "consent", "upload": "files", "file": "files",
    "checkbox": "product_interests", "multiselect": "product_interests",
    "first_name": "first_name", "last_name": "last_name", "name": "name",
}

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[\d\s()./-]{6,20}$")
_URL = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_DATE_LIKE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case words without accents: 'E-pošta' -> ('e', 'posta')."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return tuple(re.findall(r"[^\W_]+", plain))


@dataclass(frozen=True)
class Lexicon:
    phrases: dict[tuple[str, ...], str]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str,
                  targets: frozenset[str]) -> "Lexicon":
        phrases: dict[tuple[str, ...], str] = {}
        for target, words in data.items():
            if target not in targets:
                raise ValueError(f"{source}: '{target}' is not a lead field")
            if not isinstance(words, list):
                raise ValueError(f"{source}: '{target}' must list phrases")
            for phrase in words:
                key = tokens(str(phrase))
                if key:
                    phrases.setdefault(key, target)
        return cls(phrases)

    def recognise(self, text: str | None) -> tuple[str, int] | None:
        """The lead field a label or name stands for, and how sure we are (higher is surer)."""
        if not text:
            return None
        words = tokens(text)
        if not words:
            return None
        if words in self.phrases:
            return self.phrases[words], 100 + len(words)
        best: tuple[str, int] | None = None
        for phrase, target in self.phrases.items():
            n = len(phrase)
            if n < len(words) and (best is None or n > best[1]) and _contains(words, phrase):
                best = (target, n)
        return best


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return any(words[i:i + n] == phrase for i in range(len(words) - n + 1))


def plausible(target: str, value: Any) -> bool:
    """Whether a value can be what the field is said to hold."""
    if target in ("product_interests", "files", "consent"):
        return True
    if not isinstance(value, (str, int, float)):
        return False
    text = str(value).strip()
    if target == "email":
        return bool(EMAIL.match(text))
    if target == "phone":
        return looks_like_phone(text)
    if target in ("website", "page_url", "referrer"):
        return bool(_URL.match(text)) or ("." in text and " " not in text)
    return bool(text)


def looks_like_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return bool(_PHONE.match(text)) and 6 <= digits <= 15 and not _DATE_LIKE.match(text)


def looks_like_message(value: Any) -> bool:
    """Free text someone typed: several words, not a URL, an address or a user agent."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return (len(text) >= 25 and len(text.split()) >= 4 and not _URL.match(text)
            and not text.startswith("Mozilla/"))
