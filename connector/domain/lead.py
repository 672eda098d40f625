"""The canonical lead every plugin's fields are mapped onto."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Consent:
    given: bool
    field: str
    text: str | None
    at: str  # ISO 8601, when the visitor submitted


@dataclass(frozen=True)
class FileRef:
    """An uploaded file: where it is and what it is, never its content."""

    field: str
    name: str | None = None
    url: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Lead:
    plugin: str
    form_id: str | None = None
    form_name: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    # E.164 ("+38641123456") once the number is read (domain/enrichment.py), or as
    # written when it cannot be; phone_as_written keeps what the visitor typed.
    phone: str | None = None
    phone_as_written: str | None = None
    company: str | None = None
    job_title: str | None = None
    website: str | None = None
    subject: str | None = None
    message: str | None = None
    product_interests: tuple[str, ...] = ()
    consent: Consent | None = None
    # utm_*, gclid, fbclid, page_url, referrer, user_agent, remote_ip.
    tracking: dict[str, str] = field(default_factory=dict)
    files: tuple[FileRef, ...] = ()
    # Every field no mapping claimed, under the plugin's own name.
    extra: dict[str, Any] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        value = getattr(self, name, None)
        if value is None:
            value = self.tracking.get(name)
        return bool(value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class MappingError(ValueError):
    """The fields cannot make a lead. The message names what is missing, never values."""
