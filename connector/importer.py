"""Historical leads from a spreadsheet: every CSV row becomes a generic submission,
so it is stored, scored, classified and routed exactly like one from a form."""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from connector.domain.submission import RawRequest

MAX_ROWS = 1_000_000


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, non-empty columns) for every data row.

    The delimiter is sniffed: spreadsheets in most of Europe save with ';'.
    """
    sample = text[:20_000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    if not reader.fieldnames or all(not (f or "").strip() for f in reader.fieldnames):
        raise ValueError("the first row must name the columns")
    rows = []
    for number, row in enumerate(reader, start=2):
        if number > MAX_ROWS:
            raise ValueError(f"more than {MAX_ROWS} rows; split the file")
        fields = {k.strip(): v.strip() for k, v in row.items()
                  if k and isinstance(v, str) and v.strip()}
        if fields:
            rows.append((number, fields))
    return rows


def row_request(row: dict[str, str], file_name: str, now: datetime) -> RawRequest:
    return RawRequest("generic", "POST", "application/json",
                      json.dumps(row, ensure_ascii=False).encode(), "",
                      {"X-Connector-Import": file_name}, None, now)
