"""Every error a caller can get, as JSON that says what is wrong."""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
bp = Blueprint("errors", __name__)


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    messages = {
        404: "no such endpoint",
        405: "method not allowed here",
        413: "request body too large",
    }
    response = jsonify(error=messages.get(exc.code or 500, exc.description))
    response.status_code = exc.code or 500
    return response


@bp.app_errorhandler(Exception)
def unexpected(exc: Exception):
    # A 5xx means we are broken; the caller sees no detail, the log sees the type.
    log.exception("unhandled %s", type(exc).__name__)
    response = jsonify(error="internal error")
    response.status_code = 500
    return response
