"""WPForms' webhook signature: `X-WPForms-Webhook-Signature: t=<unix time>,v=<hex>`.

v = hex(HMAC-SHA256(secret, "<t>." + body)), where body is the JSON that was
sent, or, for FORM and GET requests, PHP's wp_json_encode() of the parameter
array — not the url-encoded bytes on the wire. Verifying those means
rebuilding PHP's JSON exactly: same key order, \\u escapes, "\\/", no spaces.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any, Iterable

from connector.intake.phpquery import parse_php_query

HEADER = "X-WPForms-Webhook-Signature"


class SignatureError(ValueError):
    """The signature is missing a part, stale, or matches no secret."""


def php_json(value: Any) -> str:
    """json_encode() with PHP's default flags."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).replace("/", "\\/")


def signed_body(content_type: str, body: bytes, query_string: str, method: str) -> str:
    media_type = content_type.split(";", 1)[0].strip().lower()
    if method != "GET" and media_type == "application/json":
        return body.decode("utf-8")
    text = query_string if method == "GET" else body.decode("utf-8")
    return php_json(parse_php_query(text))


def verify(header: str, body: str, secrets: Iterable[str], now: float,
           tolerance: float) -> None:
    parts = dict(p.strip().partition("=")[::2] for p in header.split(",") if "=" in p)
    timestamp, given = parts.get("t", ""), parts.get("v", "")
    if not timestamp.isdigit() or not given:
        raise SignatureError(f"{HEADER} must be t=<unix time>,v=<hex>")
    if abs(now - int(timestamp)) > tolerance:
        raise SignatureError(f"{HEADER} is older than {int(tolerance)} seconds")
    message = f"{timestamp}.{body}".encode()
    for secret in secrets:
        expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, given.lower()):
            return
    raise SignatureError(f"{HEADER} does not match any configured WPForms secret")
