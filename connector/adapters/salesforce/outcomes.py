"""Reading back the Leads we created: their Status, whether converted, and why not."""
from __future__ import annotations

import re
from typing import Iterable

from connector.adapters.salesforce.client import SalesforceClient
from connector.adapters.salesforce.soql import literal, query_path
from connector.domain.outcomes import Outcome

CHUNK = 200  # ids per query: the SOQL text stays far below its 100,000-character limit
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def lead_outcomes(client: SalesforceClient, lead_ids: Iterable[str],
                  reason_field: str = "") -> list[Outcome]:
    """The current state of these Leads (ones deleted in Salesforce are simply absent)."""
    if reason_field and not _FIELD.match(reason_field):
        raise ValueError(f"outcomes.reason_field '{reason_field}' is not a field name")
    columns = "Id, Status, IsConverted" + (f", {reason_field}" if reason_field else "")
    ids = sorted(set(lead_ids))
    found: list[Outcome] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ", ".join(literal(i) for i in ids[start:start + CHUNK])
        body = client.request("GET", query_path(
            f"SELECT {columns} FROM Lead WHERE Id IN ({chunk})")).json()
        while True:
            found += [Outcome(r["Id"], r.get("Status"), bool(r.get("IsConverted")),
                              r.get(reason_field) if reason_field else None)
                      for r in body.get("records", [])]
            if body.get("done", True) or not body.get("nextRecordsUrl"):
                break
            # nextRecordsUrl is /services/data/vXX.X/query/01g…: the part after the version.
            body = client.request("GET", body["nextRecordsUrl"].split(client.api, 1)[-1]).json()
    return found
