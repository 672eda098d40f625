import pytest

from connector.auth.wpforms import SignatureError, php_json, signed_body, verify
from tests.samples import load

FORM = load("wpforms-webhooks__form")
JSON = load("wpforms-webhooks__json")
CHECK = FORM["signature_check"]
SECRET = CHECK["secret_used_for_this_example"]
HEADER = FORM["headers"]["X-WPForms-Webhook-Signature"]
T = 1781426537


def test_form_bodies_are_signed_over_php_json_rebuilt_exactly():
    body = signed_body(FORM["content_type"], FORM["body"].encode(), "", "POST")
    assert f"{T}.{body}" == CHECK["signed_string"]
    assert body == JSON["raw_body"]


def test_get_requests_are_signed_over_the_query_parameters():
    assert signed_body("", b"", FORM["body"], "GET") == JSON["raw_body"]


@pytest.mark.parametrize("sample", [FORM, JSON])
def test_the_documented_signature_verifies(sample):
    body = signed_body(sample["content_type"], (sample.get("raw_body") or sample["body"]).encode(),
                       "", "POST")
    verify(HEADER, body, ["another-secret", SECRET], now=T + 30, tolerance=3600)


@pytest.mark.parametrize("header, secrets, now, message", [
    (HEADER, ["wrong"], T, "does not match"),
    (HEADER, [SECRET], T + 7200, "older than 3600 seconds"),
    ("v=abc", [SECRET], T, "must be t=<unix time>,v=<hex>"),
    ("t=soon,v=abc", [SECRET], T, "must be t=<unix time>,v=<hex>"),
])
def test_bad_signatures_are_refused(header, secrets, now, message):
    with pytest.raises(SignatureError, match=message):
        verify(header, JSON["raw_body"], secrets, now=now, tolerance=3600)


def test_php_json_escapes_like_php():
    assert php_json({"a": "Ž/ü", "b": ["x"]}) == '{"a":"\\u017d\\/\\u00fc","b":["x"]}'
