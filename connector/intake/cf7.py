"""Contact Form 7 through the "CF7 to Webhook" add-on (wordpress.org slug cf7-to-zapier).

The default body is a JSON object of CF7 form-tag names, preceded by whatever
special mail tags the admin configured (`[_url page_url] [_remote_ip] …`). A
custom body is the admin's template with the answers pasted in raw, sent as
text/plain when that breaks it (see pasted_templates.py). No form id or meta is
sent unless configured; the setup guide suggests special mail tags and
`?form=[_post_title]` in the webhook URL.
"""
from __future__ import annotations

from typing import Any

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import compact, pop_all, text_of

# Special mail tags that describe the submission rather than the visitor's answers.
_META_TAGS = frozenset({"_form_id", "_form_title", "_serial_number", "_date", "_time",
                        "_post_id", "_post_name", "_post_title", "_post_url", "_site_title",
                        "_site_url", "_remote_ip", "_user_agent", "_url"})


def parse(raw: RawRequest) -> Submission:
    fields = decode_object(raw)
    if not fields:
        raise ParseError("the body holds no form fields")
    tags = pop_all(fields, _META_TAGS)
    form_id = raw.query.get("form_id") or _take(tags, "_form_id")
    form_name = raw.query.get("form") or _take(tags, "_form_title", "_post_title")
    meta = compact({"page_url": _take(tags, "_url", "_post_url"),
                    "remote_ip": _take(tags, "_remote_ip") or raw.header("X-Client-IP"),
                    "user_agent": _take(tags, "_user_agent")})
    return Submission(
        plugin="cf7",
        fields=fields,
        received_at=raw.received_at,
        form_id=form_id,
        form_name=form_name,
        entry_id=_take(tags, "_serial_number"),
        meta=meta,
        # _date, _time, _post_id, _site_url, …, and a tag the URL's ?form= made redundant.
        other_meta=tags,
    )


def _take(tags: dict[str, Any], *keys: str) -> str | None:
    """The first of these tags that holds text, taken out of tags."""
    for key in keys:
        if (value := text_of(tags.get(key))) is not None:
            del tags[key]
            return value
    return None
