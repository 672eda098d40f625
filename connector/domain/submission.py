"""What a form plugin told us, before we decide who it was."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RawRequest:
    """An incoming webhook request, as stored. Parsers see only this."""

    plugin: str
    method: str
    content_type: str
    body: bytes
    query: dict[str, str]
    headers: dict[str, str]
    remote_addr: str | None
    received_at: datetime

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
    # page_url, referrer, user_agent, remote_ip, submitted_at when known.
    meta: dict[str, str] = field(default_factory=dict)


class ParseError(ValueError):
    """The body is not what this plugin sends. The message says what is wrong."""
