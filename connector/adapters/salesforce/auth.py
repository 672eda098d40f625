"""OAuth 2.0 tokens for server-to-server use: JWT bearer, client credentials,
username-password. No flow issues a refresh token: a new token is asked for when
the API answers INVALID_SESSION_ID."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import jwt
import requests

from connector.adapters.errors import DestinationPaused, RetryableError

TOKEN_PATH = "/services/oauth2/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# A token request that is refused needs someone to fix the configuration; the
# deliveries wait this long before the next try rather than being dead-lettered.
AUTH_FAILURE_PAUSE_SECONDS = 900


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str


@dataclass(frozen=True)
class Credentials:
    login_url: str
    client_id: str
    client_secret: str = ""
    username: str = ""
    password: str = ""
    security_token: str = ""
    private_key: str = ""     # PEM text, for the JWT bearer flow

    @property
    def flow(self) -> str | None:
        if self.client_id and self.private_key and self.username:
            return "jwt"
        if self.client_id and self.username and self.password:
            return "password"
        if self.client_id and self.client_secret:
            return "client_credentials"
        return None


class TokenSource:
    """The current token, fetched on first use and again after invalidate()."""

    def __init__(self, session: requests.Session, creds: Credentials, timeout: float = 15,
                 clock: Callable[[], float] = time.time) -> None:
        self.session, self.creds, self.timeout, self.clock = session, creds, timeout, clock
        self._token: Token | None = None
        self._lock = threading.Lock()
        self.requests = 0   # token calls made, for the benchmark

    def get(self) -> Token:
        with self._lock:
            if self._token is None:
                self._token = self._fetch()
            return self._token

    def invalidate(self, stale: Token) -> None:
        with self._lock:
            if self._token == stale:
                self._token = None

    def _fetch(self) -> Token:
        c = self.creds
        if c.flow == "jwt":
            data = {"grant_type": JWT_GRANT, "assertion": self._assertion()}
        elif c.flow == "password":
            data = {"grant_type": "password", "client_id": c.client_id,
                    "client_secret": c.client_secret, "username": c.username,
                    "password": c.password + c.security_token}
        elif c.flow == "client_credentials":
            data = {"grant_type": "client_credentials", "client_id": c.client_id,
                    "client_secret": c.client_secret}
        else:
            raise DestinationPaused("not configured", "Salesforce credentials are incomplete",
                                    AUTH_FAILURE_PAUSE_SECONDS)
        self.requests += 1
        try:
            resp = self.session.post(c.login_url.rstrip("/") + TOKEN_PATH, data=data,
                                     headers={"Accept": "application/json"},
                                     timeout=(3.05, self.timeout))
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise RetryableError(f"token {type(exc).__name__}") from exc
        if resp.status_code >= 500:
            raise RetryableError(f"token HTTP {resp.status_code}", resp.text[:2000])
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if resp.status_code != 200 or "access_token" not in body:
            error = body.get("error", f"HTTP {resp.status_code}")
            # e.g. invalid_grant / "authentication failure": configuration, never a loop.
            raise DestinationPaused(f"authentication failed: {error}",
                                    str(body.get("error_description", resp.text[:2000])),
                                    AUTH_FAILURE_PAUSE_SECONDS)
        return Token(body["access_token"], body["instance_url"].rstrip("/"))

    def _assertion(self) -> str:
        c = self.creds
        audience = ("https://test.salesforce.com" if "test.salesforce.com" in c.login_url
                    else "https://login.salesforce.com")
        claims = {"iss": c.client_id, "sub": c.username, "aud": audience,
                  "exp": int(self.clock()) + 180}
        return jwt.encode(claims, c.private_key, algorithm="RS256")
