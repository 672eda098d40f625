"""A lead to Salesforce the moment it is due: a Lead (or the existing Contact) and a
high-priority "call back now" Task, in two API calls.

1. One composite of three queries: the Lead and the Contact with this email
   address, and a Task already made for this submission (its reference is in the
   subject). A lead with a phone and no email is looked for by its number instead
   (phones.py): the Task query and a phone search in one Composite Batch, since
   Composite cannot carry a search.
2. One composite, all or none: create or update the Lead, create the Task.

Idempotent without any custom field: a retry after a lost answer finds the Task by
its reference, and with it the record it was made on, so it never makes a second
Lead or Task. A customer (a Contact) gets the Task for its owner and no new Lead.
"""
from __future__ import annotations

import hashlib
import logging
from urllib.parse import quote
from datetime import datetime, timezone
from typing import Any, Callable

from connector.adapters.base import Delivered, DeliveryJob
from connector.adapters.errors import PermanentError, RetryableError
from connector.adapters.salesforce import phones
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.errors import composite_failure, duplicate_match, first_error
from connector.adapters.salesforce.backlog import deliver_batch
from connector.adapters.salesforce.fields import (FieldMap, external_key, full_name, lead_fields,
                                                  reference)
from connector.adapters.salesforce.soql import like_literal, literal, query_path
from connector.adapters.salesforce.sosl import search_path, search_records

log = logging.getLogger(__name__)
# Near the daily API allowance, leads that are not hot wait this long.
SLOW_DOWN_SECONDS = 3600
# Records of each kind a phone search returns; the oldest matching one is used.
PHONE_HITS = 50


