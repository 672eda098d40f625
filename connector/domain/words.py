"""Word lists matched the way people write: any case, with or without accents,
Serbian in either script, Slavic endings through a trailing *."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# Serbian Cyrillic -> Latin (Gaj's alphabet), so one word list serves both scripts.
_CYRILLIC = dict(zip(
    "абвгдђежзијклљмнњопрстћуфхцчџш",
    ["a", "b", "v", "g", "d", "dj", "e", "z", "z", "i", "j", "k", "l", "lj", "m", "n", "nj",
     "o", "p", "r", "s", "t", "c", "u", "f", "h", "c", "c", "dz", "s"]))
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)
_NON_WORD = re.compile(r"[\W_]+")
_CYRILLIC_CHAR = re.compile(r"[\u0400-\u04ff]")
_COMBINING = re.compile(r"[\u0300-\u036f]")
# Letters NFKD leaves whole.
_WHOLE = str.maketrans({"ł": "l", "ß": "ss", "đ": "dj", "ø": "o"})


@lru_cache(maxsize=4096)
def plain(text: str) -> str:
    """'Pošljite PONUDBO, хитно!' -> ' posljite ponudbo hitno ' (padded for whole-word search)."""
    folded = text.casefold()
    if not folded.isascii():
        if _CYRILLIC_CHAR.search(folded):
            folded = folded.translate(_CYRILLIC_TABLE)
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded)).translate(_WHOLE)
    return " " + _NON_WORD.sub(" ", folded).strip() + " "


@dataclass(frozen=True)
class WordList:
    """Phrases compiled into one expression: a text is searched once per list."""

    phrases: tuple[str, ...]
    pattern: re.Pattern | None

    @classmethod
    def of(cls, phrases: list[str] | tuple[str, ...]) -> "WordList":
        parts = []
        for phrase in phrases:
            words = []
            for raw in str(phrase).split():
                prefix = raw.endswith("*")
                words += [re.escape(w) for w in plain(raw.rstrip("*")).split()]
                if prefix and words:
                    words[-1] += r"\w*"
            if words:
                parts.append(r"\s".join(words))
        pattern = re.compile(r"(?<=\s)(?:" + "|".join(sorted(set(parts), key=len, reverse=True))
                             + r")(?=\s)") if parts else None
        return cls(tuple(phrases), pattern)

    def find(self, plain_text: str) -> str | None:
        """The first phrase found in an already plain() text."""
        if self.pattern is None:
            return None
        m = self.pattern.search(plain_text)
        return m.group(0) if m else None

    def find_all(self, plain_text: str) -> list[str]:
        """Every different phrase found, in order."""
        if self.pattern is None:
            return []
        return list(dict.fromkeys(m.strip() for m in self.pattern.findall(plain_text)))
