"""The plugin samples in tests/fixtures/wp-payloads/ (copied from the shared
notes), turned back into the requests the plugins send."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

SAMPLES = Path(__file__).parent / "fixtures" / "wp-payloads"


def load(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def names() -> list[str]:
    return sorted(p.stem for p in SAMPLES.glob("*.json"))


def request_for(sample: dict) -> tuple[str, str, dict[str, str], bytes]:
    """(method, path with query, headers, body bytes) exactly as the plugin sends them."""
    url = urlsplit(sample["url"])
    path = url.path + (f"?{url.query}" if url.query else "")
    if sample.get("raw_body") is not None:
        body = sample["raw_body"].encode()
    elif isinstance(sample.get("body"), str):
        body = sample["body"].encode()
    elif sample.get("body") is None:
        body = b""
    else:
        body = json.dumps(sample["body"]).encode()
    headers = {k: v for k, v in sample["headers"].items()}
    return sample["method"], path, headers, body
