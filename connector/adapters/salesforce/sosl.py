"""SOSL search terms, escaped as the SOSL reference requires (FIND {SearchQuery}:
"Reserved characters, if specified in a text search, must be escaped (preceded by the
backslash \\ character)"): a value must never become part of the search's syntax."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote as url_quote

# https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_sosl_find.htm
RESERVED = frozenset('?&|!{}[]()^~*:\\"\'+-')


def phrase(text: str) -> str:
    """A term matched as written: quoted, every reserved character escaped."""
    return '"' + "".join("\\" + ch if ch in RESERVED else ch for ch in text) + '"'


def any_of(terms: list[str]) -> str:
    """The FIND clause's search query: any of the terms, each as a phrase."""
    return "{" + " OR ".join(phrase(t) for t in terms) + "}"


def search_path(sosl: str) -> str:
    return "search?q=" + url_quote(sosl, safe="")


def search_records(answer: Any) -> list[dict]:
    """A search's records: {"searchRecords": [...]} (a bare list before API 36.0)."""
    if isinstance(answer, list):
        return answer
    return list((answer or {}).get("searchRecords") or [])
