"""What became of our Leads in Salesforce, read back as labels the judgement learns from."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from sqlalchemy import select

from connector.adapters.salesforce.outcomes import lead_outcomes
from connector.domain.outcomes import Outcome, OutcomeRules, label_of
from connector.outcomes import sync_outcomes
from connector.store.models import DeliveryRow, LabelRow, LeadRow
from tests.conftest import TOKEN
from tests.integration.test_salesforce_adapter import INSTANCE, adapter, creds, token_ok  # noqa: F401
from tests.integration.test_salesforce_backlog import destination_for

RULES = OutcomeRules.from_dict({
    "converted": "prospect", "unqualified_statuses": ["Unqualified"],
    "reason_field": "Unqualified_Reason__c",
    "reasons": {"Vendor": "vendor", "Competitor": "competitor", "Duplicate": ""}}, "test")
NOW = datetime(2026, 6, 14, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize("outcome, expected", [
    (Outcome("00Q1", "Closed - Converted", True), ("prospect", "converted in Salesforce")),
    (Outcome("00Q1", "Unqualified", False, "Vendor"), ("vendor", "Unqualified in Salesforce (Vendor)")),
    (Outcome("00Q1", "unqualified", False, "competitor"), ("competitor", None)),
    (Outcome("00Q1", "Unqualified", False, "Duplicate"), None),   # says nothing of the person
    (Outcome("00Q1", "Unqualified", False, "Too small"), None),   # a genuine, poor-fit buyer
    (Outcome("00Q1", "Working - Contacted", False), None),
])
def test_what_an_outcome_teaches(outcome, expected):
    found = label_of(outcome, RULES)
    if expected is None:
        assert found is None
    else:
        assert found[0].value == expected[0]
        assert expected[1] is None or found[1] == expected[1]


def test_a_bad_category_in_the_outcomes_names_it():
    with pytest.raises(ValueError, match="outcomes.reasons.Spammer: 'spammer' is not a category"):
        OutcomeRules.from_dict({"reasons": {"Spammer": "spammer"}}, "salesforce.yaml")


@responses.activate
def test_leads_are_read_two_hundred_at_a_time_and_pages_followed(adapter):  # noqa: F811
    token_ok()
    query = f"{INSTANCE}/services/data/v62.0/query"
    pages = {"more": {"totalSize": 2, "done": False,
                      "nextRecordsUrl": "/services/data/v62.0/query/01gNEXT-2000",
                      "records": [{"attributes": {"type": "Lead"}, "Id": "00Q0",
                                   "Status": "Unqualified", "IsConverted": False,
                                   "Unqualified_Reason__c": "Vendor"}]}}
    responses.get(query, json=pages["more"])
    responses.get(f"{query}/01gNEXT-2000", json={"totalSize": 2, "done": True, "records": [
        {"attributes": {"type": "Lead"}, "Id": "00Q1", "Status": "Closed - Converted",
         "IsConverted": True, "Unqualified_Reason__c": None}]})
    responses.get(query, json={"totalSize": 0, "done": True, "records": []})
    ids = [f"00Q{i:03d}" for i in range(250)] + ["00Q'; DELETE"]

    found = lead_outcomes(adapter.client, ids, "Unqualified_Reason__c")

    assert [(o.lead_id, o.converted, o.reason) for o in found] == [
        ("00Q0", False, "Vendor"), ("00Q1", True, None)]
    soql = [parse_qs(urlsplit(c.request.url).query)["q"][0] for c in responses.calls
            if "q=" in c.request.url]
    assert len(soql) == 2 and soql[0].startswith(
        "SELECT Id, Status, IsConverted, Unqualified_Reason__c FROM Lead WHERE Id IN ('00Q")
    assert "'00Q\\'; DELETE'" in soql[0] + soql[1]  # quoted, never part of the syntax
    with pytest.raises(ValueError, match="not a field name"):
        lead_outcomes(adapter.client, ids, "Reason__c FROM User")


def test_sync_labels_our_leads_from_their_fate_and_routing_follows(client, runtime, fake_sf):
    resp = client.post(f"/hooks/generic?token={TOKEN}", json={
        "form_name": "Povpraševanje", "name": "Marko Horvat", "email": "marko@firma.si",
        "phone": "041 555 123", "message": "Nujno potrebujemo ponudbo, pokličite me danes."})
    lead_id = resp.json["lead_id"]
    sf = destination_for(fake_sf)
    sf.fields = replace(sf.fields, outcomes=RULES)
    with runtime.db.transaction() as s:
        delivery = s.scalars(select(DeliveryRow).where(DeliveryRow.lead_id == lead_id,
                                                       DeliveryRow.destination == "salesforce")).one()
        sf_lead = fake_sf.add("Lead", LastName="Horvat", Company="Firma", Status="Unqualified",
                              Unqualified_Reason__c="Vendor")
        delivery.status, delivery.external_ids = "delivered", {"lead_id": sf_lead}

    done = sync_outcomes(runtime.db, sf, runtime.rules, ["salesforce", "mailchimp"], NOW)

    assert (done.leads, done.labelled, done.changed) == (1, 1, 1)
    with runtime.db.transaction() as s:
        lead = s.get(LeadRow, lead_id)
        assert (lead.category, lead.temperature) == ("vendor", "cold")
        (label,) = s.scalars(select(LabelRow)).all()
        assert (label.source, label.note) == ("salesforce", "Unqualified in Salesforce (Vendor)")
    # Told once: the same outcome again adds nothing.
    assert sync_outcomes(runtime.db, sf, runtime.rules, [], NOW).labelled == 0
