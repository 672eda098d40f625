"""What a Salesforce Lead's fate says about the submission it came from (pure).

A converted Lead was a genuine buyer; an unqualified one with a reason we recognise
(a competitor, a vendor, spam, …) was junk. Anything else teaches nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from connector.vocabulary import Category


@dataclass(frozen=True)
class Outcome:
    """A Lead as Salesforce has it now."""

    lead_id: str
    status: str | None
    converted: bool
    reason: str | None = None


@dataclass(frozen=True)
class OutcomeRules:
    converted: Category | None = Category.PROSPECT
    unqualified_statuses: frozenset[str] = frozenset()
    reason_field: str = ""
    reasons: dict[str, Category | None] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None, source: str) -> "OutcomeRules":
        data = data or {}
        if not isinstance(data, Mapping):
            raise ValueError(f"{source}: 'outcomes' must be a mapping")

        def category(value: Any, where: str) -> Category | None:
            if value in (None, ""):
                return None
            try:
                return Category(str(value))
            except ValueError:
                raise ValueError(f"{source}: outcomes.{where}: '{value}' is not a category "
                                 f"({', '.join(c.value for c in Category)})") from None
        reasons = data.get("reasons") or {}
        if not isinstance(reasons, Mapping):
            raise ValueError(f"{source}: outcomes.reasons must map reasons to categories")
        return cls(converted=category(data.get("converted", "prospect"), "converted"),
                   unqualified_statuses=frozenset(
                       str(s).casefold() for s in data.get("unqualified_statuses") or ()),
                   reason_field=str(data.get("reason_field") or ""),
                   reasons={str(k).casefold(): category(v, f"reasons.{k}")
                            for k, v in reasons.items()})


def label_of(outcome: Outcome, rules: OutcomeRules) -> tuple[Category, str] | None:
    """The category the outcome shows and a note saying why; None when it shows nothing."""
    if outcome.converted:
        return (rules.converted, "converted in Salesforce") if rules.converted else None
    status = (outcome.status or "").casefold()
    if status not in rules.unqualified_statuses:
        return None
    said = (outcome.reason or outcome.status or "").strip()
    category = rules.reasons.get(said.casefold())
    if category is None:
        return None
    return category, f"{outcome.status} in Salesforce" + (
        f" ({outcome.reason})" if outcome.reason else "")
