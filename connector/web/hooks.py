"""POST /hooks/<plugin>: where form plugins deliver submissions.

Nothing is acknowledged before it is committed, and the answer never waits
on Salesforce or Mailchimp: the visitor is waiting on the plugin while the
plugin waits on us, and no plugin retries.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from urllib.parse import unquote_plus

from flask import Blueprint, jsonify, request

from connector.domain.submission import RawRequest
from connector.intake import ROUTES, route_name
from connector.web import runtime
from connector.auth.callers import Call, Unauthorized, authenticate, bearer_token

log = logging.getLogger(__name__)
bp = Blueprint("hooks", __name__)

TOKEN_PARAM = "token"
TOKEN_HEADER = "X-Connector-Token"
# Header names holding credentials are never stored.
_SECRET_HEADER_WORDS = ("auth", "token", "secret", "password", "cookie", "api-key", "apikey")


# strict_slashes=False: /hooks/cf7/ is the same hook, answered, not redirected:
# WPForms follows no redirect, so a 308 would be its final answer, nothing stored.
@bp.route("/hooks/<plugin>", methods=["POST", "GET", "PUT", "PATCH"], strict_slashes=False)
def receive(plugin: str):
    rt = runtime()
    route = route_name(plugin)
    query_string = without_param(_raw_query(), TOKEN_PARAM)
    call = Call(route=route or plugin, method=request.method,
                content_type=request.headers.get("Content-Type", ""),
                headers=dict(request.headers), query_string=query_string,
                token=(request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
                       or bearer_token(request.headers.get("Authorization"))),
                # 413 past MAX_CONTENT_LENGTH, before anything is stored
                body=lambda: request.get_data(cache=True))
    try:
        caller = authenticate(call, rt.credentials, time.time())
    except Unauthorized as exc:
        return _refused(plugin, 401, str(exc))
    if route is None:
        return _refused(plugin, 404, f"unknown plugin '{plugin}'; known: {', '.join(ROUTES)}")
    raw = RawRequest(
        plugin=route,
        method=request.method,
        content_type=call.content_type,
        body=call.body(),
        query_string=query_string,
        headers={k: v for k, v in request.headers.items() if not _is_secret(k)},
        remote_addr=request.remote_addr,
        received_at=datetime.now(timezone.utc),
    )
    try:
        result = rt.accept_or_spool(raw, caller.source, caller.message_id)
    except OSError as exc:
        log.error("%s submission not stored: database unavailable and the spool refused "
                  "it (%s)", route, type(exc).__name__)
        response = _error(503, "storage unavailable, nothing was stored; try again")
        response.headers["Retry-After"] = "5"
        return response
    if isinstance(result, str):
        # Kept on disk, as durable as a commit; stored as soon as the database frees.
        return jsonify(ok=True, queued=True, spool_id=result)
    if result.test:
        log.info("%s connection test stored as submission %s", route, result.submission_id)
        # Forminator and Formidable refuse to save a connection that fails its test.
        return jsonify(ok=True, test=True, submission_id=result.submission_id)
    if result.duplicate:
        log.info("%s submission re-sent; answered with submission %s", route,
                 result.submission_id)
        return jsonify(ok=True, duplicate=True, submission_id=result.submission_id,
                       lead_id=result.lead_id)
    if result.error:
        # The reason names what is wrong, never a submitted value.
        log.warning("%s submission %s kept unparsed: %s (from %s)", route,
                    result.submission_id, result.error, request.remote_addr)
        response = jsonify(error=result.error, submission_id=result.submission_id,
                           status="unparsed")
        response.status_code = 422
        return response
    log.info("%s submission %s accepted: lead %s, %d deliveries", route, result.submission_id,
             result.lead_id, result.deliveries)
    # Exactly 200: Elementor shows the visitor an error on anything else, 201 and 202 included.
    return jsonify(ok=True, submission_id=result.submission_id, lead_id=result.lead_id)


def _refused(plugin: str, status: int, reason: str):
    # The reason never holds a token or a submitted value (see auth/callers.py).
    log.warning("refused %s request: %d %s (from %s)", _printable(plugin[:40]), status,
                _printable(reason), request.remote_addr)
    return _error(status, reason)


def _printable(text: str) -> str:
    # A name from the URL could carry a newline and forge a log line.
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _raw_query() -> str:
    raw = request.query_string
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        # Fluent Forms appends values without url-encoding them; keep every byte.
        return raw.decode("latin-1")


def without_param(query: str, name: str) -> str:
    """The query string as sent, less one parameter (our token must not be stored)."""
    return "&".join(p for p in query.split("&")
                    if p and unquote_plus(p.partition("=")[0]) != name)


def _is_secret(header: str) -> bool:
    name = header.lower()
    return any(word in name for word in _SECRET_HEADER_WORDS)


def _error(status: int, message: str):
    response = jsonify(error=message)
    response.status_code = status
    return response
