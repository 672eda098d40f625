"""Leads into a Mailchimp audience for nurture journeys, through mailchimp-marketing.

One member per address (the subscriber hash), upserted with merge fields and
tagged for segments and journeys: two calls per lead. Consent decides how a new
member starts: `subscribed` with marketing consent, else `pending` (Mailchimp asks
them to confirm). The upsert carries `status_if_new` and never `status`, so an
existing member keeps the status they chose: Mailchimp cannot switch someone who
unsubscribed or was cleaned back on through it, and its answer says what they are,
so they get no tags and the lead records it. A lead that turns hot gets
`sales-handoff` and loses the nurture tags, so journeys stop mailing someone sales
is calling.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Mapping

import mailchimp_marketing
from mailchimp_marketing.api_client import ApiClientError

from connector.adapters.base import Delivered, DeliveryJob
from connector.adapters.errors import (DeliveryError, DestinationPaused, PermanentError,
                                       RetryableError)
from connector.adapters.lead_fields import as_text, field_map, value_at

log = logging.getLogger(__name__)
# Mailchimp allows 10 simultaneous connections per API key.
MAX_CONNECTIONS = 10
BATCH_MEMBERS = 500   # batch subscribe takes at most 500 members a call
KEY_PAUSE_SECONDS = 900
LEFT_ALONE = ("unsubscribed", "cleaned")
DEFAULT_PREFIXES = {"category": "", "interest": "interest: ", "channel": "channel: ",
                    "form": "form: "}


@dataclass(frozen=True)
class MailchimpMap:
    merge_fields: dict[str, str]           # MERGE TAG -> lead field (dotted)
    handoff_tag: str = "sales-handoff"
    nurture_tags: tuple[str, ...] = ("nurture",)
    tag_prefixes: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_PREFIXES))
    # How a new member without marketing consent starts, by form (name or id, lower
    # case): "pending" (Mailchimp asks them to confirm) unless a form says otherwise.
    without_consent: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str) -> "MailchimpMap":
        merge = field_map(data, "merge_fields", source, "merge tags")
        tags = data.get("tags") or {}
        forms = data.get("forms") or {}
        without_consent = {}
        for form, spec in forms.items():
            status = str((spec or {}).get("without_consent", "pending"))
            if status not in ("pending", "subscribed", "transactional"):
                raise ValueError(f"{source}: form '{form}': without_consent must be pending, "
                                 "subscribed or transactional")
            without_consent[str(form).strip().casefold()] = status
        return cls(merge,
                   str(tags.get("handoff", cls.handoff_tag)),
                   tuple(str(t) for t in tags.get("nurture", cls.nurture_tags)),
                   {**DEFAULT_PREFIXES, **{str(k): str(v)
                                           for k, v in (tags.get("prefixes") or {}).items()}},
                   without_consent)


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()  # noqa: S324 - Mailchimp's id


class MailchimpDestination:
    name = "mailchimp"

    def __init__(self, client: mailchimp_marketing.Client, list_id: str, fields: MailchimpMap,
                 *, marketing_permission_id: str = "") -> None:
        self.client, self.list_id, self.fields = client, list_id, fields
        self.marketing_permission_id = marketing_permission_id
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        self.calls = 0
        self._audience_fields: set[str] | None = None

    def deliver(self, job: DeliveryJob) -> Delivered:
        lead = job.lead
        email = lead.get("email")
        if not email:
            raise PermanentError("no email address", "Mailchimp members need an address")
        member_id = subscriber_hash(email)
        known = (lead.get("mailchimp") or {}).get("status")
        if known in LEFT_ALONE:
            # Mailchimp told us by webhook: no need to ask again, nothing to write.
            return Delivered({"member_id": member_id, "left_alone": known})
        # No read first: the upsert's answer is the member, with the status they have.
        member = self._call(self.client.lists.set_list_member, self.list_id, member_id,
                            self.member_body(lead, email))
        status = str((member or {}).get("status") or "")
        if status in LEFT_ALONE:
            # They said no (or bounced) and stay so: without `status` the upsert only
            # refreshed their merge fields. No tags: no journey is to start for them.
            return Delivered({"member_id": member_id, "left_alone": status},
                             about_person={"status": status, "seen": "member upsert"})
        self._call(self.client.lists.update_list_member_tags, self.list_id, member_id,
                   {"tags": self.tags(lead), "is_syncing": False})
        return Delivered({"member_id": member_id, "status": status})

    def deliver_batch(self, jobs: list[DeliveryJob]) -> dict[int, Delivered | DeliveryError]:
        """A backlog: new members 500 per call through batch subscribe, without touching
        anyone already in the audience (update_existing off: they take the one-by-one
        path, whose upsert never sets an existing member's status, so nobody is ever
        re-subscribed)."""
        outcomes: dict[int, Delivered | DeliveryError] = {}
        batchable: list[DeliveryJob] = []
        for job in jobs:
            email = job.lead.get("email")
            known = (job.lead.get("mailchimp") or {}).get("status")
            consented = (job.lead.get("consent") or {}).get("given") is True
            if not email:
                outcomes[job.delivery_id] = PermanentError("no email address",
                                                           "Mailchimp members need an address")
            elif known in LEFT_ALONE:
                outcomes[job.delivery_id] = Delivered({"member_id": subscriber_hash(email),
                                                       "left_alone": known})
            elif self.marketing_permission_id and consented:
                # Batch subscribe cannot set GDPR permissions: this one goes alone.
                outcomes[job.delivery_id] = self._one(job)
            else:
                batchable.append(job)
        for start in range(0, len(batchable), BATCH_MEMBERS):
            outcomes.update(self._batch(batchable[start:start + BATCH_MEMBERS]))
        return outcomes

    def _batch(self, jobs: list[DeliveryJob]) -> dict[int, Delivered | DeliveryError]:
        members, by_email = [], {}
        for job in jobs:
            email = job.lead["email"]
            if email.strip().lower() in by_email:  # the same person twice: one member
                by_email[email.strip().lower()].append(job)
                continue
            by_email[email.strip().lower()] = [job]
            body = self.member_body(job.lead, email)
            body["status"] = body.pop("status_if_new")
            body["tags"] = [t["name"] for t in self.tags(job.lead) if t["status"] == "active"]
            members.append(body)
        answer = self._call(self.client.lists.batch_list_members, self.list_id,
                            {"members": members, "update_existing": False})
        outcomes: dict[int, Delivered | DeliveryError] = {}
        for member in answer.get("new_members", []) + answer.get("updated_members", []):
            for job in by_email.pop(str(member.get("email_address", "")).lower(), []):
                outcomes[job.delivery_id] = Delivered({"member_id": member.get("id") or
                                                       subscriber_hash(job.lead["email"]),
                                                       "status": str(member.get("status", ""))})
        for error in answer.get("errors", []):
            for job in by_email.pop(str(error.get("email_address", "")).lower(), []):
                if error.get("error_code") == "ERROR_CONTACT_EXISTS":
                    outcomes[job.delivery_id] = self._one(job)   # an existing member
                else:
                    outcomes[job.delivery_id] = PermanentError(
                        f"batch {error.get('error_code', 'ERROR_GENERIC')}",
                        str(error.get("error", "")))
        for jobs_left in by_email.values():  # Mailchimp said nothing of these: try again
            for job in jobs_left:
                outcomes[job.delivery_id] = RetryableError("no result for this member")
        return outcomes

    def _one(self, job: DeliveryJob) -> Delivered | DeliveryError:
        try:
            return self.deliver(job)
        except DeliveryError as exc:
            return exc

    def member_body(self, lead: Mapping[str, Any], email: str) -> dict[str, Any]:
        consent = (lead.get("consent") or {}).get("given") is True
        form = str(lead.get("form_name") or lead.get("form_id") or "").strip().casefold()
        known = self.audience_fields()
        body: dict[str, Any] = {
            "email_address": email,
            # Only for a new member. Never `status`: an existing member keeps the one
            # they chose, and someone unsubscribed or cleaned cannot be switched back.
            "status_if_new": "subscribed" if consent
            else self.fields.without_consent.get(form, "pending"),
            # Only merge fields the audience has: an unknown one would refuse the member.
            "merge_fields": {tag: as_text(value_at(lead, path)) for tag, path in
                             self.fields.merge_fields.items()
                             if value_at(lead, path) not in (None, "") and tag in known},
        }
        if lead.get("language"):
            body["language"] = lead["language"]
        tracking = lead.get("tracking") or {}
        if tracking.get("remote_ip"):
            body["ip_signup"] = tracking["remote_ip"]
        if (lead.get("consent") or {}).get("at"):
            body["timestamp_signup"] = lead["consent"]["at"]
        if self.marketing_permission_id and consent:
            body["marketing_permissions"] = [{"marketing_permission_id":
                                              self.marketing_permission_id, "enabled": True}]
        return body

    def audience_fields(self) -> set[str]:
        """The audience's merge tags, asked for once per process."""
        if self._audience_fields is None:
            answer = self._call(self.client.lists.get_list_merge_fields, self.list_id,
                                count=1000)
            self._audience_fields = {f.get("tag") for f in answer.get("merge_fields", [])}
            missing = set(self.fields.merge_fields) - self._audience_fields
            if missing:
                log.warning("Mailchimp audience lacks merge fields %s; they are not sent",
                            ", ".join(sorted(missing)))
        return self._audience_fields

    def tags(self, lead: Mapping[str, Any]) -> list[dict[str, str]]:
        p = self.fields.tag_prefixes
        hot = lead.get("temperature") == "hot"
        active = [lead.get("temperature") or "", p["category"] + (lead.get("category") or "")]
        active += [p["interest"] + str(i) for i in lead.get("product_interests") or []]
        channel = lead.get("channel")
        if channel:
            active.append(p["channel"] + channel)
        if lead.get("form_name") or lead.get("form_id"):
            active.append(p["form"] + str(lead.get("form_name") or lead.get("form_id")))
        inactive = [t for t in ("hot", "warm", "cold") if t != lead.get("temperature")]
        if hot:
            active.append(self.fields.handoff_tag)
            inactive += list(self.fields.nurture_tags)
        else:
            active += list(self.fields.nurture_tags)
        return ([{"name": t[:100], "status": "active"} for t in dict.fromkeys(active) if t.strip()]
                + [{"name": t, "status": "inactive"} for t in dict.fromkeys(inactive)])

    def _call(self, method, *args, **kwargs):
        with self._connections:
            self.calls += 1
            try:
                return method(*args, **kwargs)
            except ApiClientError as exc:
                raise classify(exc) from exc
            except (OSError, ValueError) as exc:  # requests' connection errors are OSErrors
                raise RetryableError(type(exc).__name__) from exc


