"""HTTP: one blueprint per concern."""
from __future__ import annotations

from flask import current_app

from connector.runtime import Runtime


def runtime() -> Runtime:
    return current_app.extensions["connector"]
