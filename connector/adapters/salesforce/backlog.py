"""Many due leads at once (after an outage, or an import): up to 200 per round in three
API calls, sObject Collections inside Composite, each lead's own result mapped back;
from a thousand at once, the Bulk API writes them (three jobs for any number).

1. One composite of three queries for the whole batch: open Leads and Contacts by
   email (IN), and Tasks already made for these submissions (by reference). When
   some leads have a phone and no email, a Composite Batch instead, which also
   carries phone searches, ten numbers each (phones.py; Composite cannot carry a
   search, and Salesforce counts each subrequest of a batch against the allowance).
2. One composite: the new Leads created, the known ones updated (allOrNone false:
   one bad record does not hold back the other 199).
3. One collection: the Tasks, on the Leads and Contacts now known by id.

Two leads of one person (one address, or one number without an address) in a batch
share one Lead. A lead whose Task was made before (a round retried after a lost
answer) is done: its Task names its record. A lead whose create fails gets that
record's error; the others go on.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connector.adapters.base import Delivered, DeliveryJob
from connector.adapters.errors import DeliveryError, PermanentError
from connector.adapters.salesforce import phones
from connector.adapters.salesforce.bulk import BulkWriter, RecordResult
from connector.adapters.salesforce.errors import classify, composite_failure
from connector.adapters.salesforce.fields import external_key, lead_fields, reference
from connector.adapters.salesforce.soql import like_literal, literal, query_path
from connector.adapters.salesforce.sosl import search_path, search_records

if TYPE_CHECKING:  # realtime.py hands itself over; importing it here would be circular
    from connector.adapters.salesforce.realtime import SalesforceDestination

BATCH = 200      # sObject Collections take at most 200 records a call
BULK_AT = 1_000  # from this many leads at once, the Bulk API writes them
NUMBERS_PER_SEARCH = 10   # 20 searches for 200 leads: within a batch's 25 subrequests

Outcome = Delivered | DeliveryError


def deliver_batch(sf: "SalesforceDestination", jobs: list[DeliveryJob]) -> dict[int, Outcome]:
    if len(jobs) >= BULK_AT:
        # Thousands: look them up 200 at a time, write them all in three Bulk API jobs.
        found: tuple[dict, dict, dict] = ({}, {}, {})
        for start in range(0, len(jobs), BATCH):
            for mine, more in zip(found, _look_up(sf, jobs[start:start + BATCH]), strict=True):
                for key, value in more.items():
                    mine.setdefault(key, value)
        return _round(sf, jobs, found, BulkWriter(sf.client, sf.api_version))
    outcomes: dict[int, Outcome] = {}
    for start in range(0, len(jobs), BATCH):
        chunk = jobs[start:start + BATCH]
        outcomes.update(_round(sf, chunk, _look_up(sf, chunk), None))
    return outcomes


def _round(sf: "SalesforceDestination", jobs: list[DeliveryJob], found: tuple[dict, dict, dict],
           bulk: BulkWriter | None) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    leads, contacts, tasks = found
    todo = []
    for job in jobs:
        if (task := tasks.get(reference(job.lead))) and task.get("WhoId"):
            outcomes[job.delivery_id] = _delivered(task["WhoId"], task["Id"])
        else:
            todo.append(job)
    jobs = todo

    # Leads: one per person, created or updated; contacts are left alone.
    new: dict[str, dict[str, Any]] = {}
    updates: dict[str, dict[str, Any]] = {}
    for job in jobs:
        key = person_key(job)
        if key in contacts:
            continue
        fields = lead_fields(job.lead, sf.fields, sf.lead_source)
        if key in leads:
            updates[leads[key]["Id"]] = {k: v for k, v in fields.items()
                                        if v not in sf.fields.defaults.values()}
        elif key not in new:
            body = dict(fields, Status=sf.fields.status)
            if sf.lead_owner_id:
                body["OwnerId"] = sf.lead_owner_id
            if sf.external_id_field:
                body[sf.external_id_field] = external_key(job.lead)
            new[key] = body
    created_results, updated_results = _write_leads(sf, new, updates, bulk)
    created: dict[str, str] = {}
    failed: dict[str, DeliveryError] = {}
    for key, result in zip(new, created_results, strict=True):
        if result.success and result.id:
            created[key] = result.id
        else:
            failed[key] = result.error or PermanentError("no record id", "")
    outcome_of_update = dict(zip(updates, updated_results, strict=True))
    for key, lead in leads.items():
        result = outcome_of_update.get(lead["Id"])
        if result is not None and not result.success:
            failed[key] = result.error or PermanentError("update failed", "")

    # Tasks on whoever is now known.
    pending: list[tuple[DeliveryJob, str]] = []
    records: list[dict] = []
    for job in jobs:
        key = person_key(job)
        if key in failed:
            outcomes[job.delivery_id] = failed[key]
            continue
        known = contacts.get(key) or leads.get(key) or {}
        who = known.get("Id") or created.get(key)
        if not who:
            outcomes[job.delivery_id] = PermanentError("no record id", "Salesforce returned none")
            continue
        if task := tasks.get(reference(job.lead)):   # made before, its WhoId since cleared
            outcomes[job.delivery_id] = _delivered(who, task["Id"])
            continue
        owner = known.get("OwnerId") or sf.lead_owner_id
        pending.append((job, who))
        records.append({"attributes": {"type": "Task"},
                        **sf.task_fields(job.lead, reference(job.lead), who, owner)})
    for (job, who), result in zip(pending, _write_tasks(sf, records, bulk), strict=True):
        outcomes[job.delivery_id] = (_delivered(who, result.id) if result.success and result.id
                                     else result.error or PermanentError("no task id", ""))
    return outcomes


def _write_leads(sf: "SalesforceDestination", new: dict[str, dict], updates: dict[str, dict],
                 bulk: BulkWriter | None) -> tuple[list[RecordResult], list[RecordResult]]:
    upsert = sf.external_id_field
    if bulk is not None:
        return (bulk.write("Lead", "upsert" if upsert else "insert", list(new.values()),
                           external_id=upsert) if new else [],
                bulk.write("Lead", "update", [{"Id": i, **b} for i, b in updates.items()])
                if updates else [])
    client = sf.client
    subrequests = []
    if new:
        subrequests.append({"method": "PATCH" if upsert else "POST",
                            "url": client.path("composite/sobjects" + (
                                f"/Lead/{upsert}" if upsert else "")),
                            "referenceId": "newLeads", "body": {"allOrNone": False, "records": [
                                {"attributes": {"type": "Lead"}, **b} for b in new.values()]}})
    if updates:
        subrequests.append({"method": "PATCH", "url": client.path("composite/sobjects"),
                            "referenceId": "knownLeads", "body": {"allOrNone": False, "records": [
                                {"attributes": {"type": "Lead"}, "Id": i, **b}
                                for i, b in updates.items()]}})
    if not subrequests:
        return [], []
    results = {r["referenceId"]: r for r in client.composite(subrequests, all_or_none=False)}
    return ([_collection_result(r) for r in _records(results["newLeads"])] if new else [],
            [_collection_result(r) for r in _records(results["knownLeads"])] if updates else [])


def _write_tasks(sf: "SalesforceDestination", records: list[dict],
                 bulk: BulkWriter | None) -> list[RecordResult]:
    if not records:
        return []
    if bulk is not None:
        return bulk.write("Task", "insert",
                          [{k: v for k, v in r.items() if k != "attributes"} for r in records])
    resp = sf.client.request("POST", "composite/sobjects",
                             json={"allOrNone": False, "records": records})
    return [_collection_result(r) for r in resp.json()]


def person_key(job: DeliveryJob) -> str:
    """Who a lead is, for finding their record and sharing one Lead in a batch: the
    address; without one, the number and surname (a shared number is not one person);
    else the lead alone."""
    if email := (job.lead.get("email") or "").strip().lower():
        return email
    if number := phones.readable(job.lead.get("phone")):
        return f"tel:{phones.e164(number)}/{phones.folded(job.lead.get('last_name') or '')}"
    return f"#{job.delivery_id}"


def _look_up(sf: "SalesforceDestination", jobs: list[DeliveryJob]):
    client = sf.client
    emails = sorted({(j.lead.get("email") or "").strip().lower() for j in jobs} - {""})
    numbers = {person_key(j): phones.readable(j.lead.get("phone")) for j in jobs
               if person_key(j).startswith("tel:")}
    refs = [f"({reference(j.lead)})" for j in jobs]
    queries = {"tasks": "SELECT Id, Subject, WhoId FROM Task WHERE ("
                        + " OR ".join(f"Subject LIKE {like_literal(r)}" for r in refs) + ")"}
    if emails:
        listed = ", ".join(literal(e) for e in emails)
        queries["leads"] = (f"SELECT Id, OwnerId, Email FROM Lead WHERE Email IN ({listed}) "
                            "AND IsConverted = false ORDER BY CreatedDate")
        queries["contacts"] = (f"SELECT Id, OwnerId, Email FROM Contact WHERE Email IN ({listed}) "
                               "ORDER BY CreatedDate")
    paths = {name: query_path(q) for name, q in queries.items()}
    wanted = list({phones.e164(n): n for n in numbers.values()}.values())
    for start in range(0, len(wanted), NUMBERS_PER_SEARCH):
        chunk = wanted[start:start + NUMBERS_PER_SEARCH]
        paths[f"phones{start}"] = search_path(phones.search(chunk, 20 * len(chunk)))
    if numbers:
        found = dict(zip(paths, client.batch(list(paths.values())), strict=True))
    else:
        results = client.composite(
            [{"method": "GET", "url": client.path(path), "referenceId": name}
             for name, path in paths.items()], all_or_none=False)
        if failure := composite_failure(results):
            raise failure[1]
        found = {r["referenceId"]: r.get("body") for r in results}
    leads: dict[str, dict] = {}
    for record in (found.get("leads") or {}).get("records") or []:
        leads.setdefault(str(record.get("Email", "")).lower(), record)  # the oldest one
    contacts: dict[str, dict] = {}
    for record in (found.get("contacts") or {}).get("records") or []:
        contacts.setdefault(str(record.get("Email", "")).lower(), record)
    hits = [r for name, answer in found.items() if name.startswith("phones")
            for r in search_records(answer)]
    unnamed = [sf.fields.defaults.get("LastName", "")]
    for job in jobs:
        key = person_key(job)
        if key in numbers and key not in contacts and key not in leads:
            contact, lead = phones.match(hits, numbers[key], job.lead.get("last_name"), unnamed)
            if contact:
                contacts[key] = contact
            if lead:
                leads[key] = lead
    tasks = {}
    for record in (found["tasks"] or {}).get("records") or []:
        subject = str(record.get("Subject", ""))
        for job in jobs:
            if f"({reference(job.lead)})" in subject:
                tasks[reference(job.lead)] = record
    return leads, contacts, tasks


def _records(result: dict) -> list[dict]:
    if result.get("httpStatusCode", 200) >= 400:
        raise classify(result["httpStatusCode"], result.get("body"))
    return result.get("body") or []


def _collection_result(record: dict) -> RecordResult:
    if record.get("success"):
        return RecordResult(True, record.get("id"))
    first = (record.get("errors") or [{}])[0]
    return RecordResult(False, error=classify(400, [{"errorCode": first.get("statusCode", "UNKNOWN"),
                                                     "message": first.get("message", "")}]))


def _delivered(who: str, task_id: str) -> Delivered:
    key = "contact_id" if who.startswith("003") else "lead_id"
    return Delivered({key: who, "task_id": task_id})
