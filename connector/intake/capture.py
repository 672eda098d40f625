"""Requests from files: a body as a plugin sends it, or a captured request."""
from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode, urlsplit

from connector.domain.submission import RawRequest
from connector.intake import AUTO, route_name


def raw_request_from_file(data: bytes, plugin: str | None, now: datetime) -> RawRequest:
    """A captured request ({method, url, headers, body}) is replayed as captured;
    anything else is a POST body, JSON if it parses as JSON, else form-encoded."""
    captured = _captured(data)
    if captured is None:
        content_type = ("application/json" if _is_json(data)
                        else "application/x-www-form-urlencoded")
        return RawRequest(plugin or AUTO, "POST", content_type, data, "", {}, None, now)
    url = urlsplit(str(captured.get("url", "")))
    plugin = plugin or route_name(url.path.rstrip("/").rsplit("/", 1)[-1]) or AUTO
    body = captured.get("raw_body")
    if body is None:
        body = captured.get("body")
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    headers = {str(k): str(v) for k, v in (captured.get("headers") or {}).items()}
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    query = url.query or (urlencode(captured["query"]) if isinstance(captured.get("query"), dict)
                          else "")
    return RawRequest(plugin, str(captured.get("method") or "POST").upper(), content_type,
                      (body or "").encode(), query, headers, None, now)


def _captured(data: bytes) -> dict | None:
    try:
        value = json.loads(data)
    except ValueError:
        return None
    if isinstance(value, dict) and "headers" in value and ("body" in value or "raw_body" in value):
        return value
    return None


def _is_json(data: bytes) -> bool:
    try:
        json.loads(data)
    except ValueError:
        return False
    return True
