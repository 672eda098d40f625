"""Request bodies to Python data, by content type, the way WordPress sends them."""
from __future__ import annotations

import json
from typing import Any

from connector.domain.submission import ParseError, RawRequest
from connector.intake.pasted_templates import (TemplateError, looks_like_pairs,
                                               read_json_template, read_pairs_template)
from connector.intake.phpquery import parse_php_query


def decode_object(raw: RawRequest) -> dict[str, Any]:
    """The body (or, for a GET, the query string) as one JSON-like object."""
    media_type = raw.content_type.split(";", 1)[0].strip().lower()
    if raw.method == "GET" or (not raw.body and media_type != "application/json"):
        return parse_php_query(raw.query_string)
    text = _text(raw.body, raw.content_type)
    if media_type in ("application/json", "text/json") or media_type.endswith("+json"):
        return _json_object(text)
    if media_type in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        if media_type == "multipart/form-data":
            raise ParseError("multipart/form-data bodies are not supported; "
                             "send JSON or application/x-www-form-urlencoded")
        return parse_php_query(text)
    if media_type == "text/plain":
        return _plain_text_object(text)
    raise ParseError(f"unsupported Content-Type '{media_type}'; "
                     "send JSON or application/x-www-form-urlencoded")


def decode_json_value(raw: RawRequest) -> Any:
    """The body as any JSON value when it is sent as JSON; None when it is not JSON-typed."""
    media_type = raw.content_type.split(";", 1)[0].strip().lower()
    if raw.method == "GET" or not (media_type in ("application/json", "text/json")
                                   or media_type.endswith("+json")):
        return None
    return _json_value(_text(raw.body, raw.content_type))


def _text(body: bytes, content_type: str) -> str:
    charset = "utf-8"
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"')
    try:
        return body.decode(charset)
    except LookupError:
        raise ParseError(f"unknown charset '{charset}'") from None
    except UnicodeDecodeError as exc:
        raise ParseError(f"body is not valid {charset} (byte {exc.start})") from None


def _plain_text_object(text: str) -> dict[str, Any]:
    """CF7 to Webhook sends its custom body as text/plain when it is not valid
    JSON: the visitor's answers were pasted into the admin's template unescaped,
    whether the template is JSON or `name=[tag]&…` pairs."""
    if looks_like_pairs(text):
        return read_pairs_template(text)
    try:
        data = _json_value(text)
    except ParseError as exc:
        try:
            data = read_json_template(text)
        except TemplateError:
            raise ParseError(f"{exc}; nor can it be read as a template with the answers "
                             "pasted in raw") from None
    return _must_be_object(data)


def _json_object(text: str) -> dict[str, Any]:
    return _must_be_object(_json_value(text))


def _must_be_object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ParseError(f"body must be a JSON object, not {_json_type(data)}")
    return data


def _json_type(value: Any) -> str:
    return {list: "a list", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def _json_value(text: str) -> Any:
    try:
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            # strict=False admits raw control characters inside strings: the
            # one way WordPress plugins commonly break JSON.
            return json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise ParseError(f"body is not valid JSON: {exc.msg} at line {exc.lineno} "
                         f"column {exc.colno}") from None
    except RecursionError:
        # json's C scanner recurses once per level: "[[[[…" must be a 422, not a 500.
        raise ParseError("body is nested too deeply to read") from None
