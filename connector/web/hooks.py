"""POST /hooks/<plugin>: where form plugins deliver submissions.

Nothing is acknowledged before it is committed, and the answer never waits
on Salesforce or Mailchimp: the visitor is waiting on the plugin while the
plugin waits on us, and no plugin retries.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import Blueprint, jsonify, request

from connector.domain.submission import RawRequest
from connector.intake import PARSERS
from connector.store.database import StorageUnavailable
from connector.web import runtime
from connector.webhook_token import token_matches

log = logging.getLogger(__name__)
bp = Blueprint("hooks", __name__)

TOKEN_PARAM = "token"
TOKEN_HEADER = "X-Connector-Token"
# Header names holding credentials are never stored.
_SECRET_HEADER_WORDS = ("auth", "token", "secret", "password", "cookie", "api-key", "apikey")


@bp.post("/hooks/<plugin>")
def receive(plugin: str):
    rt = runtime()
    given = request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
    if not token_matches(rt.token, given):
        return _error(401, f"missing or wrong token: pass ?{TOKEN_PARAM}= "
                           f"or the {TOKEN_HEADER} header")
    if plugin not in PARSERS:
        return _error(404, f"unknown plugin '{plugin}'; known: {', '.join(PARSERS)}")
    raw = RawRequest(
        plugin=plugin,
        method=request.method,
        content_type=request.headers.get("Content-Type", ""),
        body=request.get_data(cache=False),  # 413 past MAX_CONTENT_LENGTH, before storing
        query={k: v for k, v in request.args.items() if k != TOKEN_PARAM},
        headers={k: v for k, v in request.headers.items() if not _is_secret(k)},
        remote_addr=request.remote_addr,
        received_at=datetime.now(timezone.utc),
    )
    try:
        result = rt.ingest.accept(raw, raw.received_at)
    except StorageUnavailable as exc:
        log.error("submission not stored: database unavailable (%s)", exc)
        response = _error(503, "storage unavailable, nothing was stored; try again")
        response.headers["Retry-After"] = "5"
        return response
    if result.error:
        log.info("submission %s kept unparsed (%s)", result.submission_id, plugin)
        response = jsonify(error=result.error, submission_id=result.submission_id,
                           status="unparsed")
        response.status_code = 422
        return response
    log.info("submission %s accepted: lead %s, %d deliveries", result.submission_id,
             result.lead_id, result.deliveries)
    # Exactly 200: Elementor shows the visitor an error on anything else, 201 and 202 included.
    return jsonify(ok=True, submission_id=result.submission_id, lead_id=result.lead_id)


def _is_secret(header: str) -> bool:
    name = header.lower()
    return any(word in name for word in _SECRET_HEADER_WORDS)


def _error(status: int, message: str):
    response = jsonify(error=message)
    response.status_code = status
    return response
