"""A spreadsheet export read as rows: its encoding found, its header checked.

Every row becomes a generic submission, so it is stored, scored, classified and
routed exactly like one from a form. What cannot be a table of leads (JSON, a
binary file, a file whose first row names no column we know) is refused before
anything is stored.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from typing import Callable

from connector.domain.recognize import EMAIL, tokens
from connector.domain.submission import RawRequest
from connector.imports.encoding import best_reading
from connector.imports.dates import DATE_WORDS, month_first, parse_date

MAX_ROWS = 1_000_000


class NotATable(ValueError):
    """The file is not a CSV of leads; the message says what it is instead."""


@dataclass(frozen=True)
class Table:
    encoding: str
    columns: tuple[str, ...]
    # (row number as a spreadsheet shows it, its non-empty cells by column)
    rows: list[tuple[int, dict[str, str]]]
    recognised: dict[str, str] = field(default_factory=dict)  # column -> lead field
    date_column: str | None = None
    date_month_first: bool = False

    @property
    def unrecognised(self) -> list[str]:
        return [c for c in self.columns if c not in self.recognised and c != self.date_column]

    def received_at(self, row: dict[str, str], tz: tzinfo, default: datetime) -> datetime:
        """When the row's entry was made: its date column, else `default`."""
        if self.date_column and (value := row.get(self.date_column)):
            parsed = parse_date(value, tz, self.date_month_first)
            if parsed is not None:
                return parsed.astimezone(timezone.utc)
        return default


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(text, encoding name). Without an encoding given, UTF-8 (with or without BOM)
    if it decodes, else the most plausible of the code pages spreadsheets use, else
    what charset-normalizer makes of it."""
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError:
            raise NotATable(f"unknown encoding '{encoding}'") from None
        except UnicodeDecodeError as exc:
            raise NotATable(f"the file is not {encoding} text (byte {exc.start})") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise NotATable("this is a binary file, not CSV text (an Excel workbook? save it as "
                        "CSV first)")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    reading = best_reading(data)
    if reading is None:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise NotATable("the file is not text in any encoding spreadsheets save CSV in")
        return str(best), best.encoding
    return reading


def read_table(data: bytes, recognise: Callable[[str], str | None],
               encoding: str | None = None) -> Table:
    """The rows of a CSV export. `recognise` names the lead field a column header stands for.

    The delimiter is sniffed: spreadsheets in most of Europe save with ';'.
    """
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise NotATable("this is an Excel workbook, not CSV: save it as CSV "
                        "(File > Save as > CSV UTF-8) and import that")
    text, used = decode(data, encoding)
    stripped = text.lstrip()
    if stripped[:1] in ("{", "["):
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            raise NotATable("this is JSON, not CSV: post each submission to /hooks/generic "
                            "instead, or export the leads as CSV")
    try:
        dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect=dialect)
    header = next(reader, None)
    if not header or all(not h.strip() for h in header):
        raise NotATable("the first row must name the columns (email, name, phone, …)")
    columns = tuple(h.strip() for h in header)
    recognised = {c: target for c in columns if c and (target := recognise(c))}
    if not recognised:
        shown = ", ".join(repr(c[:30]) for c in columns[:5])
        hint = (" — it holds an email address, so it looks like data: add a header row"
                if any(EMAIL.match(c) for c in columns) else "")
        raise NotATable(f"no column in the first row is one we recognise ({shown}){hint}. "
                        "The first row must name the columns, e.g. email, name, phone, "
                        "company, message; nothing was imported")
    rows = []
    for number, cells in enumerate(reader, start=2):
        if number > MAX_ROWS:
            raise NotATable(f"more than {MAX_ROWS} rows; split the file")
        row = {c: v.strip() for c, v in zip(columns, cells) if c and v.strip()}
        if row:
            rows.append((number, row))
    date_column = next((c for c in columns if c and _is_date_name(c)
                        and _mostly_dates([r[c] for _, r in rows if c in r])), None)
    first = month_first(r[date_column] for _, r in rows if date_column in r) if date_column \
        else False
    return Table(used, columns, rows, recognised, date_column, first)


def _mostly_dates(values: list[str]) -> bool:
    # A column named "Data protection" holds no dates; one named "Datum" does.
    return bool(values) and sum(parse_date(v) is not None for v in values) >= 0.8 * len(values)


def _is_date_name(column: str) -> bool:
    words = tokens(column)
    return bool(words) and (set(words) & DATE_WORDS == set(words)
                            or "".join(words) in DATE_WORDS
                            or (words[0] in DATE_WORDS and len(words) <= 3))


def row_request(row: dict[str, str], file_name: str, received_at: datetime) -> RawRequest:
    return RawRequest("generic", "POST", "application/json",
                      json.dumps(row, ensure_ascii=False).encode(), "",
                      {"X-Connector-Import": file_name}, None, received_at)
