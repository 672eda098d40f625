"""Reading a lead payload the way the destination mappings name its fields."""
from __future__ import annotations

from typing import Any, Mapping


def value_at(lead: Mapping[str, Any], path: str) -> Any:
    """A dotted path into the lead: 'email', 'tracking.utm_source'; None when absent."""
    node: Any = lead
    for key in path.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def as_text(value: Any) -> str:
    """Lists (interests, checkboxes) as one comma-separated text."""
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
