"""The Salesforce adapter on the wire, against the documented request and response
shapes (tests/fixtures/api/salesforce/, copied from the shared API notes)."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, unquote

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connector.adapters.base import DeliveryJob
from connector.adapters.errors import DestinationPaused, PermanentError, RetryableError
from connector.adapters.salesforce.auth import Credentials, TokenSource
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.fields import FieldMap
from connector.adapters.salesforce.realtime import SalesforceDestination
from connector.settings import PROJECT_ROOT

SHAPES = Path(__file__).parent.parent / "fixtures" / "api" / "salesforce"
LOGIN = "https://login.salesforce.com"
INSTANCE = "https://acme-leads.my.salesforce.com"
TOKEN_URL = LOGIN + "/services/oauth2/token"
COMPOSITE = INSTANCE + "/services/data/v62.0/composite"
FIELDS = FieldMap.from_dict(
    __import__("yaml").safe_load((PROJECT_ROOT / "mappings" / "salesforce.yaml").read_text()),
    "salesforce.yaml")


def shape(name: str) -> dict:
    return json.loads(next(SHAPES.glob(f"{name}*.json")).read_text())


def response_of(name: str) -> dict:
    return shape(name)["response"]


HOT = {"submission_id": 42, "lead_id": 7, "plugin": "cf7", "form_name": "Kontakt",
       "email": "jana.novak@example.org", "first_name": "Jana", "last_name": "Novák",
       "company": "Novák Stavby s.r.o.", "phone": "+420 603 123 456", "job_title": "jednatelka",
       "message": "Potřebujeme nový web, zavolejte mi.", "temperature": "hot",
       "category": "prospect", "score": 72,
       "dimensions": {"fit": 20, "interest": 6, "behaviour": 21, "timing": 25},
       "reasons": ["+8 timing: asks to be called"], "product_interests": ["Web"],
       "tracking": {"utm_source": "google", "page_url": "https://a.cz/kontakt"}}


def job(lead: dict = HOT) -> DeliveryJob:
    return DeliveryJob(delivery_id=1, idempotency_key="42:salesforce:lead", action="lead",
                       attempt=1, lead=dict(lead))


@pytest.fixture
def creds() -> Credentials:
    return Credentials(LOGIN, "3MVG9-consumer-key", "consumer-secret", "integration@acme.example",
                       "S3cret", "TOKEN123")


@pytest.fixture
def adapter(creds):
    session = requests.Session()
    client = SalesforceClient(session, TokenSource(session, creds), "62.0")
    return SalesforceDestination(client, FIELDS, lead_source="Web",
                                 task_owner_ids=("0055g00000Bc4TuAAJ",), today=lambda: "2026-11-27")


def token_ok():
    responses.post(TOKEN_URL, json=response_of("01-oauth-password-token")["body"])


def lookup(lead=None, contact=None, task=None, usage="api-usage=1474/15000"):
    def records(record):
        return {"totalSize": int(bool(record)), "done": True, "records": [record] if record else []}
    body = {"compositeResponse": [
        {"body": records(task), "httpHeaders": {}, "httpStatusCode": 200, "referenceId": "task"},
        {"body": records(lead), "httpHeaders": {}, "httpStatusCode": 200, "referenceId": "lead"},
        {"body": records(contact), "httpHeaders": {}, "httpStatusCode": 200,
         "referenceId": "contact"}]}
    return responses.post(COMPOSITE, json=body, headers={"Sforce-Limit-Info": usage})


def created(lead_id="00Q5g00000Kt7mQEAR", task_id="00T5g00000Pw3vLEAR", status=201):
    results = [r for r in response_of("16-composite-lead-and-task")["body"]["compositeResponse"]
               if r["referenceId"] != "refQueue"]
    results[0]["body"]["id"], results[1]["body"]["id"] = lead_id, task_id
    results[0]["httpStatusCode"] = status
    return responses.post(COMPOSITE, json={"compositeResponse": results})


def sent(call) -> dict:
    return json.loads(call.request.body)


# --- authentication -----------------------------------------------------------------

@responses.activate
def test_password_flow_sends_password_and_security_token_together(creds):
    token_ok()
    token = TokenSource(requests.Session(), creds).get()
    form = parse_qs(responses.calls[0].request.body)
    assert form["grant_type"] == ["password"]
    assert form["password"] == ["S3cretTOKEN123"]
    assert form["client_id"] == ["3MVG9-consumer-key"]
    assert token.instance_url == INSTANCE


@responses.activate
def test_jwt_bearer_flow_signs_the_documented_claims():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    responses.post(TOKEN_URL, json=response_of("03-oauth-jwt-bearer-token")["body"])
    creds = Credentials(LOGIN, "3MVG9-consumer-key", username="integration@acme.example",
                        private_key=pem)
    assert creds.flow == "jwt"

    TokenSource(requests.Session(), creds, clock=lambda: 1_800_000_000).get()

    form = parse_qs(responses.calls[0].request.body)
    assert form["grant_type"] == ["urn:ietf:params:oauth:grant-type:jwt-bearer"]
    claims = jwt.decode(form["assertion"][0], key.public_key(), algorithms=["RS256"],
                        audience=LOGIN, options={"verify_exp": False})
    assert claims == {"iss": "3MVG9-consumer-key", "sub": "integration@acme.example",
                      "aud": LOGIN, "exp": 1_800_000_180}


@responses.activate
def test_client_credentials_flow_posts_to_my_domain():
    my_domain = "https://acme-leads.my.salesforce.com"
    responses.post(my_domain + "/services/oauth2/token",
                   json=response_of("05-oauth-client-credentials-token")["body"])
    creds = Credentials(my_domain, "key", "secret")
    assert creds.flow == "client_credentials"
    TokenSource(requests.Session(), creds).get()
    assert parse_qs(responses.calls[0].request.body)["grant_type"] == ["client_credentials"]


@pytest.mark.parametrize("name", ["02-oauth-password-authentication-failure",
                                  "04-oauth-jwt-not-approved",
                                  "06-oauth-client-credentials-wrong-domain"])
@responses.activate
def test_refused_credentials_pause_salesforce_with_its_words(creds, name):
    r = response_of(name)
    responses.post(TOKEN_URL, status=r["status"], json=r["body"])
    with pytest.raises(DestinationPaused) as exc:
        TokenSource(requests.Session(), creds).get()
    assert str(exc.value) == "authentication failed: invalid_grant"
    assert exc.value.vendor_message == r["body"]["error_description"]
    assert exc.value.pause_seconds >= 600


# --- the real-time path ---------------------------------------------------------------

@responses.activate
def test_a_new_hot_lead_is_one_lead_and_one_task_in_two_calls(adapter):
    token_ok()
    lookup()
    created()

    result = adapter.deliver(job())

    assert result.external_ids == {"lead_id": "00Q5g00000Kt7mQEAR", "task_id": "00T5g00000Pw3vLEAR"}
    assert adapter.client.calls == 2
    queries = sent(responses.calls[1])["compositeRequest"]
    urls = [unquote(q["url"]).replace("+", " ") for q in queries]
    assert any("FROM Lead WHERE Email = 'jana.novak@example.org' AND IsConverted = false" in u
               for u in urls)
    assert any("FROM Contact WHERE Email = 'jana.novak@example.org'" in u for u in urls)
    assert any("FROM Task WHERE Subject LIKE '%(web #42)%'" in u for u in urls)
    write = sent(responses.calls[2])
    assert write["allOrNone"] is True
    lead, task = write["compositeRequest"]
    assert (lead["method"], lead["url"]) == ("POST", "/services/data/v62.0/sobjects/Lead")
    assert {k: lead["body"][k] for k in ("FirstName", "LastName", "Email", "Company", "Rating",
                                         "LeadSource", "Status", "Title")} == {
        "FirstName": "Jana", "LastName": "Novák", "Email": "jana.novak@example.org",
        "Company": "Novák Stavby s.r.o.", "Rating": "Hot", "LeadSource": "Web",
        "Status": "Open - Not Contacted", "Title": "jednatelka"}
    assert "zavolejte mi" in lead["body"]["Description"]
    assert "+8 timing: asks to be called" in lead["body"]["Description"]
    assert task["body"] == task["body"] | {
        "WhoId": "@{refLead.id}", "Priority": "High", "Status": "Not Started",
        "ActivityDate": "2026-11-27", "OwnerId": "0055g00000Bc4TuAAJ",
        "Subject": "Call back now: Jana Novák (web #42)"}


@responses.activate
def test_an_existing_lead_is_updated_and_its_owner_gets_the_task(adapter):
    token_ok()
    lookup(lead={"Id": "00Q5g00000JbX2cEAF", "OwnerId": "0055g00000OwnerAAA"})
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": None, "httpHeaders": {}, "httpStatusCode": 204, "referenceId": "refLead"},
        {"body": response_of("11-create-task")["body"], "httpHeaders": {}, "httpStatusCode": 201,
         "referenceId": "refTask"}]})

    result = adapter.deliver(job())

    lead, task = sent(responses.calls[2])["compositeRequest"]
    assert (lead["method"], lead["url"]) == ("PATCH",
                                             "/services/data/v62.0/sobjects/Lead/00Q5g00000JbX2cEAF")
    assert "OwnerId" not in lead["body"]
    assert (task["body"]["WhoId"], task["body"]["OwnerId"]) == ("00Q5g00000JbX2cEAF",
                                                                "0055g00000OwnerAAA")
    assert result.external_ids == {"lead_id": "00Q5g00000JbX2cEAF", "task_id": "00T5g00000Pw3vLEAR"}


@responses.activate
def test_a_customer_gets_the_task_on_the_contact_and_no_lead(adapter):
    token_ok()
    lookup(contact={"Id": "0035g00000CtctAAA", "OwnerId": "0055g00000AcctOwnr",
                    "AccountId": "0015g00000AccAAA"})
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": response_of("11-create-task")["body"], "httpHeaders": {}, "httpStatusCode": 201,
         "referenceId": "refTask"}]})

    result = adapter.deliver(job(dict(HOT, category="customer")))

    (task,) = sent(responses.calls[2])["compositeRequest"]
    assert task["body"]["WhoId"] == "0035g00000CtctAAA"
    assert task["body"]["OwnerId"] == "0055g00000AcctOwnr"
    assert result.external_ids == {"contact_id": "0035g00000CtctAAA",
                                   "task_id": "00T5g00000Pw3vLEAR"}


@responses.activate
def test_a_retry_after_a_lost_answer_creates_nothing_twice(adapter):
    token_ok()
    lookup(lead={"Id": "00Q5g00000Kt7mQEAR", "OwnerId": "00G5g000001RkWzEAK"},
           task={"Id": "00T5g00000Pw3vLEAR", "WhoId": "00Q5g00000Kt7mQEAR"})

    result = adapter.deliver(job())

    assert adapter.client.calls == 1  # found both: nothing to write
    assert result.external_ids == {"lead_id": "00Q5g00000Kt7mQEAR", "task_id": "00T5g00000Pw3vLEAR"}


@responses.activate
def test_every_value_in_soql_is_escaped(adapter):
    token_ok()
    lookup()
    created()
    adapter.deliver(job(dict(HOT, email="o'neil\\x@example.org")))
    urls = [unquote(q["url"]).replace("+", " ")
            for q in sent(responses.calls[1])["compositeRequest"]]
    assert any("Email = 'o\\'neil\\\\x@example.org'" in u for u in urls)


@responses.activate
def test_assignment_rules_header_and_lead_owner_when_configured(adapter):
    adapter.auto_assign, adapter.lead_owner_id = "FALSE", "00G5g000001RkWzEAK"
    token_ok()
    lookup()
    created()
    adapter.deliver(job())
    lead, task = sent(responses.calls[2])["compositeRequest"]
    assert lead["httpHeaders"] == {"Sforce-Auto-Assign": "FALSE"}
    assert lead["body"]["OwnerId"] == "00G5g000001RkWzEAK"
    assert task["body"]["OwnerId"] == "0055g00000Bc4TuAAJ"  # a queue owns no Task: round robin


# --- errors -------------------------------------------------------------------------

@responses.activate
def test_an_expired_session_gets_one_new_token_and_the_same_request(adapter):
    token_ok()
    token_ok()
    r = response_of("20-invalid-session-401")
    responses.post(COMPOSITE, status=401, json=r["body"])
    lookup()
    created()

    adapter.deliver(job())

    token_calls = [c for c in responses.calls if c.request.url == TOKEN_URL]
    assert len(token_calls) == 2


@responses.activate
def test_a_second_401_pauses_instead_of_looping(adapter):
    token_ok()
    token_ok()
    r = response_of("20-invalid-session-401")
    responses.post(COMPOSITE, status=401, json=r["body"])
    responses.post(COMPOSITE, status=401, json=r["body"])
    with pytest.raises(DestinationPaused):
        adapter.deliver(job())


@responses.activate
def test_request_limit_exceeded_pauses_salesforce(adapter):
    token_ok()
    r = response_of("21-request-limit-exceeded-403")
    responses.post(COMPOSITE, status=r["status"], json=r["body"])
    with pytest.raises(DestinationPaused) as exc:
        adapter.deliver(job())
    assert str(exc.value) == "403 REQUEST_LIMIT_EXCEEDED"
    assert exc.value.pause_seconds == 3600


@pytest.mark.parametrize("name, status", [("24-unable-to-lock-row", None),
                                          ("27-server-unavailable-503", None)])
@responses.activate
def test_transient_errors_are_retryable(adapter, name, status):
    token_ok()
    lookup()
    r = response_of(name)
    if r["status"] >= 500:
        responses.post(COMPOSITE, status=r["status"], json=r["body"])
    else:  # inside the composite answer, as subrequest results come
        responses.post(COMPOSITE, json={"compositeResponse": [
            {"body": r["body"], "httpHeaders": {}, "httpStatusCode": r["status"],
             "referenceId": "refLead"},
            {"body": [{"errorCode": "PROCESSING_HALTED", "message": "rolled back"}],
             "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "refTask"}]})
    with pytest.raises(RetryableError) as exc:
        adapter.deliver(job())
    assert not isinstance(exc.value, DestinationPaused)


@responses.activate
def test_an_html_maintenance_page_is_retryable(adapter):
    token_ok()
    responses.post(COMPOSITE, status=503, body="<html>Maintenance</html>",
                   content_type="text/html")
    with pytest.raises(RetryableError) as exc:
        adapter.deliver(job())
    assert "Maintenance" in exc.value.vendor_message


@pytest.mark.parametrize("name", ["10-create-lead-required-field-missing",
                                  "22-field-custom-validation", "23-string-too-long",
                                  "25-invalid-field"])
@responses.activate
def test_validation_errors_are_permanent_with_salesforces_words(adapter, name):
    token_ok()
    lookup()
    r = response_of(name)
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": [{"errorCode": "PROCESSING_HALTED",
                   "message": "The transaction was rolled back since another operation in the "
                              "same transaction failed."}],
         "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "refTask"},
        {"body": r["body"], "httpHeaders": {}, "httpStatusCode": r["status"],
         "referenceId": "refLead"}]})
    with pytest.raises(PermanentError) as exc:
        adapter.deliver(job())
    assert str(exc.value) == f"400 {r['body'][0]['errorCode']}"
    assert exc.value.vendor_message == r["body"][0]["message"]


@responses.activate
def test_the_documented_all_or_none_failure_names_the_real_cause(adapter):
    token_ok()
    lookup()
    responses.post(COMPOSITE, json=response_of("17-composite-allornone-failure")["body"])
    with pytest.raises(PermanentError) as exc:
        adapter.deliver(job())
    assert str(exc.value) == "400 INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"


@responses.activate
def test_a_bad_object_is_permanent(adapter):
    token_ok()
    r = response_of("26-not-found-invalid-type")
    responses.post(COMPOSITE, status=r["status"], json=r["body"])
    with pytest.raises(PermanentError, match="404 NOT_FOUND"):
        adapter.deliver(job())


@responses.activate
def test_duplicates_detected_updates_the_match_and_attaches_the_task(adapter):
    token_ok()
    lookup()
    dup = response_of("09-create-lead-duplicates-detected")
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": dup["body"], "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "refLead"},
        {"body": [{"errorCode": "PROCESSING_HALTED", "message": "rolled back"}],
         "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "refTask"}]})
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": None, "httpHeaders": {}, "httpStatusCode": 204, "referenceId": "refLead"},
        {"body": response_of("11-create-task")["body"], "httpHeaders": {}, "httpStatusCode": 201,
         "referenceId": "refTask"}]})

    result = adapter.deliver(job())

    lead, task = sent(responses.calls[3])["compositeRequest"]
    assert lead["url"].endswith("/sobjects/Lead/00Q5g00000JbX2cEAF")
    assert task["body"]["WhoId"] == "00Q5g00000JbX2cEAF"
    assert result.external_ids["lead_id"] == "00Q5g00000JbX2cEAF"


@responses.activate
def test_near_the_daily_limit_only_hot_leads_go(adapter):
    token_ok()
    lookup(usage="api-usage=14200/15000")
    created()
    adapter.deliver(job())        # hot, and teaches the adapter the usage
    with pytest.raises(RetryableError) as exc:
        adapter.deliver(job(dict(HOT, temperature="warm", submission_id=43)))
    assert exc.value.retry_after == 3600 and "14200/15000" in exc.value.vendor_message


@responses.activate
def test_a_paused_salesforce_burns_no_attempts_and_holds_the_rest(runtime, adapter):
    from datetime import datetime, timedelta, timezone
    from sqlalchemy import select
    from connector.domain.submission import RawRequest
    from connector.store.models import DeliveryRow
    from connector.wakeup import LocalWakeup
    from connector.worker import Worker
    now = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
    runtime.ingest.configured = frozenset({"salesforce"})
    for i in range(2):
        body = json.dumps({"email": f"a{i}@firma.si", "phone": "041 123 456", "company": "F",
                           "form_name": "Povpraševanje za ponudbo",
                           "message": "Nujno potrebujemo ponudbo, pokličite me danes."})
        runtime.ingest.accept(RawRequest("generic", "POST", "application/json", body.encode(),
                                         "", {}, None, now), now)
    token_ok()
    r = response_of("21-request-limit-exceeded-403")
    responses.post(COMPOSITE, status=r["status"], json=r["body"])
    worker = Worker(runtime.db, {"salesforce": adapter}, LocalWakeup(), lease_seconds=60,
                    poll_seconds=0.1, batch_size=1, clock=lambda: now, sleep=lambda s: None)

    assert worker.run_once() == 1
    assert worker.run_once() == 0          # paused: the second lead waits untried

    with runtime.db.transaction() as s:
        rows = s.scalars(select(DeliveryRow).where(DeliveryRow.destination == "salesforce")
                         .order_by(DeliveryRow.id)).all()
        assert [(d.status, d.attempts) for d in rows] == [("retrying", 0), ("pending", 0)]
        assert rows[0].next_attempt_at == now + timedelta(hours=1)
        assert rows[0].last_error == "403 REQUEST_LIMIT_EXCEEDED"
    assert len([c for c in responses.calls if c.request.url == COMPOSITE]) == 1


@responses.activate
def test_the_documented_dependent_halt_names_the_real_cause(adapter):
    token_ok()
    lookup()
    responses.post(COMPOSITE, json=response_of("18-composite-dependent-halted")["body"])
    with pytest.raises(PermanentError) as exc:
        adapter.deliver(job())
    assert str(exc.value) == "400 REQUIRED_FIELD_MISSING"
    assert exc.value.vendor_message == "Required fields are missing: [Company]"


@responses.activate
def test_check_describes_lead_and_task_and_names_missing_fields(adapter):
    from connector.adapters.salesforce.check import check
    from connector.adapters.salesforce.fields import FieldMap
    token_ok()
    described = response_of("28-describe-lead")["body"]
    responses.get(INSTANCE + "/services/data/v62.0/sobjects/Lead/describe", json=described)
    responses.get(INSTANCE + "/services/data/v62.0/sobjects/Task/describe",
                  json={"name": "Task", "fields": [{"name": n} for n in (
                      "WhoId", "Subject", "Priority", "Status", "ActivityDate", "Description",
                      "TaskSubtype", "OwnerId")]})
    responses.get(INSTANCE + "/services/data/v62.0/sobjects/Contact/describe",
                  json={"name": "Contact", "fields": [{"name": n} for n in (
                      "Id", "OwnerId", "LastName", "Phone")]})   # MobilePhone hidden
    fields = FieldMap({**FIELDS.lead, "Lead_Score__c": "score"}, FIELDS.defaults)

    good, bad = check(adapter.client, fields)

    assert any("logged in" in line for line in good)
    assert any("Task has every field" in line for line in good)
    have = {f["name"] for f in described["fields"]}
    missing = sorted(({"FirstName", "LastName", "Email", "Phone", "Company", "Title", "Website",
                       "Rating", "LeadSource", "Description", "Status", "Lead_Score__c"}) - have)
    assert bad == [f"Salesforce: Lead lacks fields the mapping writes: {', '.join(missing)} "
                   "(create them, or change mappings/salesforce.yaml)",
                   "Salesforce: the integration user cannot read Contact.MobilePhone, "
                   "Lead.MobilePhone, Lead.Phone, which the look-up of leads without an email "
                   "address needs (field-level security)"]


@pytest.mark.parametrize("name, created", [("13-upsert-lead-created", True),
                                           ("14-upsert-lead-updated", False)])
@responses.activate
def test_with_an_external_id_field_new_leads_are_upserted(adapter, name, created):
    adapter.external_id_field = "WP_Submission_Id__c"
    token_ok()
    lookup()
    r = response_of(name)
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": r["body"], "httpHeaders": {}, "httpStatusCode": r["status"],
         "referenceId": "refLead"},
        {"body": response_of("11-create-task")["body"], "httpHeaders": {}, "httpStatusCode": 201,
         "referenceId": "refTask"}]})

    result = adapter.deliver(job())

    lead, _ = sent(responses.calls[2])["compositeRequest"]
    assert (lead["method"], lead["url"]) == (
        "PATCH", "/services/data/v62.0/sobjects/Lead/WP_Submission_Id__c/wplc-42")
    assert "WP_Submission_Id__c" not in lead["body"]
    assert result.external_ids["lead_id"] == r["body"]["id"]
    assert r["body"]["created"] is created


@responses.activate
def test_an_external_id_shared_by_several_leads_is_permanent(adapter):
    adapter.external_id_field = "Email"
    token_ok()
    lookup()
    r = response_of("15-upsert-lead-multiple-matches")
    responses.post(COMPOSITE, json={"compositeResponse": [
        {"body": r["body"], "httpHeaders": {}, "httpStatusCode": 300, "referenceId": "refLead"},
        {"body": [{"errorCode": "PROCESSING_HALTED", "message": "rolled back"}],
         "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "refTask"}]})
    with pytest.raises(PermanentError, match="300 MULTIPLE_CHOICES"):
        adapter.deliver(job())
