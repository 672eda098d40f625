"""`connector check` for Salesforce: can we log in, does the org have every field the
mapping writes, and may we read the fields a phone-only lead is looked for by?"""
from __future__ import annotations

from connector.adapters.errors import DeliveryError
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.fields import FieldMap
from connector.adapters.salesforce.phones import PERSON_PHONES

# Fields the connector always writes, besides the mapping's.
ALWAYS = {"Lead": {"Rating", "LeadSource", "Description", "Status"},
          "Task": {"WhoId", "Subject", "Priority", "Status", "ActivityDate", "Description",
                   "TaskSubtype", "OwnerId"}}


def check(client: SalesforceClient, fields: FieldMap) -> tuple[list[str], list[str]]:
    """(what is fine, what is wrong), in words for the operator."""
    good, bad = [], []
    try:
        token = client.tokens.get()
    except DeliveryError as exc:
        return good, [f"Salesforce: cannot log in: {exc} ({exc.vendor_message})"]
    good.append(f"Salesforce: logged in, instance {token.instance_url}")
    wanted = {"Lead": ALWAYS["Lead"] | set(fields.lead) | set(fields.defaults),
              "Task": ALWAYS["Task"]}
    # Describe lists only the fields the integration user may see: a hidden one would
    # make every phone search fail.
    reads = {sobject: {"OwnerId", "LastName", *names}
             for sobject, names in PERSON_PHONES.items()}
    described: dict[str, set[str]] = {}
    for sobject in [*wanted, *(o for o in reads if o not in wanted)]:
        try:
            answer = client.request("GET", f"sobjects/{sobject}/describe").json()
        except DeliveryError as exc:
            bad.append(f"Salesforce: cannot describe {sobject}: {exc} ({exc.vendor_message})")
            continue
        described[sobject] = {f["name"] for f in answer.get("fields", [])}
    for sobject, names in wanted.items():
        if sobject not in described:
            continue
        missing = sorted(names - described[sobject])
        if missing:
            bad.append(f"Salesforce: {sobject} lacks fields the mapping writes: "
                       f"{', '.join(missing)} (create them, or change mappings/salesforce.yaml)")
        else:
            good.append(f"Salesforce: {sobject} has every field the mapping writes")
    unread = [f"{sobject}.{name}" for sobject, names in reads.items() if sobject in described
              for name in sorted(names - described[sobject])]
    if unread:
        bad.append(f"Salesforce: the integration user cannot read {', '.join(unread)}, which "
                   "the look-up of leads without an email address needs (field-level security)")
    else:
        good.append("Salesforce: Leads and Contacts can be looked up by phone")
    return good, bad
