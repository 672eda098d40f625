"""POST /hooks/auto: tell the plugin from the body's shape and headers.

For site owners who do not know (or mix) plugins. Each detector looks for
what only one plugin sends; the first that matches parses the request.
"""
from __future__ import annotations

from typing import Any, Callable

from connector.domain.submission import ParseError, RawRequest
from connector.intake import elementor, forminator, gravityforms
from connector.intake.body import decode_json_value, decode_object


def _body(raw: RawRequest) -> Any:
    try:
        value = decode_json_value(raw)
        return value if value is not None else decode_object(raw)
    except ParseError:
        return None


def _ua(raw: RawRequest) -> str:
    return raw.header("User-Agent") or ""


def _keys(body: Any) -> set[str]:
    return set(body) if isinstance(body, dict) else set()


DETECTORS: list[tuple[str, Callable[[RawRequest, Any], bool]]] = [
    ("wpforms", lambda raw, body: bool(raw.header("X-WPForms-Webhook-Signature")
                                       or raw.header("X-WPForms-Webhook-Id")
                                       or _ua(raw).startswith("wpforms"))),
    ("forminator", lambda raw, body: "ForminatorWebhook" in _ua(raw)
     or (isinstance(body, dict) and forminator.is_forminator(body))),
    ("formidable", lambda raw, body: isinstance(body, list) and any(
        isinstance(e, dict) and "item_key" in e for e in body)),
    ("fluentforms", lambda raw, body: "__submission" in _keys(body)),
    ("elementor", lambda raw, body: isinstance(body, dict) and (
        elementor.is_advanced(body)
        or ("form_id" in body and "form_name" in body and "Powered by" in body))),
    ("gravityforms", lambda raw, body: isinstance(body, dict) and gravityforms.is_entry(body)),
    # text/plain is CF7 to Webhook's fallback for a custom body that is not valid JSON.
    ("cf7", lambda raw, body: raw.content_type.lower().startswith("text/plain") or any(str(k).startswith(("your-", "_remote_ip", "_url",
                                                    "_serial_number")) for k in _keys(body))),
]


def detect(raw: RawRequest) -> str:
    """The plugin that sent this; ParseError naming every plugin tried when none fits."""
    body = _body(raw)
    for name, matches in DETECTORS:
        if matches(raw, body):
            return name
    if isinstance(body, dict) and body:
        # The admin's own keys (a CF7 custom body, a "Select Fields" feed), nested
        # or not: the generic reading finds fields by name at any depth.
        return "generic"
    tried = ", ".join([name for name, _ in DETECTORS] + ["generic"])
    raise ParseError(f"could not tell which plugin sent this (tried: {tried}); "
                     "post to /hooks/<plugin> instead")
