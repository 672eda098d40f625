"""A lead with a phone and no email is matched to the Lead or Contact that has its
number, however people typed it into Salesforce: on the wire (the documented Composite
Batch and search shapes) and against the fake Salesforce, on both paths."""
from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

import requests

from connector.adapters.base import DeliveryJob
from connector.adapters.salesforce import phones, sosl
from connector.adapters.salesforce.auth import Credentials, TokenSource
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.realtime import SalesforceDestination
from tests.integration.test_salesforce_adapter import (COMPOSITE, FIELDS, HOT, LOGIN,
                                                        response_of, token_ok)
from tests.integration.test_salesforce_backlog import destination_for

BATCH = COMPOSITE + "/batch"
PHONE_ONLY = dict(HOT, email=None, phone="+38641123456", phone_as_written="041 123 456",
                  first_name="Ana", last_name="Novak", company=None)


@pytest.fixture
def adapter() -> SalesforceDestination:
    session = requests.Session()
    creds = Credentials(LOGIN, "3MVG9-consumer-key", "consumer-secret",
                        "integration@acme.example", "S3cret", "TOKEN123")
    return SalesforceDestination(SalesforceClient(session, TokenSource(session, creds), "62.0"),
                                 FIELDS, today=lambda: "2026-11-27")


def job(n: int = 42, **changes) -> DeliveryJob:
    return DeliveryJob(n, f"{n}:salesforce:lead", "lead", 1,
                       dict(PHONE_ONLY, submission_id=n, **changes))


def looked_up(task=None, hits=()):
    """The documented Composite Batch answer: the Task query, then the phone search."""
    return responses.post(BATCH, json={"hasErrors": False, "results": [
        {"statusCode": 200, "result": {"totalSize": int(bool(task)), "done": True,
                                       "records": [task] if task else []}},
        {"statusCode": 200, "result": {"searchRecords": [
            {"attributes": {"type": kind, "url": f"/services/data/v62.0/sobjects/{kind}/{i}"},
             **fields} for kind, i, fields in hits]}}]})


def written(results):
    return responses.post(COMPOSITE, json={"compositeResponse": results})


TASK_MADE = {"body": response_of("11-create-task")["body"], "httpHeaders": {},
             "httpStatusCode": 201, "referenceId": "refTask"}


def search_of(call) -> str:
    (_, search) = json.loads(call.request.body)["batchRequests"]
    return parse_qs(urlsplit(search["url"]).query)["q"][0]


@responses.activate
def test_a_phone_only_lead_is_found_by_its_number_as_people_typed_it(adapter):
    token_ok()
    looked_up(hits=[("Lead", "00Q5g00000JbX2cEAF",
                     {"Id": "00Q5g00000JbX2cEAF", "OwnerId": "0055g00000OwnerAAA",
                      "LastName": "Novak", "Phone": "041/123-456", "MobilePhone": None})])
    written([{"body": None, "httpHeaders": {}, "httpStatusCode": 204, "referenceId": "refLead"},
             TASK_MADE])

    result = adapter.deliver(job())

    assert result.external_ids == {"lead_id": "00Q5g00000JbX2cEAF",
                                   "task_id": "00T5g00000Pw3vLEAR"}
    assert adapter.client.calls == 2
    batch = json.loads(responses.calls[1].request.body)
    assert batch["haltOnError"] is False
    task_query, search = batch["batchRequests"]
    assert (task_query["method"], search["method"]) == ("GET", "GET")
    assert parse_qs(urlsplit(task_query["url"]).query)["q"][0].startswith(
        "SELECT Id, WhoId FROM Task WHERE Subject LIKE '%(web #42)%'")
    assert urlsplit(search["url"]).path == "v62.0/search"
    assert search_of(responses.calls[1]) == (
        'FIND {"38641123456" OR "0038641123456" OR "041123456" OR "41123456"} IN PHONE FIELDS '
        "RETURNING Contact(Id, OwnerId, AccountId, LastName, Phone, MobilePhone "
        "ORDER BY CreatedDate LIMIT 50), "
        "Lead(Id, OwnerId, LastName, Phone, MobilePhone WHERE IsConverted = false "
        "ORDER BY CreatedDate LIMIT 50)")
    lead, task = json.loads(responses.calls[2].request.body)["compositeRequest"]
    assert (lead["method"], lead["url"]) == ("PATCH",
                                             "/services/data/v62.0/sobjects/Lead/00Q5g00000JbX2cEAF")
    assert lead["body"]["Phone"] == "+38641123456"
    assert (task["body"]["WhoId"], task["body"]["OwnerId"]) == ("00Q5g00000JbX2cEAF",
                                                                "0055g00000OwnerAAA")


