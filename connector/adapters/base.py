"""The narrow interface every destination implements."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class DeliveryJob:
    delivery_id: int
    # Stable across retries and re-claims: the destination uses it to refuse
    # a second copy of the same delivery.
    idempotency_key: str
    action: str
    attempt: int
    lead: dict[str, Any]


@dataclass(frozen=True)
class Delivered:
    """Accepted; the ids the destination gave the records it made or updated."""

    external_ids: dict[str, str] = field(default_factory=dict)
    # What the destination told us of the person (Mailchimp: they unsubscribed),
    # kept on the lead so it shows there and is not asked again.
    about_person: dict[str, Any] = field(default_factory=dict)


class Destination(Protocol):
    name: str

    def deliver(self, job: DeliveryJob) -> Delivered:
        """Perform the job or raise RetryableError / PermanentError."""
        ...
