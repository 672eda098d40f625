"""Fluent Forms Pro's WebHooks feed: GET + FORM by default, also POST FORM or JSON.

"All Fields" keys values by each input's name (`names[first_name]`, `email`,
`checkbox[0]`, …) and adds `__submission`, the entry row (id, form_id,
serial_number, source_url, ip, created_at, …).
"""
from __future__ import annotations

from connector.domain.submission import ParseError, RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import compact, first_text, pop_all

_NOISE = frozenset({"g-recaptcha-response", "h-captcha-response", "cf-turnstile-response",
                    "_wp_http_referer", "__fluent_form_embded_post_id"})
# Entry-row columns that describe the visitor but have no lead field: kept in
# the lead's extra. The rest of the row is Fluent's record of the entry (serial_number,
# status, is_favourite, payment columns, updated_at) or a copy of the answers
# (user_inputs); it stays in the stored request.
_ENTRY_OTHER_META = ("browser", "device", "city", "country")


def parse(raw: RawRequest) -> Submission:
    data = decode_object(raw)
    if not data:
        raise ParseError("the body holds no form fields")
    entry = data.pop("__submission", None)
    entry = entry if isinstance(entry, dict) else {}
    ids = pop_all(data, frozenset({"entry_id", "form_id", "form_name"}))
    pop_all(data, _NOISE)
    for key in [k for k in data if k.startswith("__")]:
        data.pop(key)  # __order_items, __transactions: payment internals
    return Submission(
        plugin="fluentforms",
        fields=data,
        received_at=raw.received_at,
        form_id=first_text(entry, "form_id") or first_text(ids, "form_id"),
        form_name=first_text(ids, "form_name") or raw.query.get("form"),
        entry_id=first_text(entry, "id") or first_text(ids, "entry_id"),
        meta=compact({"page_url": entry.get("source_url"), "remote_ip": entry.get("ip"),
                      "submitted_at": entry.get("created_at")}),
        other_meta=compact({f"__submission.{k}": entry.get(k) for k in _ENTRY_OTHER_META}),
    )
