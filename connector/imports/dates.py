"""Reading the submission dates spreadsheets hold, in the ways Europe writes them.

ISO (2024-05-01, 2024-05-01 14:30, 2024-05-01T14:30:00Z), dotted (1.5.2024,
01. 05. 2024 14:30) and slashed (01/05/2024). A slashed date is read day first
unless the column's own values show month first (a second part above 12).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from typing import Iterable

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DMY = re.compile(r"^(\d{1,2})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{4})\.?"
                  r"(?:[ ,T]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?$")

# Column names (as tokens) that hold when the entry was made, in the nine languages.
DATE_WORDS = frozenset({
    "date", "datum", "data", "datetime", "timestamp", "time", "created", "createdat",
    "submitted", "submittedat", "submission", "received", "entry", "cas", "vrijeme", "vreme",
    "zeit", "erstellt", "eingang", "utworzono", "wyslano", "vytvoreno", "odeslano",
    "prejeto", "poslano", "datumoddaje", "dodano", "added",
})


def parse_date(text: str, tz: tzinfo = timezone.utc, month_first: bool = False) -> datetime | None:
    """An aware datetime, or None when the text is not a date this reads."""
    value = text.strip()
    if not value:
        return None
    if _ISO.match(value):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    m = _DMY.match(value)
    if not m:
        return None
    first, _, second, year, hour, minute, second_s = m.groups()
    day, month = (int(second), int(first)) if month_first else (int(first), int(second))
    try:
        return datetime(int(year), month, day, int(hour or 0), int(minute or 0),
                        int(second_s or 0), tzinfo=tz)
    except ValueError:
        return None


def month_first(values: Iterable[str]) -> bool:
    """Whether a column of slashed dates is written month first (US style)."""
    for value in values:
        m = _DMY.match(value.strip())
        if m and m.group(2) == "/" and int(m.group(3)) > 12:
            return True
    return False
