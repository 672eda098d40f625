"""Salesforce API calls per lead, against the fake Salesforce (tests/fakes/salesforce.py):
hot leads one by one on the real-time path, and a 5,000-lead backlog drained by a
worker, measured side by side in one run, with the drain time.

Targets: at most 2 calls per hot lead after the first token; at most 0.02 per lead
in a backlog.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from connector.adapters.base import DeliveryJob  # noqa: E402
from connector.adapters.registry import salesforce_destination  # noqa: E402
from connector.settings import Settings  # noqa: E402
from tests.fakes.salesforce import FakeSalesforce  # noqa: E402

LEADS = 200
TARGET = 2.0
BACKLOG = 5_000
BACKLOG_TARGET = 0.02


def main() -> None:
    fake = FakeSalesforce()
    settings = Settings(salesforce_login_url=fake.url, salesforce_client_id="bench",
                        salesforce_client_secret="s", salesforce_username="int@bench.example",
                        salesforce_password="pw", salesforce_task_owner_ids=("005BENCH",))
    destination = salesforce_destination(settings)
    existing = {f"p{i}@firma.example" for i in range(0, LEADS, 4)}  # a quarter known already
    for email in existing:
        fake.add("Lead", LastName="Known", Company="Firma", Email=email)
    start = time.perf_counter()
    for i in range(LEADS):
        destination.deliver(DeliveryJob(
            delivery_id=i, idempotency_key=f"{i}:salesforce:lead", action="lead", attempt=1,
            lead={"submission_id": i, "email": f"p{i}@firma.example", "first_name": "Ana",
                  "last_name": f"Novak {i}", "company": "Firma", "phone": "+386 41 123 456",
                  "message": "Nujno, pokličite me.", "temperature": "hot",
                  "category": "prospect", "score": 70, "plugin": "cf7"}))
    elapsed = time.perf_counter() - start
    calls = len(fake.calls)
    per_lead = calls / LEADS
    print(f"real time: {LEADS} hot leads ({len(existing)} with an existing Lead)")
    print(f"  token calls:            {fake.token_calls}")
    print(f"  API calls per hot lead: {per_lead:.2f} (target <= {TARGET:.0f}: "
          f"{'meets' if per_lead <= TARGET else 'MISSES'} it, {TARGET / per_lead:.2f}x headroom)")
    print(f"  Leads {len(fake.leads)}, Tasks {len(fake.tasks)}; "
          f"{elapsed / LEADS * 1000:.1f} ms per lead against the local fake")
    fake.stop()
    backlog_per_lead, drain, fake_busy = backlog()
    print(f"backlog: {BACKLOG:,} leads due at once, drained by one worker")
    print(f"  API calls per lead:     {backlog_per_lead:.4f} (target <= {BACKLOG_TARGET}: "
          f"{'meets' if backlog_per_lead <= BACKLOG_TARGET else 'MISSES'} it)")
    print(f"  drain time:             {drain:.1f} s ({BACKLOG / drain:,.0f} leads/s), of which "
          f"{fake_busy:.1f} s inside the fake Salesforce")
    print(f"  connector's own time:   {drain - fake_busy:.1f} s "
          f"({BACKLOG / max(drain - fake_busy, 1e-9):,.0f} leads/s)")
    print(f"  backlog / real time:    {backlog_per_lead / per_lead:.4f}x the calls per lead")
    sys.exit(0 if per_lead <= TARGET and backlog_per_lead <= BACKLOG_TARGET else 1)


def backlog() -> tuple[float, float]:
    import json
    import tempfile
    from datetime import datetime, timezone

    from connector.domain.submission import RawRequest
    from connector.runtime import Runtime

    fake = FakeSalesforce()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), webhook_token="b" * 20,
                            salesforce_login_url=fake.url, salesforce_client_id="bench",
                            salesforce_client_secret="s", salesforce_username="int@bench.example",
                            salesforce_password="pw", salesforce_task_owner_ids=("005BENCH",))
        runtime = Runtime.start(settings)
        now = datetime.now(timezone.utc)
        for i in range(BACKLOG):  # an outage's worth of hot leads, stored as intake stores them
            body = json.dumps({"email": f"p{i}@firma{i % 50}.example", "phone": "041 123 456",
                               "company": f"Firma {i % 50}", "name": f"Ana Novak {i}",
                               "form_name": "Povpraševanje za ponudbo",
                               "message": "Nujno potrebujemo ponudbo, pokličite me danes."})
            runtime.ingest.accept(RawRequest("generic", "POST", "application/json",
                                             body.encode(), "", {}, None, now), now)
        worker = runtime.make_worker()
        fake.busy_seconds = 0.0
        start = time.perf_counter()
        worker.run(burst=True)
        drain = time.perf_counter() - start
        runtime.close()
    calls = len(fake.calls)
    assert len(fake.tasks) == BACKLOG, len(fake.tasks)
    fake.stop()
    return calls / BACKLOG, drain, fake.busy_seconds


if __name__ == "__main__":
    main()
