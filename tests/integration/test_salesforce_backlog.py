"""A backlog of Salesforce deliveries goes out in batches: three calls per 200 leads,
each lead's own result mapped back to its delivery."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
import requests
import responses
from sqlalchemy import select

from connector.adapters.base import DeliveryJob
from connector.adapters.errors import PermanentError
from connector.adapters.registry import salesforce_destination
from connector.domain.submission import RawRequest
from connector.settings import Settings
from connector.store.models import DeliveryRow
from connector.wakeup import LocalWakeup
from connector.worker import BACKLOG_AT, Worker
from tests.fakes.salesforce import FakeSalesforce
from tests.integration.test_salesforce_adapter import (COMPOSITE, INSTANCE, HOT, adapter, creds,  # noqa: F401
                                                        response_of, token_ok)


def destination_for(fake: FakeSalesforce):
    return salesforce_destination(Settings(
        salesforce_login_url=fake.url, salesforce_client_id="k", salesforce_client_secret="s",
        salesforce_username="u@x.example", salesforce_password="pw",
        salesforce_task_owner_ids=("005OWNER",)))


def jobs(n: int, **changes) -> list[DeliveryJob]:
    return [DeliveryJob(i, f"{i}:salesforce:lead", "lead", 1,
                        dict(HOT, submission_id=i, email=f"p{i}@firma.example", **changes))
            for i in range(1, n + 1)]


def test_a_batch_is_three_calls_and_reuses_known_records(fake_sf):
    fake_sf.add("Lead", LastName="Known", Company="F", Email="p1@firma.example")
    contact = fake_sf.add("Contact", LastName="Customer", Email="p2@firma.example")
    sf = destination_for(fake_sf)
    batch = jobs(5) + [DeliveryJob(6, "6:salesforce:lead", "lead", 1,
                                   dict(HOT, submission_id=6, email="P3@firma.example"))]

    outcomes = sf.deliver_batch(batch)

    assert len(fake_sf.calls) == 3
    assert all(not isinstance(o, Exception) for o in outcomes.values())
    assert outcomes[2].external_ids["contact_id"] == contact
    # p1 known, p2 a contact, p3 twice in the batch: one Lead for p3, p4 and p5 each.
    assert len(fake_sf.leads) == 1 + 3
    assert outcomes[3].external_ids["lead_id"] == outcomes[6].external_ids["lead_id"]
    assert len(fake_sf.tasks) == 6

    again = sf.deliver_batch(batch)  # a retry of the whole round after a lost answer
    assert len(fake_sf.tasks) == 6 and len(fake_sf.leads) == 4
    assert {k: v.external_ids for k, v in again.items()} == {
        k: v.external_ids for k, v in outcomes.items()}


def test_one_bad_record_fails_alone(fake_sf):
    sf = destination_for(fake_sf)
    sf.fields = type(sf.fields)(sf.fields.lead, {})  # no default Company: Salesforce refuses

    outcomes = sf.deliver_batch(jobs(2) + jobs(3, company="")[2:])

    assert not isinstance(outcomes[1], Exception) and not isinstance(outcomes[2], Exception)
    assert isinstance(outcomes[3], PermanentError)
    assert str(outcomes[3]) == "400 REQUIRED_FIELD_MISSING"
    assert "Company" in outcomes[3].vendor_message


@responses.activate
def test_collection_results_are_read_per_record_in_order(adapter):  # noqa: F811
    token_ok()
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": {"totalSize": 0, "done": True, "records": []}, "httpHeaders": {},
         "httpStatusCode": 200, "referenceId": name} for name in ("tasks", "leads", "contacts")]})
    documented = response_of("19-sobject-collections-create")["body"]
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": documented[:2], "httpHeaders": {}, "httpStatusCode": 200,
         "referenceId": "newLeads"}]})
    responses.post(INSTANCE + "/services/data/v62.0/composite/sobjects",
                   json=[{"id": "00T5g00000Pw3wMEAR", "success": True, "errors": []}])

    outcomes = adapter.deliver_batch(jobs(2))

    assert outcomes[1].external_ids == {"lead_id": documented[0]["id"],
                                        "task_id": "00T5g00000Pw3wMEAR"}
    assert str(outcomes[2]) == "400 REQUIRED_FIELD_MISSING"
    writes = json.loads(responses.calls[2].request.body)["compositeRequest"][0]
    assert writes["url"] == "/services/data/v62.0/composite/sobjects"
    assert [r["attributes"]["type"] for r in writes["body"]["records"]] == ["Lead", "Lead"]
    tasks = json.loads(responses.calls[3].request.body)
    assert [t["WhoId"] for t in tasks["records"]] == [documented[0]["id"]]


def test_the_worker_drains_a_backlog_in_batches(runtime, fake_sf):
    now = datetime.now(timezone.utc)
    runtime.ingest.configured = frozenset({"salesforce"})
    for i in range(BACKLOG_AT + 230):
        body = json.dumps({"email": f"p{i}@firma.example", "phone": "041 123 456",
                           "company": "F", "form_name": "Povpraševanje za ponudbo",
                           "message": "Nujno potrebujemo ponudbo, pokličite me danes."})
        runtime.ingest.accept(RawRequest("generic", "POST", "application/json", body.encode(),
                                         "", {}, None, now), now)
    worker = Worker(runtime.db, {"salesforce": destination_for(fake_sf)}, LocalWakeup(),
                    lease_seconds=120, poll_seconds=0.1, batch_size=10)

    worker.run(burst=True)

    with runtime.db.transaction() as s:
        rows = s.scalars(select(DeliveryRow).where(DeliveryRow.destination == "salesforce")).all()
        assert {r.status for r in rows} == {"delivered"} and len(rows) == BACKLOG_AT + 230
        assert all(r.external_ids["lead_id"] and r.external_ids["task_id"] for r in rows)
    assert len(fake_sf.leads) == len(fake_sf.tasks) == BACKLOG_AT + 230
    assert len(fake_sf.calls) <= 3 * 2 + 2 * BACKLOG_AT  # two batches, then the stragglers


def test_thousands_are_written_through_the_bulk_api(fake_sf, monkeypatch):
    from connector.adapters.salesforce import backlog, bulk
    monkeypatch.setattr(bulk, "POLL_SECONDS", 0.01)
    fake_sf.add("Lead", LastName="Known", Company="F", Email="p1@firma.example")
    sf = destination_for(fake_sf)
    many = jobs(backlog.BULK_AT + 200)

    outcomes = sf.deliver_batch(many)

    assert all(not isinstance(o, Exception) for o in outcomes.values()), \
        [str(o) for o in outcomes.values() if isinstance(o, Exception)][:3]
    assert len(fake_sf.leads) == backlog.BULK_AT + 200
    assert len(fake_sf.tasks) == backlog.BULK_AT + 200
    bulk_jobs = [c for c in fake_sf.calls if c == "POST /services/async/62.0/job"]
    assert len(bulk_jobs) == 3  # new Leads, the known Lead's update, the Tasks
    lookups = [c for c in fake_sf.calls if c.endswith("/composite")]
    assert len(lookups) == 6    # 1,200 leads looked up 200 at a time
    assert outcomes[1].external_ids["lead_id"] == next(
        l["Id"] for l in fake_sf.leads if l["Email"] == "p1@firma.example")


def test_bulk_record_errors_fail_only_their_lead(fake_sf, monkeypatch):
    from connector.adapters.salesforce import backlog, bulk
    monkeypatch.setattr(bulk, "POLL_SECONDS", 0.01)
    sf = destination_for(fake_sf)
    sf.fields = type(sf.fields)(sf.fields.lead, {})
    many = jobs(backlog.BULK_AT)
    many[5] = DeliveryJob(6, "6:salesforce:lead", "lead", 1, dict(HOT, submission_id=6,
                                                                  email="x@y.example", company=""))

    outcomes = sf.deliver_batch(many)

    assert str(outcomes[6]) == "400 REQUIRED_FIELD_MISSING"
    assert "Required fields are missing" in outcomes[6].vendor_message
    assert sum(isinstance(o, Exception) for o in outcomes.values()) == 1


@responses.activate
def test_the_documented_bulk_exchange(creds):  # noqa: F811
    """Create job, post the CSV batch, poll, read the CSV results, close: as documented."""
    from connector.adapters.salesforce.auth import TokenSource
    from connector.adapters.salesforce.bulk import BulkWriter
    from connector.adapters.salesforce.client import SalesforceClient
    from tests.integration.test_salesforce_adapter import shape
    token_ok()
    base = INSTANCE + "/services/async/62.0"
    create, post, status, results, close = (shape(n)["response"] for n in (
        "29-bulk1-create-job", "30-bulk1-post-batch", "31-bulk1-batch-status",
        "32-bulk1-batch-results", "33-bulk1-close-job"))
    job, batch = "7505g00000Xa1BcAAJ", "7515g00000Yd2EfAAJ"
    responses.post(f"{base}/job", status=create["status"], body=create["body"],
                   content_type="application/xml")
    responses.post(f"{base}/job/{job}/batch", status=post["status"], body=post["body"],
                   content_type="application/xml")
    responses.get(f"{base}/job/{job}/batch/{batch}", body=status["body"],
                  content_type="application/xml")
    responses.get(f"{base}/job/{job}/batch/{batch}/result", body=results["body"],
                  content_type="text/csv")
    responses.post(f"{base}/job/{job}", body=close["body"], content_type="application/xml")
    session = requests.Session()
    client = SalesforceClient(session, TokenSource(session, creds), "62.0")

    out = BulkWriter(client, "62.0", sleep=lambda s: None).write("Lead", "insert", [
        {"LastName": "Horák", "Company": "Horák Consulting", "Email": "lena.horak@example.net"},
        {"LastName": "Svoboda", "Company": "", "Email": "petr.svoboda@example.com"}])

    assert out[0].success and out[0].id == "00Q5g00000Kt7nREAR"
    assert not out[1].success and str(out[1].error) == "400 REQUIRED_FIELD_MISSING"
    assert out[1].error.vendor_message == "Required fields are missing: [Company]"
    sent_csv = responses.calls[2].request.body
    assert sent_csv.decode().splitlines()[0] == '"LastName","Company","Email"'
    assert responses.calls[1].request.headers["X-SFDC-Session"].startswith("00D5g")
    assert client.calls == 5


@pytest.mark.parametrize("count", [3, 1_000])
def test_an_external_id_field_keeps_one_lead_per_submission_on_every_path(fake_sf, monkeypatch,
                                                                         count):
    """The person changed their address between two tries: the email lookup cannot find
    the first Lead, the submission's External ID still does."""
    from connector.adapters.salesforce import bulk
    monkeypatch.setattr(bulk, "POLL_SECONDS", 0.01)
    sf = destination_for(fake_sf)
    sf.external_id_field = "WP_Submission_Id__c"
    first = fake_sf.add("Lead", LastName="Old", Company="F", Email="old@firma.example",
                        WP_Submission_Id__c="wplc-2")

    outcomes = sf.deliver_batch(jobs(count))

    assert outcomes[2].external_ids["lead_id"] == first
    assert len(fake_sf.leads) == count
    assert next(l for l in fake_sf.leads if l["Id"] == first)["Email"] == "p2@firma.example"


