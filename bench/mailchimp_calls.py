"""Mailchimp API calls per lead, against the fake Mailchimp (tests/fakes/mailchimp.py):
leads one by one on the real-time path (new members, members already subscribed, and
members who unsubscribed), and a 5,000-lead backlog drained by a worker, side by side
in one run, with the drain time.

Targets: at most 2 calls per lead in real time (the audience's merge fields, read once
per process, apart); at most 0.01 calls per lead in a backlog.
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.adapters.base import DeliveryJob  # noqa: E402
from connector.adapters.registry import mailchimp_destination  # noqa: E402
from connector.domain.submission import RawRequest  # noqa: E402
from connector.runtime import Runtime  # noqa: E402
from connector.settings import Settings  # noqa: E402
from tests.fakes.mailchimp import API_KEY, LIST_ID, FakeMailchimp  # noqa: E402

LEADS = 200
BACKLOG = 5_000
TARGET = 0.01
REAL_TIME_TARGET = 2
# Who the real-time leads are, in turn: new to the audience, already subscribed, and
# unsubscribed (their upsert says so, and they get no tags).
KINDS = ("new", "subscribed", "unsubscribed")


def real_time() -> dict[str, tuple[float, int]]:
    """Per kind of member: (mean, most) calls per lead."""
    fake = FakeMailchimp()
    mc = mailchimp_destination(Settings(mailchimp_api_key=API_KEY, mailchimp_list_id=LIST_ID,
                                        mailchimp_base_url=fake.url))
    mc.audience_fields()   # the one-time read, kept out of the per-lead figures
    per_kind: dict[str, list[int]] = {k: [] for k in KINDS}
    for i in range(LEADS):
        kind = KINDS[i % len(KINDS)]
        email = f"p{i}@firma.example"
        if kind != "new":
            fake.add(email, kind)
        before = len(fake.calls)
        mc.deliver(DeliveryJob(i, f"{i}", "member", 1, {
            "submission_id": i, "email": email, "first_name": "Ana",
            "temperature": "cold", "category": "prospect", "form_name": "Novice"}))
        per_kind[kind].append(len(fake.calls) - before)
    fake.stop()
    return {k: (sum(v) / len(v), max(v)) for k, v in per_kind.items()}


def backlog() -> tuple[float, float, int]:
    fake = FakeMailchimp()
    with tempfile.TemporaryDirectory() as tmp:
        runtime = Runtime.start(Settings(data_dir=Path(tmp), webhook_token="b" * 20,
                                         mailchimp_api_key=API_KEY, mailchimp_list_id=LIST_ID,
                                         mailchimp_base_url=fake.url))
        now = datetime.now(timezone.utc)
        for i in range(BACKLOG):   # cold newsletter sign-ups, stored as intake stores them
            body = json.dumps({"email": f"p{i}@firma{i % 50}.example", "name": f"Ana {i}",
                               "form_name": "Prijava na novice"})
            runtime.ingest.accept(RawRequest("generic", "POST", "application/json",
                                             body.encode(), "", {}, None, now), now)
        start = time.perf_counter()
        runtime.make_worker().run(burst=True)
        drain = time.perf_counter() - start
        runtime.close()
    members = len(fake.members)
    calls = len(fake.calls)
    fake.stop()
    return calls / BACKLOG, drain, members


def main() -> None:
    kinds = real_time()
    most = max(m for _, m in kinds.values())
    per_lead = sum(mean for mean, _ in kinds.values()) / len(kinds)
    print(f"real time: {LEADS} leads one by one (plus 1 merge-field read per process)")
    for kind, (mean, _) in kinds.items():
        what = "upsert" if kind == "unsubscribed" else "upsert, tags"
        print(f"  API calls per lead, {kind + ':':13} {mean:.2f} ({what})")
    print(f"  {'most calls for one lead:':33} {most} (target <= {REAL_TIME_TARGET}: "
          f"{'meets' if most <= REAL_TIME_TARGET else 'MISSES'} it)")
    backlog_per_lead, drain, members = backlog()
    print(f"backlog: {BACKLOG:,} leads due at once, drained by one worker ({members:,} members)")
    print(f"  API calls per lead:     {backlog_per_lead:.4f} (target <= {TARGET}: "
          f"{'meets' if backlog_per_lead <= TARGET else 'MISSES'} it)")
    print(f"  drain time:             {drain:.1f} s ({BACKLOG / drain:,.0f} leads/s)")
    print(f"  backlog / real time:    {backlog_per_lead / per_lead:.4f}x the calls per lead")
    sys.exit(0 if backlog_per_lead <= TARGET and members == BACKLOG
             and most <= REAL_TIME_TARGET else 1)


if __name__ == "__main__":
    main()
