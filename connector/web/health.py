"""Liveness and readiness for load balancers and orchestrators."""
from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from connector.web import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    rt = runtime()
    db = rt.db
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current = db.is_current()
    except SQLAlchemyError as exc:
        return jsonify(status="unavailable", database=type(exc).__name__), 503
    if not current:
        return jsonify(status="unavailable", database="migrations pending",
                       revision=db.current_revision(), head=db.head_revision()), 503
    state = {"database": "ok", "revision": db.head_revision()}
    if rt.worker_state is not None:
        state["worker"] = rt.worker_state
    if spooled := rt.spool.held():
        state["spooled"] = spooled  # waiting on disk for the database
    if rt.worker_state == "not running":
        return jsonify(status="unavailable", **state), 503
    return jsonify(status="ok", **state)
