"""A Mailchimp backlog goes out 500 members per call; nobody already in the audience is
touched by the batch, and each lead's own result lands on its delivery."""
from __future__ import annotations

import json
from pathlib import Path

import responses

from connector.adapters.base import DeliveryJob
from connector.adapters.errors import PermanentError
from connector.adapters.registry import mailchimp_destination
from connector.settings import Settings
from tests.fakes.mailchimp import API_KEY, LIST_ID

SHAPES = Path(__file__).parent.parent / "fixtures" / "api" / "mailchimp"


def destination(base_url: str):
    return mailchimp_destination(Settings(mailchimp_api_key=API_KEY, mailchimp_list_id=LIST_ID,
                                          mailchimp_base_url=base_url))


def jobs(n: int, **lead) -> list[DeliveryJob]:
    return [DeliveryJob(i, f"{i}:mailchimp:member", "member", 1,
                        {"submission_id": i, "email": f"p{i}@firma.example", "first_name": "Ana",
                         "temperature": "cold", "category": "prospect", "form_name": "Novice",
                         **lead}) for i in range(1, n + 1)]


def test_a_thousand_new_members_take_two_calls(fake_mc):
    mc = destination(fake_mc.url)

    outcomes = mc.deliver_batch(jobs(1000))

    assert fake_mc.calls == [f"GET /3.0/lists/{LIST_ID}/merge-fields",  # once per process
                             f"POST /3.0/lists/{LIST_ID}", f"POST /3.0/lists/{LIST_ID}"]
    assert all(o.external_ids["status"] == "pending" for o in outcomes.values())
    member = fake_mc.member("p7@firma.example")
    assert {"cold", "prospect", "nurture", "form: Novice"} <= {t["name"] for t in member["tags"]}
    assert member["merge_fields"] == {"FNAME": "Ana"}


def test_existing_members_are_not_touched_by_the_batch(fake_mc):
    fake_mc.add("p1@firma.example", "unsubscribed")
    fake_mc.add("p2@firma.example", "subscribed", tags=("cold",))
    fake_mc.fake_looking.add("p3@firma.example")
    mc = destination(fake_mc.url)

    outcomes = mc.deliver_batch(jobs(4, consent={"given": True, "at": "2026-06-14T10:00:00+00:00"}))

    assert outcomes[1].external_ids["left_alone"] == "unsubscribed"
    assert fake_mc.member("p1@firma.example")["status"] == "unsubscribed"
    assert outcomes[2].external_ids["status"] == "subscribed"
    assert isinstance(outcomes[3], PermanentError) and "looks fake" in outcomes[3].vendor_message
    assert outcomes[4].external_ids["status"] == "subscribed"
    assert fake_mc.member("p4@firma.example")["status"] == "subscribed"


@responses.activate
def test_the_documented_batch_answer_is_read_per_member():
    documented = json.loads((SHAPES / "11-batch-subscribe.json").read_text())["response"]["body"]
    base = "https://us21.api.mailchimp.com/3.0"
    responses.post(f"{base}/lists/{LIST_ID}", json=documented)
    responses.get(f"{base}/lists/{LIST_ID}/merge-fields", json=json.loads(
        (SHAPES / "09-get-merge-fields.json").read_text())["response"]["body"])
    mc = destination("")
    batch = [DeliveryJob(i, f"{i}", "member", 1, {"submission_id": i, "email": e,
                                                  "temperature": "cold", "category": "prospect"})
             for i, e in enumerate(["lena.horak@example.net", "petr.svoboda@example.com",
                                    "fooboo@example.com"], start=1)]

    outcomes = mc._batch(batch)

    sent = json.loads(next(c for c in responses.calls if c.request.method == "POST").request.body)
    assert sent["update_existing"] is False
    assert [m["status"] for m in sent["members"]] == ["pending"] * 3
    assert outcomes[1].external_ids["member_id"] == "8c1a0f1c7d15f05fe6c72295895ea8ad"
    assert outcomes[2].external_ids["status"] == "subscribed"
    assert isinstance(outcomes[3], PermanentError)
