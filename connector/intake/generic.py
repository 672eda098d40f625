"""The generic format: one flat JSON object or form-encoded body of form fields.

For anything that can post a webhook but has no parser of its own. Besides
the fields, it understands `form_id`, `form_name` and `entry_id`.
"""
from __future__ import annotations

from connector.domain.submission import RawRequest, Submission
from connector.intake.body import decode_object
from connector.intake.common import own_keys_submission


def parse(raw: RawRequest) -> Submission:
    return own_keys_submission("generic", raw, decode_object(raw))