def classify(exc: ApiClientError) -> DeliveryError:
    status = exc.status_code
    try:
        problem = json.loads(exc.text) if isinstance(exc.text, str) else {}
    except ValueError:
        problem = {}
    title = str(problem.get("title") or "")
    detail = str(problem.get("detail") or exc.text or "")
    errors = problem.get("errors") or []
    if errors:
        detail += " " + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors)
    label = f"{status} {title}".strip() if status else "no answer (timeout)"
    if status is None or status == 429 or status >= 500:
        return RetryableError(label, detail)
    if status in (401, 403):
        return DestinationPaused(label, detail, KEY_PAUSE_SECONDS)
    if "signed up to a lot of lists very recently" in detail:
        return RetryableError(label, detail, retry_after=24 * 3600)
    return PermanentError(label, detail)


def data_centre(api_key: str) -> str:
    m = re.search(r"-([a-z]+\d+)$", api_key.strip())
    if not m:
        raise ValueError("a Mailchimp API key ends in its data centre, like -us21")
    return m.group(1)



def check(mc: MailchimpDestination) -> tuple[list[str], list[str]]:
    """(what is fine, what is wrong) about the key, the audience and its merge fields."""
    good, bad = [], []
    try:
        mc._call(mc.client.ping.get)
        good.append("Mailchimp: the API key works")
        audience = mc._call(mc.client.lists.get_list, mc.list_id)
        good.append(f"Mailchimp: audience {audience.get('name')!r} ({mc.list_id})")
        merge = mc._call(mc.client.lists.get_list_merge_fields, mc.list_id, count=1000)
    except DeliveryError as exc:
        return good, [f"Mailchimp: {exc} ({exc.vendor_message})"]
    have = {f.get("tag") for f in merge.get("merge_fields", [])} | {"EMAIL"}
    missing = sorted(set(mc.fields.merge_fields) - have)
    if missing:
        bad.append(f"Mailchimp: the audience lacks merge fields the mapping writes: "
                   f"{', '.join(missing)} (create them, or change mappings/mailchimp.yaml)")
    else:
        good.append("Mailchimp: the audience has every merge field the mapping writes")
    good.append(f"Mailchimp: members are tagged hot/warm/cold, their category, "
                f"'{mc.fields.tag_prefixes['interest']}…', '{mc.fields.tag_prefixes['channel']}…', "
                f"'{mc.fields.tag_prefixes['form']}…', {', '.join(mc.fields.nurture_tags)} and "
                f"{mc.fields.handoff_tag} (Mailchimp creates tags on first use)")
    return good, bad
