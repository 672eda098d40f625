"""The REST API with a bearer token: one request, the token renewed once on
INVALID_SESSION_ID, the daily allowance read from Sforce-Limit-Info."""
from __future__ import annotations

import re
from typing import Any

import requests

from connector.adapters.errors import DestinationPaused, RetryableError
from connector.adapters.salesforce.auth import AUTH_FAILURE_PAUSE_SECONDS, TokenSource
from connector.adapters.salesforce.errors import classify, classify_response, first_error

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


class SalesforceClient:
    def __init__(self, session: requests.Session, tokens: TokenSource, api_version: str,
                 timeout: float = 15) -> None:
        self.session, self.tokens, self.timeout = session, tokens, timeout
        self.version = f"v{api_version}"
        self.api = f"/services/data/{self.version}"
        self.calls = 0                      # REST calls made, for the benchmark
        self.usage: tuple[int, int] | None = None

    def path(self, path: str) -> str:
        """A path under /services/data/vXX.X, as composite subrequests want it."""
        return self.api + "/" + path.lstrip("/")

    def request(self, method: str, path: str, json: Any = None,
                headers: dict[str, str] | None = None) -> requests.Response:
        for attempt in (1, 2):
            token = self.tokens.get()
            self.calls += 1
            try:
                resp = self.session.request(
                    method, token.instance_url + self.path(path), json=json,
                    headers={"Authorization": f"Bearer {token.access_token}",
                             "Accept": "application/json", **(headers or {})},
                    timeout=(3.05, self.timeout))
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise RetryableError(type(exc).__name__) from exc
            self._read_usage(resp)
            if resp.status_code == 401 and _code(resp) == "INVALID_SESSION_ID":
                self.tokens.invalidate(token)
                if attempt == 1:
                    continue  # a new token, and the same request once more
                raise DestinationPaused("401 INVALID_SESSION_ID", "a new token was refused too",
                                        AUTH_FAILURE_PAUSE_SECONDS)
            if resp.status_code >= 400:
                raise classify_response(resp)
            return resp
        raise AssertionError("unreachable")

    def composite(self, subrequests: list[dict], all_or_none: bool = True) -> list[dict]:
        resp = self.request("POST", "composite",
                            json={"allOrNone": all_or_none, "collateSubrequests": False,
                                  "compositeRequest": subrequests})
        return resp.json()["compositeResponse"]

    def batch(self, paths: list[str]) -> list[Any]:
        """GET requests in one Composite Batch round trip, their answers in order; the
        first failure is raised. For searches, which Composite cannot carry; Salesforce
        counts each subrequest against the daily allowance."""
        resp = self.request("POST", "composite/batch", json={
            "haltOnError": False,
            "batchRequests": [{"method": "GET", "url": f"{self.version}/{p}"} for p in paths]})
        results = resp.json()["results"]
        for result in results:
            if result.get("statusCode", 200) >= 400:
                raise classify(result["statusCode"], result.get("result"))
        return [result.get("result") for result in results]

    def near_limit(self, share: float) -> bool:
        return bool(self.usage) and self.usage[0] >= share * self.usage[1]

    def _read_usage(self, resp: requests.Response) -> None:
        if m := _USAGE.search(resp.headers.get("Sforce-Limit-Info", "")):
            self.usage = (int(m.group(1)), int(m.group(2)))


def _code(resp: requests.Response) -> str:
    try:
        return first_error(resp.json())[0]
    except ValueError:
        return ""
