"""The "webhook" destination: every routed lead POSTed as JSON to a URL of the operator's.

For systems without an adapter of their own (an HR inbox, Zapier, n8n, a
data warehouse). The body is signed when a secret is set, and carries an
Idempotency-Key so the receiver can drop the copies at-least-once delivery
may send.
"""
from __future__ import annotations

import hashlib
import hmac
import json

import requests

from connector.adapters.base import Delivered, DeliveryJob
from connector.adapters.errors import DeliveryError, PermanentError, RetryableError
from connector.adapters.http import retry_after_seconds

_RETRYABLE_STATUS = {408, 409, 425, 429}
_VENDOR_MESSAGE_LIMIT = 2000


class WebhookDestination:
    name = "webhook"

    def __init__(self, session: requests.Session, url: str, secret: str = "",
                 timeout: float = 10.0) -> None:
        self.session = session
        self.url = url
        self.secret = secret.encode()
        self.timeout = timeout

    def deliver(self, job: DeliveryJob) -> Delivered:
        body = json.dumps({"delivery_id": job.delivery_id, "action": job.action,
                           "attempt": job.attempt, "lead": job.lead},
                          ensure_ascii=False, sort_keys=True, default=str).encode()
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "Idempotency-Key": job.idempotency_key,
                   "User-Agent": "wp-lead-connector"}
        if self.secret:
            digest = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
            headers["X-Connector-Signature"] = f"sha256={digest}"
        try:
            resp = self.session.post(self.url, data=body, headers=headers,
                                     timeout=(3.05, self.timeout), allow_redirects=False)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetryableError(type(exc).__name__) from exc
        if 200 <= resp.status_code < 300:
            return Delivered(_external_id(resp))
        raise _classify(resp)


def _classify(resp: requests.Response) -> DeliveryError:
    retryable = resp.status_code >= 500 or resp.status_code in _RETRYABLE_STATUS
    cls = RetryableError if retryable else PermanentError
    return cls(f"HTTP {resp.status_code}", resp.text[:_VENDOR_MESSAGE_LIMIT],
               retry_after_seconds(resp.headers.get("Retry-After")))


def _external_id(resp: requests.Response) -> dict[str, str]:
    try:
        data = resp.json()
    except ValueError:
        return {}
    if isinstance(data, dict) and isinstance(data.get("id"), (str, int)):
        return {"id": str(data["id"])}
    return {}
