"""A plugin re-sending an entry never makes a second lead or delivery."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from connector.domain.submission import RawRequest
from connector.store.models import DeliveryRow, LeadRow, SubmissionRow
from tests.integration.test_plugin_samples import post
from tests.samples import load


def counts(runtime) -> tuple[int, int, int]:
    with runtime.db.transaction() as s:
        return tuple(s.scalar(select(func.count()).select_from(m))
                     for m in (SubmissionRow, LeadRow, DeliveryRow))


def test_the_same_entry_id_resent_is_answered_with_the_original(client, runtime):
    first = post(client, load("gravityforms-webhooks__all-fields-json"))
    owed = counts(runtime)[2]
    # The same entry again, this time in the FORM request format.
    again = post(client, load("gravityforms-webhooks__all-fields-form"))

    assert again.status_code == 200
    assert again.json["duplicate"] is True
    assert (again.json["submission_id"], again.json["lead_id"]) == (
        first.json["submission_id"], first.json["lead_id"])
    assert counts(runtime) == (2, 1, owed) and owed
    with runtime.db.transaction() as s:
        copy = s.scalars(select(SubmissionRow).where(SubmissionRow.status == "duplicate")).one()
        assert copy.duplicate_of == first.json["submission_id"]


def test_another_entry_of_the_same_form_is_a_new_lead(client, runtime):
    sample = load("gravityforms-webhooks__all-fields-json")
    post(client, sample)
    sample["raw_body"] = sample["raw_body"].replace('"id":"1042"', '"id":"1043"')

    resp = post(client, sample)

    assert "duplicate" not in resp.json
    assert counts(runtime)[1] == 2


def _cf7(now: datetime) -> RawRequest:
    return RawRequest("cf7", "POST", "application/json",
                      load("cf7-to-webhook__default-json")["raw_body"].encode(), "", {},
                      None, now)


def test_same_content_without_entry_id_is_a_duplicate_only_within_the_window(runtime):
    t0 = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
    first = runtime.ingest.accept(_cf7(t0), t0)
    t1 = t0 + timedelta(minutes=9)
    assert runtime.ingest.accept(_cf7(t1), t1).duplicate is True
    t2 = t0 + timedelta(minutes=11)
    later = runtime.ingest.accept(_cf7(t2), t2)

    assert later.duplicate is False and later.lead_id != first.lead_id
    assert counts(runtime) == (3, 2, 4)


def test_copies_arriving_together_make_one_lead(runtime):
    now = datetime.now(timezone.utc)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: runtime.ingest.accept(_cf7(now), now), range(6)))

    assert sum(not r.duplicate for r in results) == 1
    assert len({r.lead_id for r in results}) == 1
    assert counts(runtime) == (6, 1, 2)


def test_a_connection_test_is_never_taken_for_the_original(client, runtime):
    sample = load("forminator__connection-test")
    post(client, sample)
    sample["headers"].pop("X-Hook-Test")
    resp = post(client, sample)

    assert "duplicate" not in resp.json
