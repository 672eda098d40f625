"""When a submission is one we already have.

Plugins re-send: an admin presses "retry" in Fluent Forms' log, a feed is
re-run in Gravity Forms, a signed sender retries a message. With an entry id
(or a signed message id) that identity decides, however late; without one,
the same fields from the same form count as the same entry only within a
window, since a person may honestly send the same words again next month.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from connector.domain.submission import Submission


@dataclass(frozen=True)
class DedupeKey:
    key: str
    windowed: bool   # False: an identity; True: content, compared within the window


def dedupe_key(sub: Submission, message_id: str | None = None) -> DedupeKey:
    if message_id:
        return DedupeKey(_digest("message", message_id), windowed=False)
    form = sub.form_id or sub.form_name or ""
    if sub.entry_id:
        return DedupeKey(_digest("entry", sub.plugin, form, sub.entry_id), windowed=False)
    content = json.dumps(sub.fields, sort_keys=True, ensure_ascii=False, default=str)
    return DedupeKey(_digest("content", sub.plugin, form, content), windowed=True)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
