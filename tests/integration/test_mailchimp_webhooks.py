"""Mailchimp's audience webhooks, recorded on the leads; nobody who left is pushed again."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from connector.app import create_app
from connector.adapters.base import DeliveryJob
from connector.adapters.registry import mailchimp_destination
from connector.settings import Settings
from connector.store.leads import lead_payload
from connector.store.models import LeadRow
from tests.conftest import TOKEN

SHAPES = Path(__file__).parent.parent / "fixtures" / "api" / "mailchimp"
SECRET = "7Hq2vX9rLm4KpZ8cAAAA"


def request_of(name: str) -> dict:
    return json.loads(next(SHAPES.glob(f"{name}*.json")).read_text())["request"]


@pytest.fixture
def runtime(settings):
    from connector.runtime import Runtime
    rt = Runtime.start(settings.replace(mailchimp_webhook_secret=SECRET,
                                        mailchimp_list_id="a1b2c3d4e5",
                                        mailchimp_api_key="0123456789abcdef-us21"))
    yield rt
    rt.close()


@pytest.fixture
def mc_client(runtime):
    return create_app(runtime.settings, runtime=runtime).test_client()


def lead_for(client, email: str) -> int:
    resp = client.post(f"/hooks/generic?token={TOKEN}",
                       json={"email": email, "name": "Lena Test", "form_name": "Prijava na novice"})
    return resp.json["lead_id"]


def send(client, name: str, secret: str = SECRET):
    r = request_of(name)
    return client.post(f"/hooks/mailchimp?secret={secret}", data=r["body"],
                       content_type="application/x-www-form-urlencoded")


def test_the_check_get_is_answered_and_the_secret_is_required(mc_client):
    assert mc_client.get(f"/hooks/mailchimp?secret={SECRET}").status_code == 200
    assert mc_client.get("/hooks/mailchimp?secret=wrong-secret-000000").status_code == 401
    assert send(mc_client, "18-webhook-unsubscribe", "nope").status_code == 401


def test_without_a_secret_configured_the_hook_is_closed(settings, tmp_path):
    from connector.runtime import Runtime
    rt = Runtime.start(settings)
    try:
        assert create_app(settings, runtime=rt).test_client().get(
            "/hooks/mailchimp?secret=x").status_code == 404
    finally:
        rt.close()


@pytest.mark.parametrize("name, email, expected", [
    ("18-webhook-unsubscribe", "left.us@example.org",
     {"status": "unsubscribed", "reason": "manual", "action": "unsub"}),
    ("21-webhook-cleaned", "bounced.user@example.com", {"status": "cleaned", "reason": "hard"}),
    ("17-webhook-subscribe", "jana.novak@example.org", {"status": "subscribed"}),
    ("19-webhook-profile", None, {}),
])
def test_events_are_recorded_on_the_leads_with_that_address(mc_client, runtime, name, email,
                                                             expected):
    if email is None:
        from urllib.parse import parse_qs
        email = parse_qs(request_of(name)["body"])["data[email]"][0]
    lead_id = lead_for(mc_client, email)

    resp = send(mc_client, name)

    assert resp.status_code == 200 and resp.json["leads"] == 1
    with runtime.db.transaction() as s:
        recorded = s.get(LeadRow, lead_id).mailchimp
        assert expected.items() <= recorded.items()
        assert recorded["at"]


def test_an_address_change_is_recorded(mc_client, runtime):
    old = lead_for(mc_client, "old.address@example.org")
    send(mc_client, "20-webhook-upemail")
    with runtime.db.transaction() as s:
        assert s.get(LeadRow, old).mailchimp["email_changed_to"] == "new.address@example.org"


def test_an_unsubscribed_person_is_never_pushed_again(mc_client, runtime):
    lead_id = lead_for(mc_client, "left.us@example.org")
    send(mc_client, "18-webhook-unsubscribe")
    with runtime.db.transaction() as s:
        payload = lead_payload(s.get(LeadRow, lead_id))
    mc = mailchimp_destination(Settings(mailchimp_api_key="0123456789abcdef-us21",
                                        mailchimp_list_id="a1b2c3d4e5"))
    with responses.RequestsMock() as mock:   # any call to Mailchimp would fail the test
        result = mc.deliver(DeliveryJob(1, "k", "member", 1, payload))
        assert len(mock.calls) == 0
    assert result.external_ids["left_alone"] == "unsubscribed"


def test_events_for_another_audience_or_unreadable_ones(mc_client, runtime):
    lead_id = lead_for(mc_client, "left.us@example.org")
    body = request_of("18-webhook-unsubscribe")["body"].replace("a1b2c3d4e5", "zzzzzzzzzz")
    resp = mc_client.post(f"/hooks/mailchimp?secret={SECRET}", data=body,
                          content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 200 and resp.json["leads"] == 0
    with runtime.db.transaction() as s:
        assert s.get(LeadRow, lead_id).mailchimp is None
    bad = mc_client.post(f"/hooks/mailchimp?secret={SECRET}", data="type=unsubscribe",
                         content_type="application/x-www-form-urlencoded")
    assert bad.status_code == 422 and "no data" in bad.json["error"]
