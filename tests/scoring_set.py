"""The labelled submissions in tests/fixtures/scoring/, scored as `connector score` would."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import yaml

from connector.domain.mapping import map_submission
from connector.domain.scoring import ScoringRules, Verdict, assess
from connector.domain.submission import RawRequest
from connector.intake import parse
from connector.rulebook import Rulebook
from connector.settings import PROJECT_ROOT

LABELLED = Path(__file__).parent / "fixtures" / "scoring"
# The business the set was written for: a web agency, and who its rivals are.
SITE = {"own_domains": ["spletnimojster.si"],
        "competitor_domains": ["konkurent-web.si", "webstudio-rival.hr", "agencjaweb-konkurencja.pl",
                               "webdesign-konkurence.cz", "webagentur-mitbewerber.de",
                               "rival-digital.co.uk", "konkurencia-web.sk", "rival-studio.rs"]}


@dataclass(frozen=True)
class Sample:
    id: str
    lang: str
    temperature: str
    category: str
    fields: dict
    note: str = ""


def samples() -> list[Sample]:
    items = []
    for path in sorted(LABELLED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                items.append(Sample(**json.loads(line)))
    return items


def site_rules(**changes) -> ScoringRules:
    data = yaml.safe_load((PROJECT_ROOT / "mappings" / "scoring.yaml").read_text())
    data.update(SITE)
    data.update(changes)
    return ScoringRules.from_dict(data, "scoring.yaml")


_RULES = Rulebook.load(PROJECT_ROOT / "mappings")


def verdict_of(fields: dict, rules: ScoringRules) -> Verdict:
    now = datetime(2026, 6, 14, 10, tzinfo=timezone.utc)
    raw = RawRequest("generic", "POST", "application/json", json.dumps(fields).encode(), "", {},
                     None, now)
    sub = parse(raw)
    lead = map_submission(sub, _RULES.mappings["generic"], _RULES.lexicon)
    return assess(lead, rules)[1]
