"""The Mailchimp adapter on the wire, against the documented shapes
(tests/fixtures/api/mailchimp/, copied from the shared API notes)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import responses

from connector.adapters.base import DeliveryJob
from connector.adapters.errors import DestinationPaused, PermanentError, RetryableError
from connector.adapters.mailchimp import subscriber_hash
from connector.adapters.registry import mailchimp_destination
from connector.settings import Settings

SHAPES = Path(__file__).parent.parent / "fixtures" / "api" / "mailchimp"
BASE = "https://us21.api.mailchimp.com/3.0"
LIST = "a1b2c3d4e5"
EMAIL = "Jana.Novak@Example.org"
MEMBER = f"{BASE}/lists/{LIST}/members/{subscriber_hash(EMAIL)}"


def shape(name: str) -> dict:
    return json.loads(next(SHAPES.glob(f"{name}*.json")).read_text())["response"]


LEAD = {"submission_id": 9, "email": EMAIL, "first_name": "Jana", "last_name": "Novák",
        "phone": "+420 603 123 456", "company": "Novák Stavby s.r.o.", "temperature": "cold",
        "category": "prospect", "product_interests": ["Web", "SEO"], "channel": "organic_search",
        "language": "cs", "form_name": "Kontakt", "consent": None,
        "tracking": {"remote_ip": "89.24.56.78"}}


def job(**changes) -> DeliveryJob:
    return DeliveryJob(1, "9:mailchimp:member", "member", 1, {**LEAD, **changes})


@pytest.fixture
def mc():
    return mailchimp_destination(Settings(mailchimp_api_key="0123456789abcdef-us21",
                                          mailchimp_list_id=LIST,
                                          mailchimp_marketing_permission_id="e7f8a9b0c1"))


def audience_fields():
    r = json.loads(next(SHAPES.glob("09-*.json")).read_text())["response"]
    responses.get(f"{BASE}/lists/{LIST}/merge-fields", json=r["body"])


def upserted(status="pending"):
    audience_fields()
    body = dict(shape("02-put-member-upsert")["body"], status=status)
    responses.put(MEMBER, json=body)
    responses.post(MEMBER + "/tags", status=204)


def sent(method: str) -> dict:
    (call,) = [c for c in responses.calls if c.request.method == method]
    return json.loads(call.request.body)


@responses.activate
def test_a_cold_lead_without_consent_is_a_pending_member_tagged_for_nurture(mc):
    upserted()

    result = mc.deliver(job())

    assert result.external_ids == {"member_id": "e6b7820ec460336426edce7110300b9d",
                                   "status": "pending"}
    body = sent("PUT")
    assert body["status_if_new"] == "pending" and "status" not in body
    assert body["merge_fields"] == {"FNAME": "Jana", "LNAME": "Novák", "PHONE": "+420 603 123 456",
                                    "COMPANY": "Novák Stavby s.r.o."}
    assert (body["language"], body["ip_signup"]) == ("cs", "89.24.56.78")
    assert "marketing_permissions" not in body
    tags = {t["name"]: t["status"] for t in sent("POST")["tags"]}
    assert tags == {"cold": "active", "prospect": "active", "interest: Web": "active",
                    "interest: SEO": "active", "channel: organic_search": "active",
                    "form: Kontakt": "active", "nurture": "active",
                    "hot": "inactive", "warm": "inactive"}
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")
    # The audience's merge fields once per process, then two calls per lead: no read first.
    assert [(c.request.method, c.request.url.split("?")[0].removeprefix(BASE))
            for c in responses.calls] == [
        ("GET", f"/lists/{LIST}/merge-fields"),
        ("PUT", MEMBER.removeprefix(BASE)), ("POST", MEMBER.removeprefix(BASE) + "/tags")]


@responses.activate
def test_merge_fields_the_audience_lacks_are_not_sent_and_asked_for_once(mc):
    upserted()
    mc.fields = type(mc.fields)({**mc.fields.merge_fields, "JOBTITLE": "job_title"})
    mc.deliver(job(job_title="CEO"))
    assert "JOBTITLE" not in sent("PUT")["merge_fields"]
    mc.deliver(job(job_title="CEO", submission_id=10))
    assert len([c for c in responses.calls if "merge-fields" in c.request.url]) == 1


@responses.activate
def test_a_form_may_subscribe_without_consent(mc):
    upserted("subscribed")
    mc.fields = type(mc.fields)(mc.fields.merge_fields,
                                without_consent={"prijava na novice": "subscribed"})
    mc.deliver(job(form_name="Prijava na Novice"))
    assert sent("PUT")["status_if_new"] == "subscribed"


@responses.activate
def test_a_consenting_lead_is_subscribed_with_its_marketing_permission(mc):
    upserted("subscribed")
    consent = {"given": True, "field": "soglasje", "text": "Newsletter", "at": "2026-06-14T10:00:00+00:00"}

    mc.deliver(job(consent=consent))

    body = sent("PUT")
    assert body["status_if_new"] == "subscribed"
    assert body["timestamp_signup"] == "2026-06-14T10:00:00+00:00"
    assert body["marketing_permissions"] == [{"marketing_permission_id": "e7f8a9b0c1",
                                              "enabled": True}]


@pytest.mark.parametrize("status", ["unsubscribed", "cleaned"])
@responses.activate
def test_someone_who_left_stays_so_untagged_and_the_lead_records_it(mc, status):
    audience_fields()
    # Mailchimp answers an upsert without `status` with the member as they are.
    responses.put(MEMBER, json=dict(shape("02-put-member-upsert")["body"], status=status))

    result = mc.deliver(job(consent={"given": True, "at": "2026-06-14T10:00:00+00:00"}))

    body = sent("PUT")
    assert "status" not in body and body["status_if_new"] == "subscribed"
    assert result.external_ids == {"member_id": subscriber_hash(EMAIL), "left_alone": status}
    assert result.about_person == {"status": status, "seen": "member upsert"}
    assert [c.request.method for c in responses.calls] == ["GET", "PUT"]  # no tags


@responses.activate
def test_a_hot_lead_gets_the_handoff_tag_and_loses_nurture(mc):
    upserted("subscribed")

    mc.deliver(job(temperature="hot"))

    tags = {t["name"]: t["status"] for t in sent("POST")["tags"]}
    assert tags["sales-handoff"] == "active" and tags["hot"] == "active"
    assert tags["nurture"] == "inactive" and tags["cold"] == "inactive"


@pytest.mark.parametrize("name, words", [
    ("03-put-member-compliance-state", "is in a compliance state"),
    ("04-put-member-fake-email", "looks fake or invalid"),
    ("05-put-member-forgotten", "was permanently deleted"),
    ("07-put-member-invalid-merge-fields", "merge_fields.FNAME: Data did not match"),
])
@responses.activate
def test_refusals_are_permanent_with_mailchimps_words(mc, name, words):
    audience_fields()
    r = shape(name)
    responses.put(MEMBER, status=r["status"], json=r["body"],
                  content_type="application/problem+json")
    with pytest.raises(PermanentError) as exc:
        mc.deliver(job())
    assert str(exc.value) == f"400 {r['body']['title']}"
    assert words in exc.value.vendor_message


@responses.activate
def test_too_many_connections_and_server_errors_are_retryable(mc):
    audience_fields()
    r = shape("14-too-many-requests-429")
    responses.put(MEMBER, status=429, json=r["body"], content_type="application/problem+json")
    with pytest.raises(RetryableError, match="429"):
        mc.deliver(job())
    responses.replace(responses.PUT, MEMBER, status=503, body="<html>busy</html>")
    with pytest.raises(RetryableError, match="503"):
        mc.deliver(job())


@responses.activate
def test_a_timeout_is_retryable(mc):
    audience_fields()
    responses.put(MEMBER, body=requests.Timeout("read timed out"))
    with pytest.raises(RetryableError):
        mc.deliver(job())


@responses.activate
def test_a_bad_key_pauses_mailchimp(mc):
    r = shape("13-api-key-invalid-401")
    responses.get(f"{BASE}/lists/{LIST}/merge-fields", status=401, json=r["body"],
                  content_type="application/problem+json")
    with pytest.raises(DestinationPaused) as exc:
        mc.deliver(job())
    assert "API Key Invalid" in str(exc.value)


def test_leads_without_an_address_are_refused(mc):
    with pytest.raises(PermanentError, match="no email address"):
        mc.deliver(job(email=None))


def test_the_subscriber_hash_is_md5_of_the_lowercased_address():
    assert subscriber_hash(" Jana.Novak@Example.org ") == "e6b7820ec460336426edce7110300b9d"


@responses.activate
def test_check_pings_reads_the_audience_and_its_merge_fields(mc):
    from connector.adapters.mailchimp import check
    responses.get(f"{BASE}/ping", json=shape("01-ping")["body"])
    responses.get(f"{BASE}/lists/{LIST}", json=shape("10-get-list")["body"])
    audience_fields()

    good, bad = check(mc)

    assert bad == []
    assert "Mailchimp: audience 'Web leads CZ' (a1b2c3d4e5)" in good
    assert "Mailchimp: the audience has every merge field the mapping writes" in good
