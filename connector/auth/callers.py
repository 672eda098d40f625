"""Deciding who is calling a hook, before anything is stored.

A sender that signs is held to its signature: a signed request that does not
verify is refused even if it also carries a token. Everyone else presents a
token: the global one, or a source's own (a token named after a plugin is
good only on that plugin's hook).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from connector.auth import standard_webhooks, wpforms
from connector.auth.wpforms import SignatureError
from connector.intake import PARSERS
from connector.webhook_token import token_matches

DEFAULT_SOURCE = "default"


class Unauthorized(Exception):
    """Refused; the message says why, without echoing any secret."""


@dataclass(frozen=True)
class Credentials:
    token: str = field(repr=False)
    source_tokens: Mapping[str, str] = field(default_factory=dict, repr=False)
    wpforms_secrets: tuple[str, ...] = field(default=(), repr=False)
    standard_webhook_secrets: tuple[str, ...] = field(default=(), repr=False)
    signature_tolerance: float = 3600


@dataclass(frozen=True)
class Caller:
    source: str
    message_id: str | None = None  # the signed message's id: duplicates are decided on it


@dataclass(frozen=True)
class Call:
    route: str
    method: str
    content_type: str
    headers: Mapping[str, str]
    query_string: str
    token: str | None
    body: Callable[[], bytes]  # read only when a signature needs it


def authenticate(call: Call, creds: Credentials, now: float) -> Caller:
    headers = {k.lower(): v for k, v in call.headers.items()}
    if creds.standard_webhook_secrets and standard_webhooks.is_signed(headers):
        try:
            return Caller("signed", standard_webhooks.verify(
                call.body(), headers, creds.standard_webhook_secrets))
        except SignatureError as exc:
            raise Unauthorized(str(exc)) from None
    signature = headers.get(wpforms.HEADER.lower())
    if creds.wpforms_secrets and signature and call.route in ("wpforms", "auto"):
        try:
            signed = wpforms.signed_body(call.content_type, call.body(), call.query_string,
                                         call.method)
            wpforms.verify(signature, signed, creds.wpforms_secrets, now,
                           creds.signature_tolerance)
        except (SignatureError, UnicodeDecodeError) as exc:
            raise Unauthorized(str(exc) if isinstance(exc, SignatureError)
                               else "signed body is not UTF-8") from None
        return Caller("wpforms")
    if token_matches(creds.token, call.token):
        return Caller(DEFAULT_SOURCE)
    for name, token in creds.source_tokens.items():
        if token_matches(token, call.token):
            if name in PARSERS and call.route not in (name, "auto"):
                raise Unauthorized(f"this token is for the {name} hook")
            return Caller(name)
    raise Unauthorized("missing or wrong token: pass ?token=, the X-Connector-Token header "
                       "or Authorization: Bearer <token>")


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (the scheme in any case,
    RFC 6750); None for any other scheme.

    Not Werkzeug's parser: it reads a token with an "=" inside as auth
    parameters, and our tokens are whatever the operator chose."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


