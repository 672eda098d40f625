"""Which destinations a lead is owed: rules from mappings/routing.yaml.

Rules route on the lead's temperature and category (from scoring), and may
also ask for contact fields or a form. Junk is never sent to Salesforce or
Mailchimp, whatever a rule says: that is a promise of the product, not a
setting.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from connector.domain.lead import Lead
from connector.domain.scoring import CATEGORIES, TEMPERATURES, Verdict

# Destination -> the actions it can perform.
DESTINATIONS: dict[str, tuple[str, ...]] = {
    "salesforce": ("lead",),
    "mailchimp": ("member",),
    "webhook": ("lead",),
}
# Where junk never goes.
CRM_AND_NEWSLETTER = frozenset({"salesforce", "mailchimp"})


@dataclass(frozen=True)
class Target:
    destination: str
    action: str

    def __str__(self) -> str:
        return f"{self.destination}:{self.action}"


@dataclass(frozen=True)
class Rule:
    name: str
    targets: tuple[Target, ...]
    has: tuple[str, ...] = ()       # every one of these lead fields is filled in
    forms: tuple[str, ...] = ()     # form id or name is one of these (any when empty)
    temperatures: tuple[str, ...] = ()   # any when empty
    categories: tuple[str, ...] = ()     # any when empty

    def matches(self, lead: Lead, verdict: Verdict) -> bool:
        if self.temperatures and verdict.temperature not in self.temperatures:
            return False
        if self.categories and verdict.category not in self.categories:
            return False
        if not all(lead.has(f) for f in self.has):
            return False
        if self.forms:
            wanted = {f.casefold() for f in self.forms}
            return any(v and v.casefold() in wanted for v in (lead.form_id, lead.form_name))
        return True


@dataclass(frozen=True)
class Routing:
    rules: tuple[Rule, ...]

    def route(self, lead: Lead, verdict: Verdict) -> tuple[Target, ...]:
        """Every matching rule's targets, each once, in rule order; never junk to the CRM."""
        targets = (t for rule in self.rules if rule.matches(lead, verdict) for t in rule.targets
                   if not (verdict.junk and t.destination in CRM_AND_NEWSLETTER))
        return tuple(dict.fromkeys(targets))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str) -> "Routing":
        rules = data.get("rules")
        if not isinstance(rules, list):
            raise ValueError(f"{source}: needs a 'rules' list")
        return cls(tuple(_rule(r, f"{source} rule {i + 1}") for i, r in enumerate(rules)))


def _rule(data: Any, where: str) -> Rule:
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: must be a mapping with 'deliver'")
    unknown = set(data) - {"name", "when", "deliver"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    when = data.get("when") or {}
    unknown = set(when) - {"has", "form", "temperature", "category"}
    if unknown:
        raise ValueError(f"{where}: unknown conditions {', '.join(sorted(unknown))} "
                         "(known: temperature, category, has, form)")
    temperatures = _names(when.get("temperature"), where)
    categories = _names(when.get("category"), where)
    for value, known in ((temperatures, TEMPERATURES), (categories, CATEGORIES)):
        if bad := set(value) - set(known):
            raise ValueError(f"{where}: unknown {', '.join(sorted(bad))} "
                             f"(known: {', '.join(known)})")
    deliver = data.get("deliver")
    if not isinstance(deliver, list) or not deliver:
        raise ValueError(f"{where}: 'deliver' must list destination:action targets")
    return Rule(name=str(data.get("name") or where),
                targets=tuple(_target(t, where) for t in deliver),
                has=_names(when.get("has"), where),
                forms=_names(when.get("form"), where),
                temperatures=temperatures, categories=categories)


def _target(text: Any, where: str) -> Target:
    destination, _, action = str(text).partition(":")
    if destination not in DESTINATIONS:
        raise ValueError(f"{where}: unknown destination '{destination}' "
                         f"(known: {', '.join(DESTINATIONS)})")
    if action not in DESTINATIONS[destination]:
        raise ValueError(f"{where}: {destination} has no action '{action}' "
                         f"(it has: {', '.join(DESTINATIONS[destination])})")
    return Target(destination, action)


def _names(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, (str, int)) for v in value):
        return tuple(str(v) for v in value)
    raise ValueError(f"{where}: conditions take a name or a list of names")
