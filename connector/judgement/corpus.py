"""The labelled corpus: one JSON file per business in corpus/, and its frozen split.

See docs/labelling.md for the conventions and the file format.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from connector.vocabulary import Category, Temperature

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Business:
    slug: str
    kind: str
    languages: tuple[str, ...]
    own_domains: tuple[str, ...]
    competitor_domains: tuple[str, ...]
    customer_domains: tuple[str, ...]


@dataclass(frozen=True)
class Labelled:
    id: str
    business: Business
    lang: str
    category: Category
    temperature: Temperature
    fields: dict[str, Any]
    note: str = ""

    @property
    def genuine(self) -> bool:
        return not self.category.is_junk


class CorpusError(ValueError):
    """A corpus file that breaks the format; the message names the file and the entry."""


def read_business(path: Path) -> tuple[Business, list[Labelled]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        b = data["business"]
        business = Business(slug=b["slug"], kind=b["kind"], languages=tuple(b["languages"]),
                            own_domains=tuple(b.get("own_domains", ())),
                            competitor_domains=tuple(b.get("competitor_domains", ())),
                            customer_domains=tuple(b.get("customer_domains", ())))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CorpusError(f"{path.name}: {type(exc).__name__} {exc}") from None
    items = []
    for s in data.get("submissions", []):
        where = f"{path.name} {s.get('id', '?')}"
        try:
            category, temperature = Category(s["category"]), Temperature(s["temperature"])
        except (KeyError, ValueError) as exc:
            raise CorpusError(f"{where}: bad label ({exc})") from None
        if category.is_junk and temperature is not Temperature.COLD:
            raise CorpusError(f"{where}: junk is always cold")
        if not isinstance(s.get("fields"), dict):
            raise CorpusError(f"{where}: fields must be an object")
        items.append(Labelled(s["id"], business, s.get("lang", ""), category, temperature,
                              s["fields"], s.get("note", "")))
    return business, items


@dataclass(frozen=True)
class Corpus:
    items: tuple[Labelled, ...]
    split_of: dict[str, str]   # business slug -> train / dev / test
    digest: str                # of every file, so an artefact names what it was built from

    def split(self, name: str) -> list[Labelled]:
        return [i for i in self.items if self.split_of[i.business.slug] == name]

    def __iter__(self) -> Iterator[Labelled]:
        return iter(self.items)


def load(directory: Path) -> Corpus:
    """Every business file, checked, and corpus/splits.json (every business in one split)."""
    files = sorted(p for p in directory.glob("*.json") if p.name != "splits.json")
    if not files:
        raise CorpusError(f"no corpus files in {directory}")
    digest = hashlib.sha256()
    items: list[Labelled] = []
    seen: set[str] = set()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _, labelled = read_business(path)
        for item in labelled:
            if item.id in seen:
                raise CorpusError(f"{path.name}: id {item.id} appears twice")
            seen.add(item.id)
        items += labelled
    splits = json.loads((directory / "splits.json").read_text(encoding="utf-8"))
    split_of = {slug: name for name in SPLITS for slug in splits[name]}
    missing = {i.business.slug for i in items} - set(split_of)
    if missing:
        raise CorpusError(f"splits.json does not place {', '.join(sorted(missing))}")
    return Corpus(tuple(items), split_of, digest.hexdigest()[:16])
