from datetime import datetime, timezone

import pytest

from connector.domain.submission import ParseError, RawRequest
from connector.intake.body import decode_object


def raw(body: bytes, content_type: str, method: str = "POST", query="") -> RawRequest:
    return RawRequest("generic", method, content_type, body, query, {}, None,
                      datetime(2026, 1, 1, tzinfo=timezone.utc))


def test_json_with_and_without_charset():
    assert decode_object(raw(b'{"a": "\\u017d"}', "application/json")) == {"a": "Ž"}
    assert decode_object(raw('{"a": "Ž"}'.encode(), "application/json; charset=UTF-8")) == {"a": "Ž"}


def test_latin2_charset_is_honoured():
    body = '{"ime": "Žiga"}'.encode("iso-8859-2")
    assert decode_object(raw(body, "application/json; charset=ISO-8859-2")) == {"ime": "Žiga"}


def test_text_plain_json_with_raw_newlines_is_read_leniently():
    body = '{"message": "line one\nline two"}'.encode()
    assert decode_object(raw(body, "text/plain; charset=UTF-8")) == {"message": "line one\nline two"}


def test_text_plain_json_broken_by_pasted_answers_is_read_as_its_template_meant():
    body = ('{"name": "Mary Johnson", "message": "Hi,\r\na \"Demo\" of <b>Pro</b>", '
            '"interests": "["Demo","Pricing"]"}').encode()

    assert decode_object(raw(body, "text/plain; charset=UTF-8")) == {
        "name": "Mary Johnson", "message": 'Hi,\r\na "Demo" of <b>Pro</b>',
        "interests": ["Demo", "Pricing"]}


def test_text_plain_name_value_pairs_are_read_as_typed():
    body = "name=John Smith&phone=+44 20 7946 0958&message=Hello,\n20% more\nThanks!".encode()

    assert decode_object(raw(body, "text/plain; charset=UTF-8")) == {
        "name": "John Smith", "phone": "+44 20 7946 0958",
        "message": "Hello,\n20% more\nThanks!"}


def test_get_reads_the_query_string():
    assert decode_object(raw(b"", "", "GET", "email=a@b.si&tags[0]=web&tags[1]=hr")) == {
        "email": "a@b.si", "tags": ["web", "hr"]}


@pytest.mark.parametrize("body, content_type, message", [
    (b'{"a": ', "application/json", "not valid JSON: Expecting value at line 1 column 7"),
    (b"[1, 2]", "application/json", "must be a JSON object, not a list"),
    (b"\xff\xfe", "application/json", "not valid utf-8"),
    (b"x", "application/xml", "unsupported Content-Type 'application/xml'"),
    (b"x", "application/json; charset=klingon", "unknown charset 'klingon'"),
    (b"x", "multipart/form-data; boundary=x", "multipart/form-data bodies are not supported"),
    (b'{"a": "x",}', "text/plain", "not valid JSON: .* nor can it be read as a template"),
    (b"just words", "text/plain", "not valid JSON"),
    (b"[" * 100_000, "application/json", "nested too deeply"),
    (b"[" * 100_000, "text/plain", "nested too deeply"),
])
def test_bad_bodies_say_what_is_wrong(body, content_type, message):
    with pytest.raises(ParseError, match=message):
        decode_object(raw(body, content_type))
