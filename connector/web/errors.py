"""Every error a caller can get, as JSON that says what is wrong."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
bp = Blueprint("errors", __name__)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    messages = {
        404: "no such endpoint",
        405: "method not allowed here",
        413: f"request body too large: the limit is {limit} bytes "
             "(CONNECTOR_MAX_BODY_BYTES); nothing was stored",
        415: "unsupported Content-Type; send JSON or application/x-www-form-urlencoded",
    }
    status = exc.code or 500
    message = messages.get(status, exc.description)
    if 400 <= status < 500:
        # The path names the hook (the plugin); the query string, with its token, is left out.
        path = "".join(ch if ch.isprintable() else "?" for ch in request.path[:100])
        log.warning("refused %s %s: %d %s (from %s)", request.method, path,
                    status, message, request.remote_addr)
    response = jsonify(error=message)
    response.status_code = status
    return response


@bp.app_errorhandler(Exception)
def unexpected(exc: Exception):
    # A 5xx means we are broken; the caller sees no detail, the log sees the type.
    log.exception("unhandled %s", type(exc).__name__)
    response = jsonify(error="internal error")
    response.status_code = 500
    return response
