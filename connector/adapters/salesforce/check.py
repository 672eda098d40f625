"""`connector check` for Salesforce: can we log in, and does the org have every field
the mapping writes?"""
from __future__ import annotations

from connector.adapters.errors import DeliveryError
from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.fields import FieldMap

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
    for sobject, names in wanted.items():
        try:
            described = client.request("GET", f"sobjects/{sobject}/describe").json()
        except DeliveryError as exc:
            bad.append(f"Salesforce: cannot describe {sobject}: {exc} ({exc.vendor_message})")
            continue
        have = {f["name"] for f in described.get("fields", [])}
        missing = sorted(names - have)
        if missing:
            bad.append(f"Salesforce: {sobject} lacks fields the mapping writes: "
                       f"{', '.join(missing)} (create them, or change mappings/salesforce.yaml)")
        else:
            good.append(f"Salesforce: {sobject} has every field the mapping writes")
    return good, bad
