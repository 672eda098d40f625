"""/hooks/auto: which plugin sent a request, and what happens when none can be told."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from connector.domain.submission import ParseError, RawRequest
from connector.intake.auto import detect


def raw(body, content_type="application/json; charset=UTF-8") -> RawRequest:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawRequest("auto", "POST", content_type, data, "",
                      {"User-Agent": "WordPress/6.9.7; https://example.com"}, None,
                      datetime(2026, 6, 14, tzinfo=timezone.utc))


@pytest.mark.parametrize("body", [
    {"name": "John Smith", "email": "john@example.com"},
    {"contact": {"name": "John Smith", "email": "john@example.com"}, "source": "web"},
    {"email": "john@example.com", "brief": {"filename": "brief.pdf", "content": "JVBERg=="}},
])
def test_an_object_of_fields_no_plugin_claims_is_read_the_generic_way(body):
    assert detect(raw(body)) == "generic"


def test_text_plain_is_cf7_to_webhooks_custom_body():
    body = b"name=John Smith&email=john@example.com"
    assert detect(raw(body, "text/plain; charset=UTF-8")) == "cf7"


@pytest.mark.parametrize("body", [["a", "b"], "just a string", b"{broken", {}])
def test_a_body_that_is_no_object_of_fields_names_every_plugin_tried(body):
    with pytest.raises(ParseError, match="tried: wpforms, .*, cf7, generic"):
        detect(raw(body))