@responses.activate
def test_a_customer_found_by_phone_gets_the_task_on_the_contact(adapter):
    token_ok()
    looked_up(hits=[
        ("Contact", "0035g00000CtctAAA", {"Id": "0035g00000CtctAAA", "OwnerId": "0055g00000Acct",
                                          "LastName": "Novak", "Phone": None,
                                          "MobilePhone": "+386 (0)41 123 456"}),
        ("Lead", "00Q5g00000JbX2cEAF", {"Id": "00Q5g00000JbX2cEAF", "LastName": "Novak",
                                        "Phone": "041123456"})])
    written([TASK_MADE])

    result = adapter.deliver(job())

    (task,) = json.loads(responses.calls[2].request.body)["compositeRequest"]
    assert task["body"]["WhoId"] == "0035g00000CtctAAA"
    assert result.external_ids["contact_id"] == "0035g00000CtctAAA"


@pytest.mark.parametrize("hit", [
    {"LastName": "Novak", "Phone": "041 123 4567"},     # the search's hit, another number
    {"LastName": "Horvat", "Phone": "041 123 456"},     # a shared number, someone else
])
@responses.activate
def test_only_the_same_number_of_the_same_person_is_a_match(adapter, hit):
    token_ok()
    looked_up(hits=[("Lead", "00Q5g00000JbX2cEAF", {"Id": "00Q5g00000JbX2cEAF", **hit})])
    written([{"body": {"id": "00Q5g00000Kt7mQEAR", "success": True, "errors": []},
              "httpHeaders": {}, "httpStatusCode": 201, "referenceId": "refLead"}, TASK_MADE])

    adapter.deliver(job())

    lead, _ = json.loads(responses.calls[2].request.body)["compositeRequest"]
    assert (lead["method"], lead["url"]) == ("POST", "/services/data/v62.0/sobjects/Lead")


@responses.activate
def test_a_number_that_could_not_be_read_is_not_searched_for(adapter):
    token_ok()
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": {"totalSize": 0, "done": True, "records": []}, "httpHeaders": {},
         "httpStatusCode": 200, "referenceId": "task"}]})
    written([{"body": {"id": "00Q5g00000Kt7mQEAR", "success": True, "errors": []},
              "httpHeaders": {}, "httpStatusCode": 201, "referenceId": "refLead"}, TASK_MADE])

    adapter.deliver(job(phone="zvečer po 18h", phone_as_written="zvečer po 18h"))

    assert not any(c.request.url == BATCH for c in responses.calls)


@responses.activate
def test_a_failed_search_names_salesforces_error(adapter):
    token_ok()
    responses.post(BATCH, json={"hasErrors": True, "results": [
        {"statusCode": 200, "result": {"totalSize": 0, "done": True, "records": []}},
        {"statusCode": 400, "result": [{"errorCode": "INVALID_FIELD",
                                        "message": "No such column 'MobilePhone' on entity "
                                                   "'Contact'."}]}]})
    with pytest.raises(Exception) as exc:
        adapter.deliver(job())
    assert str(exc.value) == "400 INVALID_FIELD" and "MobilePhone" in exc.value.vendor_message


def test_search_terms_are_escaped():
    assert sosl.phrase('041 "x" {y}*') == '"041 \\"x\\" \\{y\\}\\*"'
    assert sosl.any_of(["a-b", "c"]) == '{"a\\-b" OR "c"}'


