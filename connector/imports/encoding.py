"""Which 8-bit encoding a spreadsheet export was saved in.

Excel saves CSV in the Windows code page of the machine (1250 in Slovenia,
Croatia, Poland, Czechia and Slovakia; 1251 for Serbian Cyrillic; 1252 in
Germany), older tools in ISO-8859-2. They disagree exactly on the letters that
matter (Š, Ž, ś, ą, …), and a general detector guesses wrong on short files.
The right reading is the one that makes words of letters of one script: a
wrong one leaves control characters, symbols inside words (©pela, ®iga) or
Latin and Cyrillic mixed in one word.
"""
from __future__ import annotations

import re
import unicodedata

CANDIDATES = ("cp1250", "iso8859_2", "cp1251", "cp1252")
_WORD = re.compile(r"\S+")


def implausibility(text: str) -> int:
    """How much of the text a wrong encoding would explain: 0 reads as clean words."""
    penalty = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        scripts = set()
        for i, ch in enumerate(word):
            if ch.isascii():
                if ch.isalpha():
                    scripts.add("LATIN")
                continue
            if unicodedata.category(ch) == "Cc":
                penalty += 10
            elif ch.isalpha():
                scripts.add(unicodedata.name(ch, "?").split(" ", 1)[0])
            elif 0 < i < len(word) - 1 and word[i - 1].isalpha() and word[i + 1].isalpha():
                penalty += 3  # a symbol between letters: ©pela read from Špela
            elif (i == 0 and len(word) > 1 and word[1].isalpha()) or \
                    (i == len(word) - 1 and i and word[i - 1].isalpha()):
                penalty += 1
        if len(scripts) > 1:
            penalty += 5
    return penalty


def best_reading(data: bytes) -> tuple[str, str] | None:
    """(text, encoding) of the most plausible candidate, ties going to the earlier one."""
    readings = []
    for encoding in CANDIDATES:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        readings.append((implausibility(text), CANDIDATES.index(encoding), text, encoding))
    if not readings:
        return None
    _, _, text, encoding = min(readings)
    return text, encoding