class SalesforceDestination:
    name = "salesforce"

    def __init__(self, client: SalesforceClient, fields: FieldMap, *, lead_source: str = "Web",
                 lead_owner_id: str = "", task_owner_ids: tuple[str, ...] = (),
                 auto_assign: str = "", slow_down_at: float = 0.9, api_version: str = "62.0",
                 external_id_field: str = "",
                 today: Callable[[], str] | None = None) -> None:
        self.client, self.fields = client, fields
        self.lead_source, self.lead_owner_id = lead_source, lead_owner_id
        self.task_owner_ids, self.auto_assign = task_owner_ids, auto_assign
        self.slow_down_at = slow_down_at
        self.api_version = api_version
        self.external_id_field = external_id_field
        self.today = today or (lambda: datetime.now(timezone.utc).date().isoformat())

    def deliver(self, job: DeliveryJob) -> Delivered:
        lead = job.lead
        if lead.get("temperature") != "hot" and self.client.near_limit(self.slow_down_at):
            used, limit = self.client.usage or (0, 0)
            raise RetryableError("daily API allowance nearly used",
                                 f"api-usage={used}/{limit}; only hot leads go now",
                                 retry_after=SLOW_DOWN_SECONDS)
        ref = reference(lead)
        found = self._look_up(lead, ref)
        if task := found.get("task"):
            # Made before, by a try whose answer was lost: nothing to write. Its WhoId
            # is the record it was made on, even one a search does not show yet.
            who = {"Id": task["WhoId"]} if task.get("WhoId") else (
                found.get("contact") or found.get("lead"))
            return self._delivered(who, task["Id"])
        return self._write(lead, ref, found)

    def deliver_batch(self, jobs: list[DeliveryJob]) -> dict[int, Delivered | Exception]:
        """A backlog: three calls per 200 leads (see backlog.py)."""
        return deliver_batch(self, jobs)

    # --- call 1 --------------------------------------------------------------------
    def _look_up(self, lead: dict[str, Any], ref: str) -> dict[str, dict | None]:
        queries = {"task": "SELECT Id, WhoId FROM Task WHERE Subject LIKE "
                           f"{like_literal(f'({ref})')} LIMIT 1"}
        number = None if lead.get("email") else phones.readable(lead.get("phone"))
        if number is not None:
            tasks, hits = self.client.batch([query_path(queries["task"]),
                                             search_path(phones.search([number], PHONE_HITS))])
            contact, existing = phones.match(
                search_records(hits), number, lead.get("last_name"),
                [self.fields.defaults.get("LastName", "")])
            return {"task": ((tasks or {}).get("records") or [None])[0], "contact": contact,
                    "lead": existing}
        if lead.get("email"):
            email = literal(lead["email"])
            queries["lead"] = ("SELECT Id, OwnerId FROM Lead WHERE Email = "
                               f"{email} AND IsConverted = false ORDER BY CreatedDate LIMIT 1")
            queries["contact"] = ("SELECT Id, OwnerId, AccountId FROM Contact WHERE Email = "
                                  f"{email} ORDER BY CreatedDate LIMIT 1")
        results = self.client.composite(
            [{"method": "GET", "url": self.client.path(query_path(soql)), "referenceId": name}
             for name, soql in queries.items()], all_or_none=False)
        if failure := composite_failure(results):
            raise failure[1]
        found: dict[str, dict | None] = {}
        for result in results:
            records = (result.get("body") or {}).get("records") or []
            found[result["referenceId"]] = records[0] if records else None
        return found

    # --- call 2 --------------------------------------------------------------------
    def _write(self, lead: dict[str, Any], ref: str, found: dict[str, dict | None],
               duplicate_of: str | None = None) -> Delivered:
        requests_: list[dict] = []
        contact, existing = found.get("contact"), found.get("lead")
        fields = lead_fields(lead, self.fields, self.lead_source)
        if contact:
            who, owner = contact["Id"], contact.get("OwnerId")
        elif existing or duplicate_of:
            who = existing["Id"] if existing else duplicate_of
            owner = existing.get("OwnerId") if existing else None
            update = {k: v for k, v in fields.items() if k not in ("LastName", "Company")
                      or v not in self.fields.defaults.values()}
            requests_.append({"method": "PATCH", "url": self.client.path(f"sobjects/Lead/{who}"),
                              "referenceId": "refLead", "body": update})
        else:
            body = dict(fields, Status=self.fields.status)
            if self.lead_owner_id:
                body["OwnerId"] = self.lead_owner_id
            create = {"method": "POST", "url": self.client.path("sobjects/Lead"),
                      "referenceId": "refLead", "body": body}
            if self.external_id_field:
                # Upsert on the submission's key: a second try updates, never duplicates.
                create.update(method="PATCH", url=self.client.path(
                    f"sobjects/Lead/{self.external_id_field}/{quote(external_key(lead), safe='')}"))
            if self.auto_assign:
                create["httpHeaders"] = {"Sforce-Auto-Assign": self.auto_assign}
            requests_.append(create)
            who, owner = "@{refLead.id}", self.lead_owner_id
        task_id = (found.get("task") or {}).get("Id")
        if not task_id:
            requests_.append({"method": "POST", "url": self.client.path("sobjects/Task"),
                              "referenceId": "refTask", "body": self.task_fields(lead, ref, who, owner)})
        results = self.client.composite(requests_, all_or_none=True)
        if any(r.get("httpStatusCode") == 300 for r in results):
            raise PermanentError("300 MULTIPLE_CHOICES",
                                 f"several Leads share {self.external_id_field} "
                                 f"{external_key(lead)}")
        if failure := composite_failure(results):
            cause, error = failure
            match = duplicate_match(cause.get("body"))
            if first_error(cause.get("body"))[0] == "DUPLICATES_DETECTED" and match \
                    and duplicate_of is None:
                # A duplicate rule knows this person: update that record, attach the Task.
                if match.startswith("003"):
                    return self._write(lead, ref, dict(found, contact={"Id": match}))
                return self._write(lead, ref, found, duplicate_of=match)
            raise error
        ids = {r["referenceId"]: (r.get("body") or {}).get("id") for r in results}
        lead_id = ids.get("refLead") or (None if contact else who)
        return self._delivered({"Id": contact["Id"]} if contact else {"Id": lead_id},
                               ids.get("refTask") or task_id, contact=bool(contact))

    def task_fields(self, lead: dict[str, Any], ref: str, who: str, owner: str | None) -> dict:
        hot = lead.get("temperature") == "hot"
        subject = self.fields.task_subject.format(name=full_name(lead))
        task = {"WhoId": who, "Subject": f"{subject} ({ref})"[:255],
                "Priority": "High" if hot else "Normal", "Status": "Not Started",
                "ActivityDate": self.today(), "TaskSubtype": "Call",
                "Description": lead_fields(lead, self.fields, self.lead_source)["Description"]}
        task_owner = self._task_owner(lead, owner)
        if task_owner:
            task["OwnerId"] = task_owner
        return task

    def _task_owner(self, lead: dict[str, Any], owner: str | None) -> str | None:
        if owner and owner.startswith("005"):
            return owner  # the record's owner, a person
        if self.task_owner_ids:
            # In turn, but stable for one submission: a retry picks the same person.
            digest = hashlib.sha256(str(lead.get("submission_id")).encode()).digest()
            return self.task_owner_ids[int.from_bytes(digest[:4], "big") % len(self.task_owner_ids)]
        return None  # queues cannot own Tasks: the integration user keeps it

    @staticmethod
    def _delivered(who: dict | None, task_id: str | None, contact: bool = False) -> Delivered:
        if not who or not who.get("Id") or not task_id:
            raise PermanentError("unexpected composite answer", "no record id in the response")
        key = "contact_id" if contact or who["Id"].startswith("003") else "lead_id"
        return Delivered({key: who["Id"], "task_id": task_id})
