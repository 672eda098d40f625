"""What a form plugin told us, before we decide who it was."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class RawRequest:
    """An incoming webhook request, as stored. Parsers see only this."""

    plugin: str
    method: str
    content_type: str
    body: bytes
    # As received, less our token: GET bodies keep their PHP bracket keys.
    query_string: str
    headers: dict[str, str]
    remote_addr: str | None
    received_at: datetime

    @cached_property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(self.query_string, keep_blank_values=True))

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == wanted), None)


@dataclass(frozen=True)
class Submission:
    """One form entry in the plugin's own terms: its field names, its values."""

    plugin: str
    # Field name -> value (str, list or dict), nested as the plugin sent it.
    fields: dict[str, Any]
    received_at: datetime
    form_id: str | None = None
    form_name: str | None = None
    entry_id: str | None = None
    # Field name -> the label the visitor saw, where the plugin sends labels.
    labels: dict[str, str] = field(default_factory=dict)
    # Field name -> the plugin's field type (email, tel, textarea, checkbox, ...), where known.
    types: dict[str, str] = field(default_factory=dict)
    # page_url, referrer, user_agent, remote_ip, submitted_at when known.
    meta: dict[str, str] = field(default_factory=dict)
    # What else the plugin said about the submission (CF7's `_date`, Elementor's
    # "Powered by", Fluent Forms' browser), under the plugin's own name. No lead
    # field holds it and nothing is guessed from it; it is kept in the lead's extra.
    other_meta: dict[str, Any] = field(default_factory=dict)


class ParseError(ValueError):
    """The body is not what this plugin sends. The message says what is wrong."""
