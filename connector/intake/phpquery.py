"""PHP's http_build_query() bodies, read back into nested dicts and lists.

WordPress sends array bodies as `fields[email][value]=…&checkbox[0]=a`;
Flask's request.form leaves those keys flat.
"""
from __future__ import annotations

import re
from typing import Any, Iterable
from urllib.parse import parse_qsl

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
# PHP's max_input_nesting_level. A deeper key is kept flat, as sent: reading it
# nested would take one stack frame a level.
MAX_NESTING = 64


def parse_php_query(query: str) -> dict[str, Any]:
    return nest_php_pairs(parse_qsl(query, keep_blank_values=True))


def nest_php_pairs(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decoded (key, value) pairs nested by their bracket keys, as PHP reads them."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, path = _split_key(key)
        _assign(root, [head, *path], value)
    # The top level is always an object of fields, even when its keys are 0, 1, …
    return {k: _lists(v) for k, v in root.items()}


def _split_key(key: str) -> tuple[str, list[str]]:
    start = key.find("[")
    if start <= 0:
        return key, []
    rest = key[start:]
    path = _SEGMENT.findall(rest)
    if "".join(f"[{p}]" for p in path) != rest or len(path) > MAX_NESTING:
        return key, []  # not PHP bracket syntax after all, or too deep: keep the key as sent
    return key[:start], path


def _assign(node: dict[str, Any], path: list[str], value: str) -> None:
    for i, segment in enumerate(path):
        last = i == len(path) - 1
        if segment == "":  # a[]=x appends, as PHP does
            segment = str(sum(1 for k in node if k.isdigit()))
        if last:
            node[segment] = value
            return
        child = node.get(segment)
        if not isinstance(child, dict):
            # A scalar and a nested key under one name: PHP keeps the later one.
            child = node[segment] = {}
        node = child


def _lists(node: Any) -> Any:
    """Dicts keyed 0..n-1 become lists, as PHP arrays with those keys were."""
    if not isinstance(node, dict):
        return node
    converted = {k: _lists(v) for k, v in node.items()}
    keys = list(converted)
    if keys and all(k.isdigit() for k in keys) and \
            sorted(int(k) for k in keys) == list(range(len(keys))):
        return [converted[str(i)] for i in range(len(keys))]
    return converted
