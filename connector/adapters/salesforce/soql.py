"""SOQL string literals, escaped as the SOQL reference requires: a value taken from a
form must never become part of the query's syntax."""
from __future__ import annotations

from urllib.parse import quote as url_quote

_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
            "\b": "\\b", "\f": "\\f"}


def literal(value: str) -> str:
    return "'" + "".join(_ESCAPES.get(ch, ch) for ch in value) + "'"


def like_literal(fragment: str) -> str:
    """A LIKE pattern matching `fragment` anywhere; its own % and _ match themselves."""
    escaped = "".join(_ESCAPES.get(ch, ch) for ch in fragment)
    escaped = escaped.replace("%", "\\%").replace("_", "\\_")
    return "'%" + escaped + "%'"


def query_path(soql: str) -> str:
    return "query?q=" + url_quote(soql, safe="")
