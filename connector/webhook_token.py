"""The shared secret form plugins present: configured, or generated once and kept."""
from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

TOKEN_FILE = "webhook-token"


def resolve_token(configured: str, data_dir: Path) -> str:
    """The configured token, else the one in data_dir, else a new one written there."""
    if configured:
        return configured
    path = data_dir / TOKEN_FILE
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    # O_EXCL: two processes starting together must not write two tokens.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return token


def read_token(configured: str, data_dir: Path) -> str:
    """The token in force, without creating one: for commands that only read."""
    if configured:
        return configured
    path = data_dir / TOKEN_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise LookupError(f"no webhook token at {path.absolute()} (start the service once "
                          "to generate it, set CONNECTOR_WEBHOOK_TOKEN, or point "
                          "CONNECTOR_DATA_DIR at the folder that holds it)") from None


def token_matches(expected: str, given: str | None) -> bool:
    """Constant-time, so the time taken tells an attacker nothing about the token."""
    if not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
