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


def field_map(data: Mapping[str, Any], key: str, source: str, what: str) -> dict[str, str]:
    """A mapping file's {destination field: lead field path} section, checked."""
    section = data.get(key)
    if not isinstance(section, Mapping) or not all(isinstance(v, str) for v in section.values()):
        raise ValueError(f"{source}: '{key}' must map {what} to lead fields")
    return {str(k): v for k, v in section.items()}
