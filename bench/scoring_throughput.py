"""Scoring throughput on one core: leads per second through enrichment + scoring +
classification, over the labelled set, measured side by side with parsing and mapping
the same submissions (the work intake already does), in one run.

Target: at least 5,000 leads per second.
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.domain.mapping import map_submission  # noqa: E402
from connector.domain.scoring import assess  # noqa: E402
from connector.domain.words import plain  # noqa: E402
from connector.intake import parse  # noqa: E402
from connector.intake.capture import raw_request_from_file  # noqa: E402
from connector.rulebook import Rulebook  # noqa: E402
from connector.settings import PROJECT_ROOT  # noqa: E402
from tests.scoring_set import samples  # noqa: E402

TARGET = 5_000
ROUNDS = 25


def rate(work, items, rounds: int = ROUNDS) -> float:
    work(items[0])  # load the language model outside the clock
    elapsed = 0.0
    for _ in range(rounds):
        plain.cache_clear()  # every round as if each text were new: no help from the cache
        start = time.perf_counter()
        for item in items:
            work(item)
        elapsed += time.perf_counter() - start
    return rounds * len(items) / elapsed


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    rules = Rulebook.load(PROJECT_ROOT / "mappings")
    now = datetime.now(timezone.utc)
    import json
    raws = [raw_request_from_file(json.dumps(s.fields).encode(), "generic", now)
            for s in samples()]

    def understand(raw):
        return map_submission(parse(raw), rules.mappings["generic"], rules.lexicon)

    leads = [understand(raw) for raw in raws]
    mapping = rate(understand, raws)
    scoring = rate(lambda lead: assess(lead, rules.scoring), leads)
    print(f"leads: {len(leads)} distinct submissions x {ROUNDS} rounds, one core")
    print(f"parse + map:              {mapping:10,.0f} leads/s")
    print(f"enrich + score + classify:{scoring:10,.0f} leads/s")
    print(f"scoring / parse+map:      {scoring / mapping:10.2f}x")
    print(f"scoring / target {TARGET:,}/s: {scoring / TARGET:8.2f}x "
          f"({'meets' if scoring >= TARGET else 'MISSES'} the target)")
    sys.exit(0 if scoring >= TARGET else 1)


if __name__ == "__main__":
    main()