def test_the_forms_a_number_is_stored_in():
    assert phones.stored_forms(phones.readable("+38641123456")) == [
        "38641123456", "0038641123456", "041123456", "41123456"]
    assert phones.stored_forms(phones.readable("+420603123456")) == [
        "420603123456", "00420603123456", "603123456"]
    assert phones.readable("041 123 456") is None       # no region: cannot be searched for


# --- against the fake Salesforce --------------------------------------------------------

@pytest.mark.parametrize("typed", ["+386 41 123 456", "041/123-456", "(041) 123456",
                                   "00386 41 123 456"])
def test_the_fake_finds_the_lead_however_the_number_was_typed(fake_sf, typed):
    known = fake_sf.add("Lead", LastName="Novak", Company="F", Phone=typed)
    sf = destination_for(fake_sf)

    outcome = sf.deliver(job())

    assert outcome.external_ids["lead_id"] == known
    assert len(fake_sf.leads) == 1 and fake_sf.tasks[0]["WhoId"] == known
    assert fake_sf.calls == ["POST /services/data/v62.0/composite/batch",
                             "POST /services/data/v62.0/composite"]
    assert fake_sf.api_usage == 3   # the batch's two requests count apiece


def test_a_retry_finds_its_lead_through_the_task_before_search_shows_it(fake_sf):
    fake_sf.search_lag = True     # new records reach Salesforce's search index later
    sf = destination_for(fake_sf)

    first = sf.deliver(job())
    again = sf.deliver(job())      # the first answer was lost: the same delivery again

    assert again.external_ids == first.external_ids
    assert (len(fake_sf.leads), len(fake_sf.tasks)) == (1, 1)


def test_a_backlog_matches_phone_only_leads_and_shares_one_lead_per_person(fake_sf):
    lead = fake_sf.add("Lead", LastName="Novak", Company="F", Phone="041 123 456")
    contact = fake_sf.add("Contact", LastName="Kranjc", MobilePhone="031-222-333")
    sf = destination_for(fake_sf)
    batch = [job(1), job(2, phone="+38631222333", last_name="Kranjc"),
             job(3, phone="+38640555666", last_name="Zupan"),
             job(4, phone="+38640555666", last_name="Zupan"),
             job(5, email="ana@firma.example")]

    outcomes = sf.deliver_batch(batch)

    assert outcomes[1].external_ids["lead_id"] == lead
    assert outcomes[2].external_ids["contact_id"] == contact
    assert outcomes[3].external_ids["lead_id"] == outcomes[4].external_ids["lead_id"]
    assert len(fake_sf.leads) == 1 + 2 and len(fake_sf.tasks) == 5
    assert fake_sf.calls == ["POST /services/data/v62.0/composite/batch",
                             "POST /services/data/v62.0/composite",
                             "POST /services/data/v62.0/composite/sobjects"]

    again = sf.deliver_batch(batch)   # the round again, after a lost answer
    assert {k: v.external_ids for k, v in again.items()} == {
        k: v.external_ids for k, v in outcomes.items()}
    assert len(fake_sf.leads) == 3 and len(fake_sf.tasks) == 5


def test_the_fake_refuses_what_salesforce_refuses(fake_sf):
    from connector.adapters.errors import PermanentError
    client = destination_for(fake_sf).client
    with pytest.raises(PermanentError, match="MALFORMED_SEARCH"):
        client.request("GET", sosl.search_path(
            "FIND {041-123} IN PHONE FIELDS RETURNING Lead(Id)"))   # '-' unescaped
    with pytest.raises(PermanentError, match="INVALID_FIELD"):
        client.request("GET", sosl.search_path(
            'FIND {"041"} IN PHONE FIELDS RETURNING Lead(Id, Nickname__c)'))
    (answer,) = client.composite([{"method": "GET", "referenceId": "s", "url": client.path(
        sosl.search_path('FIND {"041"} IN PHONE FIELDS RETURNING Lead(Id)'))}], False)
    assert answer["httpStatusCode"] == 400   # Composite cannot carry a search
