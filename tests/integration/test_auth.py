"""Every sender authenticated: source tokens, WPForms signatures, Standard Webhooks."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from connector.app import create_app
from connector.runtime import Runtime
from connector.store.models import LeadRow, SubmissionRow
from tests.conftest import TOKEN
from tests.samples import load

WPFORMS_SECRET = "example-secret-only-for-docs-Ab3$dE,with;punct"
WHSEC_OLD = "whsec_" + "b2xkLXNlY3JldC1vbGQtc2VjcmV0LTEyMzQ1Ng=="
WHSEC_NEW = "whsec_" + "bmV3LXNlY3JldC1uZXctc2VjcmV0LTk4NzY1NA=="
SITE_TOKEN = "shop-site-token-0123456789"
GF_TOKEN = "gravity-only-token-0123456789"


@pytest.fixture
def rt(settings):
    runtime = Runtime.start(settings.replace(
        source_tokens={"shop-site": SITE_TOKEN, "gravityforms": GF_TOKEN},
        wpforms_secrets=(WPFORMS_SECRET,),
        standard_webhook_secrets=(WHSEC_OLD, WHSEC_NEW)))
    yield runtime
    runtime.close()


@pytest.fixture
def http(settings, rt):
    return create_app(settings, runtime=rt).test_client()


def stored(rt) -> list[SubmissionRow]:
    with rt.db.transaction() as s:
        return list(s.scalars(select(SubmissionRow).order_by(SubmissionRow.id)))


def leads(rt) -> int:
    with rt.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(LeadRow))


def test_a_sources_own_token_is_accepted_and_recorded(http, rt):
    resp = http.post(f"/hooks/generic?token={SITE_TOKEN}", json={"email": "a@b.si"})
    assert resp.status_code == 200
    assert stored(rt)[0].source == "shop-site"


def test_a_plugin_token_is_good_only_on_that_plugins_hook(http, rt):
    sample = load("gravityforms-webhooks__all-fields-json")
    ok = http.post("/hooks/gravityforms", data=sample["raw_body"],
                   headers={"Content-Type": "application/json", "X-Connector-Token": GF_TOKEN})
    refused = http.post("/hooks/cf7", json={"email": "a@b.si"},
                        headers={"X-Connector-Token": GF_TOKEN})

    assert ok.status_code == 200 and stored(rt)[0].source == "gravityforms"
    assert refused.status_code == 401 and "for the gravityforms hook" in refused.json["error"]
    assert len(stored(rt)) == 1


def _wpforms_signature(body: str, t: int, secret: str = WPFORMS_SECRET) -> str:
    digest = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v={digest}"


def test_a_signed_wpforms_form_request_needs_no_token(http, rt):
    sample = load("wpforms-webhooks__form")
    php_json = load("wpforms-webhooks__json")["raw_body"]
    headers = dict(sample["headers"])
    headers["X-WPForms-Webhook-Signature"] = _wpforms_signature(php_json, int(time.time()))

    resp = http.post("/hooks/wpforms", data=sample["body"], headers=headers)

    assert resp.status_code == 200, resp.json
    assert stored(rt)[0].source == "wpforms"


def test_a_signed_wpforms_get_request_verifies_over_its_query(http, rt):
    sample = load("wpforms-webhooks__form")
    php_json = load("wpforms-webhooks__json")["raw_body"]
    sig = _wpforms_signature(php_json, int(time.time()))

    resp = http.get(f"/hooks/wpforms?{sample['body']}",
                    headers={"X-WPForms-Webhook-Signature": sig})

    assert resp.status_code == 200, resp.json
    assert leads(rt) == 1


@pytest.mark.parametrize("tamper", ["wrong-secret", "stale", "edited-body"])
def test_a_bad_wpforms_signature_is_refused_even_with_a_token(http, rt, tamper):
    sample = load("wpforms-webhooks__json")
    body = sample["raw_body"]
    t = int(time.time()) - (7200 if tamper == "stale" else 0)
    sig = _wpforms_signature(body, t, "nope" if tamper == "wrong-secret" else WPFORMS_SECRET)
    if tamper == "edited-body":
        body = body.replace("Marija", "Mallory")

    resp = http.post(f"/hooks/wpforms?token={TOKEN}", data=body,
                     headers={**sample["headers"], "X-WPForms-Webhook-Signature": sig})

    assert resp.status_code == 401
    assert "X-WPForms-Webhook-Signature" in resp.json["error"]
    assert stored(rt) == []


def _standard(body: bytes, secret: str, msg_id: str, when: datetime) -> dict[str, str]:
    sig = Webhook(secret).sign(msg_id, when, body.decode())
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": sig, "Content-Type": "application/json"}


def test_standard_webhooks_verify_with_any_current_secret_and_dedupe_on_the_id(http, rt):
    now = datetime.now(timezone.utc)
    body = json.dumps({"email": "ana@firma.si", "name": "Ana Novak"}).encode()
    first = http.post("/hooks/generic", data=body,
                      headers=_standard(body, WHSEC_NEW, "msg_1", now))
    # A retry of the same message, signed again (and even with the old secret).
    again = http.post("/hooks/generic", data=body,
                      headers=_standard(body, WHSEC_OLD, "msg_1", now))

    assert first.status_code == 200 and again.status_code == 200
    assert again.json["duplicate"] is True
    assert again.json["submission_id"] == first.json["submission_id"]
    assert [s.source for s in stored(rt)] == ["signed", "signed"]
    assert leads(rt) == 1


@pytest.mark.parametrize("problem", ["unknown-secret", "too-old", "malformed", "no-id"])
def test_bad_standard_webhook_signatures_are_refused(http, rt, problem):
    now = datetime.now(timezone.utc)
    body = json.dumps({"email": "ana@firma.si"}).encode()
    secret = "whsec_" + "dW5rbm93bi1zZWNyZXQtMTIzNDU2Nzg=" if problem == "unknown-secret" \
        else WHSEC_NEW
    when = now - timedelta(minutes=6) if problem == "too-old" else now
    headers = _standard(body, secret, "msg_2", when)
    if problem == "malformed":
        headers["webhook-signature"] = "v1-no-comma"
    if problem == "no-id":
        headers.pop("webhook-id")

    resp = http.post(f"/hooks/generic?token={TOKEN}", data=body, headers=headers)

    assert resp.status_code == 401
    assert "webhook" in resp.json["error"] or "signed" in resp.json["error"]
    assert stored(rt) == []
