"""Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature),
verified with the reference `standardwebhooks` package. Several secrets may be
configured while one is rotated; the package enforces its five-minute window."""
from __future__ import annotations

import binascii
from typing import Iterable, Mapping

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from connector.auth.wpforms import SignatureError

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def is_signed(headers: Mapping[str, str]) -> bool:
    lower = {k.lower() for k in headers}
    return "webhook-signature" in lower


def verify(body: bytes, headers: Mapping[str, str], secrets: Iterable[str]) -> str:
    """The message id (webhook-id) when a secret verifies the request."""
    lower = {k.lower(): v for k, v in headers.items()}
    if not all(lower.get(h) for h in HEADERS):
        raise SignatureError("signed requests need webhook-id, webhook-timestamp and "
                             "webhook-signature headers")
    last = "no secret configured"
    for secret in secrets:
        try:
            Webhook(secret).verify(body, lower, json_parse=False)
        except WebhookVerificationError as exc:
            last = str(exc)
            continue
        except (ValueError, binascii.Error, UnicodeDecodeError):
            # A malformed signature header or a body that is not UTF-8.
            last = "malformed signature or body"
            continue
        return lower["webhook-id"]
    raise SignatureError(f"webhook signature rejected: {last.lower()}")