def test_the_real_time_path_upserts_too(fake_sf):
    sf = destination_for(fake_sf)
    sf.external_id_field = "WP_Submission_Id__c"
    first = fake_sf.add("Lead", LastName="Old", Company="F", Email="old@firma.example",
                        WP_Submission_Id__c="wplc-1")
    (one,) = jobs(1)
    assert sf.deliver(one).external_ids["lead_id"] == first
    assert len(fake_sf.leads) == 1


def test_a_backlog_round_holds_its_rows_long_enough_for_bulk_jobs(runtime, fake_sf):
    from datetime import timedelta
    from connector.worker import BACKLOG_LEASE
    now = datetime.now(timezone.utc)
    runtime.ingest.configured = frozenset({"salesforce"})
    for i in range(BACKLOG_AT):
        body = json.dumps({"email": f"p{i}@firma.example", "company": "F", "phone": "041 1",
                           "form_name": "Povpraševanje za ponudbo",
                           "message": "Nujno potrebujemo ponudbo, pokličite me danes."})
        runtime.ingest.accept(RawRequest("generic", "POST", "application/json", body.encode(),
                                         "", {}, None, now), now)
    worker = Worker(runtime.db, {"salesforce": destination_for(fake_sf)}, LocalWakeup(),
                    lease_seconds=60, poll_seconds=0.1, batch_size=10, clock=lambda: now)

    claims = worker.claim_backlog("salesforce", now)

    assert len(claims) == BACKLOG_AT
    with runtime.db.transaction() as s:
        leases = {r.lease_until for r in s.scalars(select(DeliveryRow).where(
            DeliveryRow.destination == "salesforce"))}
    assert leases == {now + BACKLOG_LEASE} and BACKLOG_LEASE >= timedelta(minutes=30)
