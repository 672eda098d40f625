"""Scoring throughput on one core: leads per second through enrichment + scoring +
classification by the rules alone, through the learned judgement alone, and through
both, over the labelled set, measured side by side with parsing and mapping the same
submissions (the work intake already does), in one run; and what loading the
judgement costs.

Targets: the rules alone at least 5,000 leads per second (issue 5); the judgement at
least 2,000 leads per second, loaded in under 1 s, in under 200 MiB of extra memory
(issue 11). The judgement's part is everything only the model needs: the lead's view
(its words and the rules' findings as the model reads them), the features, both
heads and the explanations in the lead's own words, for leads in batches of BATCH,
as a processing stage takes them (one lead at a time is printed too).
"""
from __future__ import annotations

import os
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.domain.enrichment import enrich  # noqa: E402
from connector.domain.mapping import map_submission  # noqa: E402
from connector.domain.scoring import History, assess, assess_many, rule_findings  # noqa: E402
from connector.domain.words import plain  # noqa: E402
from connector.intake import parse  # noqa: E402
from connector.intake.capture import raw_request_from_file  # noqa: E402
from connector.judgement.features import view_of  # noqa: E402
from connector.judgement.model import Judgement  # noqa: E402
from connector.rulebook import Rulebook  # noqa: E402
from connector.settings import PACKAGED_JUDGEMENT, PROJECT_ROOT  # noqa: E402
from tests.scoring_set import samples  # noqa: E402

TARGET = 5_000
TARGET_JUDGED = 2_000
LOAD_SECONDS = 1.0
LOAD_MIB = 200
ROUNDS = 25
BATCH = 64


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


def _rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    rules = Rulebook.load(PROJECT_ROOT / "mappings", None)
    import sklearn.feature_extraction.text  # noqa: F401 - its import is not the artefact's cost
    before = _rss_mib()
    start = time.perf_counter()
    judgement = Judgement.load(PACKAGED_JUDGEMENT)
    load_seconds = time.perf_counter() - start
    load_mib = _rss_mib() - before
    now = datetime.now(timezone.utc)
    import json
    raws = [raw_request_from_file(json.dumps(s.fields).encode(), "generic", now)
            for s in samples()]

    def understand(raw):
        return map_submission(parse(raw), rules.mappings["generic"], rules.lexicon)

    leads = [understand(raw) for raw in raws]
    batches = [[(lead, History()) for lead in leads[i:i + BATCH]]
               for i in range(0, len(leads), BATCH)]
    findings = [(lead, rule_findings(lead, enrich(lead, rules.scoring.enrichment),
                                     rules.scoring)) for lead in leads]
    finding_batches = [findings[i:i + BATCH] for i in range(0, len(findings), BATCH)]

    def model_part(batch):
        judgement.read_many([view_of(lead, found) for lead, found in batch])

    mapping = rate(understand, raws)
    scoring = rate(lambda lead: assess(lead, rules.scoring), leads)
    model = rate(model_part, finding_batches) * len(leads) / len(finding_batches)
    model_one = rate(lambda item: model_part([item]), findings)
    judged = rate(lambda batch: assess_many(batch, rules.scoring, judgement), batches) \
        * len(leads) / len(batches)
    judged_one = rate(lambda lead: assess(lead, rules.scoring, judgement=judgement), leads)
    print(f"leads: {len(leads)} distinct submissions x {ROUNDS} rounds, one core")
    print(f"parse + map:                         {mapping:10,.0f} leads/s")
    print(f"rules alone:                         {scoring:10,.0f} leads/s")
    print(f"judgement alone, batches of {BATCH}:      {model:10,.0f} leads/s")
    print(f"judgement alone, one lead at a time: {model_one:10,.0f} leads/s")
    print(f"rules + judgement, batches of {BATCH}:    {judged:10,.0f} leads/s")
    print(f"rules + judgement, one at a time:    {judged_one:10,.0f} leads/s")
    print(f"rules + judgement / parse+map:       {judged / mapping:10.2f}x")
    print(f"rules alone / target {TARGET:,}/s:      {scoring / TARGET:6.2f}x "
          f"({'meets' if scoring >= TARGET else 'MISSES'} the target)")
    print(f"judgement / target {TARGET_JUDGED:,}/s:        {model / TARGET_JUDGED:6.2f}x "
          f"({'meets' if model >= TARGET_JUDGED else 'MISSES'} the target)")
    print(f"judgement {judgement.version}: loaded in {load_seconds:.2f} s "
          f"(target {LOAD_SECONDS:.0f} s), {load_mib:.0f} MiB (target {LOAD_MIB} MiB)")
    ok = (scoring >= TARGET and model >= TARGET_JUDGED and load_seconds < LOAD_SECONDS
          and load_mib < LOAD_MIB)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
