"""One lead, one member, in two calls against a fake that keeps Mailchimp's upsert
rules: nobody who unsubscribed or was cleaned is switched back or tagged, whatever
consent the new form carries, and the lead records what Mailchimp said."""
from __future__ import annotations

import pytest

from connector.adapters.base import DeliveryJob
from connector.adapters.errors import PermanentError
from connector.adapters.mailchimp import subscriber_hash
from connector.adapters.registry import mailchimp_destination
from connector.settings import Settings
from tests.fakes.mailchimp import API_KEY, LIST_ID

CONSENT = {"given": True, "field": "soglasje", "text": "Novice", "at": "2026-06-14T10:00:00+00:00"}


@pytest.fixture
def mc(fake_mc):
    return mailchimp_destination(Settings(
        mailchimp_api_key=API_KEY, mailchimp_list_id=LIST_ID, mailchimp_base_url=fake_mc.url,
        mailchimp_marketing_permission_id="e7f8a9b0c1"))


def job(n: int, email: str, **lead) -> DeliveryJob:
    return DeliveryJob(n, f"{n}:mailchimp:member", "member", 1, {
        "submission_id": n, "email": email, "first_name": "Ana", "last_name": "Novak",
        "temperature": "warm", "category": "prospect", "form_name": "Kontakt", **lead})


def member_path(email: str) -> str:
    return f"/3.0/lists/{LIST_ID}/members/{subscriber_hash(email)}"


def test_a_new_member_and_a_known_one_take_two_calls_each(fake_mc, mc):
    fake_mc.add("known@firma.example", "subscribed", tags=("cold",))

    new = mc.deliver(job(1, "new@firma.example"))
    known = mc.deliver(job(2, "known@firma.example", consent=CONSENT))

    assert fake_mc.calls == [
        f"GET /3.0/lists/{LIST_ID}/merge-fields",          # once per process
        f"PUT {member_path('new@firma.example')}", f"POST {member_path('new@firma.example')}/tags",
        f"PUT {member_path('known@firma.example')}",
        f"POST {member_path('known@firma.example')}/tags"]
    assert new.external_ids["status"] == "pending"
    assert known.external_ids["status"] == "subscribed"
    assert {t["name"] for t in fake_mc.member("known@firma.example")["tags"]} >= {
        "warm", "nurture"}
    assert "cold" not in {t["name"] for t in fake_mc.member("known@firma.example")["tags"]}


@pytest.mark.parametrize("status", ["unsubscribed", "cleaned"])
def test_who_left_is_never_switched_back_nor_tagged_even_with_fresh_consent(fake_mc, mc, status):
    fake_mc.add("left@firma.example", status, tags=("cold",))

    outcome = mc.deliver(job(1, "left@firma.example", consent=CONSENT))

    member = fake_mc.member("left@firma.example")
    assert member["status"] == status
    assert member["tags"] == [{"name": "cold"}]
    assert member["merge_fields"] == {"FNAME": "Ana", "LNAME": "Novak"}  # only the profile
    assert outcome.external_ids == {"member_id": subscriber_hash("left@firma.example"),
                                    "left_alone": status}
    assert outcome.about_person == {"status": status, "seen": "member upsert"}
    assert fake_mc.calls[-1] == f"PUT {member_path('left@firma.example')}"


def test_an_archived_member_stays_archived(fake_mc, mc):
    fake_mc.add("gone@firma.example", "archived")

    outcome = mc.deliver(job(1, "gone@firma.example", consent=CONSENT))

    assert fake_mc.member("gone@firma.example")["status"] == "archived"
    assert outcome.external_ids["status"] == "archived"


def test_a_consenting_new_member_is_subscribed_with_the_marketing_permission(fake_mc, mc):
    mc.deliver(job(1, "yes@firma.example", consent=CONSENT))

    member = fake_mc.member("yes@firma.example")
    assert member["status"] == "subscribed"
    assert member["marketing_permissions"] == [{"marketing_permission_id": "e7f8a9b0c1",
                                                "enabled": True}]
    assert member["timestamp_signup"] == CONSENT["at"]


def test_a_permanently_deleted_address_is_refused_for_good(fake_mc, mc):
    fake_mc.forgotten.add(subscriber_hash("forgot@firma.example"))

    with pytest.raises(PermanentError) as refused:
        mc.deliver(job(1, "forgot@firma.example", consent=CONSENT))

    assert str(refused.value) == "400 Forgotten Email Not Subscribed"
    assert "permanently deleted" in refused.value.vendor_message
    assert fake_mc.member("forgot@firma.example") is None
