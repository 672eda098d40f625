"""Lead payloads -> Salesforce Lead and Task fields, through mappings/salesforce.yaml."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from connector.domain.outcomes import OutcomeRules
from connector.adapters.lead_fields import as_text, field_map, value_at

RATING = {"hot": "Hot", "warm": "Warm", "cold": "Cold"}
DESCRIPTION_LIMIT = 32_000


@dataclass(frozen=True)
class FieldMap:
    lead: dict[str, str]                  # Salesforce field -> lead payload path
    defaults: dict[str, str] = field(default_factory=dict)
    status: str = "Open - Not Contacted"
    task_subject: str = "Call back now: {name}"
    # What the Leads we created became, read back as labels (connector sync-outcomes).
    outcomes: OutcomeRules = field(default_factory=OutcomeRules)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str) -> "FieldMap":
        lead = field_map(data, "lead", source, "Salesforce fields")
        defaults = data.get("defaults") or {}
        return cls(lead,
                   {str(k): str(v) for k, v in defaults.items()},
                   str(data.get("status", cls.status)),
                   str(data.get("task_subject", cls.task_subject)),
                   OutcomeRules.from_dict(data.get("outcomes"), source))


def lead_fields(lead: Mapping[str, Any], fmap: FieldMap, lead_source: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for sf_field, path in fmap.lead.items():
        value = value_at(lead, path)
        if value not in (None, "", [], {}):
            fields[sf_field] = as_text(value) if isinstance(value, list) else value
    for sf_field, default in fmap.defaults.items():
        fields.setdefault(sf_field, default)
    fields["Rating"] = RATING.get(lead.get("temperature") or "", "Warm")
    fields["LeadSource"] = lead_source
    fields["Description"] = description(lead)
    return fields


def description(lead: Mapping[str, Any]) -> str:
    parts = []
    if lead.get("message"):
        parts.append(str(lead["message"]))
    form = lead.get("form_name") or lead.get("form_id")
    tracking = lead.get("tracking") or {}
    source = ", ".join(f"{k}={v}" for k, v in tracking.items()
                       if k.startswith("utm_") or k in ("page_url", "referrer"))
    parts.append(f"Form: {form or 'unknown'} ({lead.get('plugin')})" + (f"; {source}" if source else ""))
    if lead.get("score") is not None:
        dims = ", ".join(f"{k} {v}" for k, v in (lead.get("dimensions") or {}).items())
        parts.append(f"Score {lead['score']}/100 ({dims}), {lead.get('temperature')}, "
                     f"{lead.get('category')}")
    if lead.get("reasons"):
        parts.append("\n".join(f"- {r}" for r in lead["reasons"]))
    if lead.get("product_interests"):
        parts.append("Interested in: " + ", ".join(lead["product_interests"]))
    return "\n\n".join(parts)[:DESCRIPTION_LIMIT]


def full_name(lead: Mapping[str, Any]) -> str:
    name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
    return name or lead.get("email") or lead.get("phone") or "web lead"


def reference(lead: Mapping[str, Any]) -> str:
    """What ties a Task to its submission, in words a salesperson can read."""
    return f"web #{lead.get('submission_id')}"


def external_key(lead: Mapping[str, Any]) -> str:
    """The value an External ID field on Lead holds for this submission."""
    return f"wplc-{lead.get('submission_id')}"
