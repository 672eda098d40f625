"""Many due leads at once (after an outage, or an import): up to 200 per round in three
API calls, sObject Collections inside Composite, each lead's own result mapped back.

1. One composite of three queries for the whole batch: open Leads and Contacts by
   email (IN), and Tasks already made for these submissions (by reference).
2. One composite: the new Leads created, the known ones updated (allOrNone false:
   one bad record does not hold back the other 199).
3. One collection: the Tasks, on the Leads and Contacts now known by id.

Two leads of one person in a batch share one Lead. A lead whose create fails gets
that record's error; the others go on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.adapters.base import Delivered, DeliveryJob
from connector.adapters.errors import DeliveryError, PermanentError
from connector.adapters.salesforce.errors import classify, composite_failure
from connector.adapters.salesforce.fields import lead_fields, reference
from connector.adapters.salesforce.soql import like_literal, literal, query_path

if TYPE_CHECKING:  # realtime.py hands itself over; importing it here would be circular
    from connector.adapters.salesforce.realtime import SalesforceDestination

BATCH = 200   # sObject Collections take at most 200 records a call

Outcome = Delivered | DeliveryError


def deliver_batch(sf: "SalesforceDestination", jobs: list[DeliveryJob]) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    for start in range(0, len(jobs), BATCH):
        outcomes.update(_round(sf, jobs[start:start + BATCH]))
    return outcomes


def _round(sf: "SalesforceDestination", jobs: list[DeliveryJob]) -> dict[int, Outcome]:
    client = sf.client
    outcomes: dict[int, Outcome] = {}
    leads, contacts, tasks = _look_up(sf, jobs)

    # 2. Leads: one per address, created or updated; contacts are left alone.
    new: dict[str, dict[str, Any]] = {}
    updates: dict[str, dict[str, Any]] = {}
    for job in jobs:
        email = (job.lead.get("email") or "").lower()
        if email in contacts:
            continue
        fields = lead_fields(job.lead, sf.fields, sf.lead_source)
        if email in leads:
            updates[leads[email]["Id"]] = {k: v for k, v in fields.items()
                                          if v not in sf.fields.defaults.values()}
        elif email not in new:
            body = dict(fields, Status=sf.fields.status)
            if sf.lead_owner_id:
                body["OwnerId"] = sf.lead_owner_id
            new[email or f"#{job.delivery_id}"] = body
    created: dict[str, str] = {}
    failed: dict[str, DeliveryError] = {}
    subrequests = []
    if new:
        subrequests.append({"method": "POST", "url": client.path("composite/sobjects"),
                            "referenceId": "newLeads", "body": {"allOrNone": False, "records": [
                                {"attributes": {"type": "Lead"}, **b} for b in new.values()]}})
    if updates:
        subrequests.append({"method": "PATCH", "url": client.path("composite/sobjects"),
                            "referenceId": "knownLeads", "body": {"allOrNone": False, "records": [
                                {"attributes": {"type": "Lead"}, "Id": i, **b}
                                for i, b in updates.items()]}})
    if subrequests:
        results = {r["referenceId"]: r for r in client.composite(subrequests, all_or_none=False)}
        if "newLeads" in results:
            records = _records(results["newLeads"])
            for key, record in zip(new, records, strict=True):
                if record.get("success"):
                    created[key] = record["id"]
                else:
                    failed[key] = _record_error(record)
        if "knownLeads" in results:
            known = {i: r for i, r in zip(updates, _records(results["knownLeads"]), strict=True)}
            for email, lead in list(leads.items()):
                record = known.get(lead["Id"])
                if record is not None and not record.get("success"):
                    failed[email] = _record_error(record)

    # 3. Tasks on whoever is now known.
    pending: list[tuple[DeliveryJob, str, str]] = []
    for job in jobs:
        email = (job.lead.get("email") or "").lower()
        key = email or f"#{job.delivery_id}"
        if key in failed:
            outcomes[job.delivery_id] = failed[key]
            continue
        who = (contacts.get(email) or leads.get(email) or {}).get("Id") or created.get(key)
        owner = (contacts.get(email) or leads.get(email) or {}).get("OwnerId") or sf.lead_owner_id
        if not who:
            outcomes[job.delivery_id] = PermanentError("no record id", "Salesforce returned none")
            continue
        if task := tasks.get(reference(job.lead)):
            outcomes[job.delivery_id] = _delivered(who, task["Id"])
            continue
        pending.append((job, who, owner))
    if pending:
        resp = client.request("POST", "composite/sobjects", json={"allOrNone": False, "records": [
            {"attributes": {"type": "Task"}, **sf.task_fields(job.lead, reference(job.lead), who, owner)}
            for job, who, owner in pending]})
        for (job, who, _), record in zip(pending, resp.json(), strict=True):
            outcomes[job.delivery_id] = (_delivered(who, record["id"]) if record.get("success")
                                         else _record_error(record))
    return outcomes


def _look_up(sf: "SalesforceDestination", jobs: list[DeliveryJob]):
    client = sf.client
    emails = sorted({(j.lead.get("email") or "").lower() for j in jobs} - {""})
    refs = [f"({reference(j.lead)})" for j in jobs]
    queries = {"tasks": "SELECT Id, Subject FROM Task WHERE ("
                        + " OR ".join(f"Subject LIKE {like_literal(r)}" for r in refs) + ")"}
    if emails:
        listed = ", ".join(literal(e) for e in emails)
        queries["leads"] = (f"SELECT Id, OwnerId, Email FROM Lead WHERE Email IN ({listed}) "
                            "AND IsConverted = false ORDER BY CreatedDate")
        queries["contacts"] = (f"SELECT Id, OwnerId, Email FROM Contact WHERE Email IN ({listed}) "
                               "ORDER BY CreatedDate")
    results = client.composite(
        [{"method": "GET", "url": client.path(query_path(q)), "referenceId": name}
         for name, q in queries.items()], all_or_none=False)
    if failure := composite_failure(results):
        raise failure[1]
    found = {r["referenceId"]: (r.get("body") or {}).get("records") or [] for r in results}
    leads: dict[str, dict] = {}
    for record in found.get("leads", []):
        leads.setdefault(str(record.get("Email", "")).lower(), record)  # the oldest one
    contacts: dict[str, dict] = {}
    for record in found.get("contacts", []):
        contacts.setdefault(str(record.get("Email", "")).lower(), record)
    tasks = {}
    for record in found["tasks"]:
        subject = str(record.get("Subject", ""))
        for job in jobs:
            if f"({reference(job.lead)})" in subject:
                tasks[reference(job.lead)] = record
    return leads, contacts, tasks


def _records(result: dict) -> list[dict]:
    if result.get("httpStatusCode", 200) >= 400:
        raise classify(result["httpStatusCode"], result.get("body"))
    return result.get("body") or []


def _record_error(record: dict) -> DeliveryError:
    errors = record.get("errors") or [{}]
    first = errors[0]
    return classify(400, [{"errorCode": first.get("statusCode", "UNKNOWN"),
                           "message": first.get("message", "")}])


def _delivered(who: str, task_id: str) -> Delivered:
    key = "contact_id" if who.startswith("003") else "lead_id"
    return Delivered({key: who, "task_id": task_id})
