"""Salesforce API calls per hot lead on the real-time path, against the fake Salesforce
(tests/fakes/salesforce.py), with the latency of each path measured side by side.

Target: at most 2 calls per hot lead after the first token.
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
    sys.exit(0 if per_lead <= TARGET else 1)


if __name__ == "__main__":
    main()
