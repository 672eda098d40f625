"""The outbox and the worker against a real HTTP destination, on both databases."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
from sqlalchemy import select

from connector.adapters.webhook import WebhookDestination
from connector.ingest import Ingest
from connector.retry import BACKOFF_MIN
from connector.store import outbox
from connector.store.models import DeliveryRow
from connector.wakeup import LocalWakeup
from connector.worker import Worker
from tests.conftest import wp_payload
from tests.fakes.receiver import Answer
from tests.integration.test_hooks import post_sample

ROUTE_ALL = {"rules": [{"name": "everything", "deliver": ["webhook:lead"]}]}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def webhook_runtime(runtime, receiver):
    """The runtime with the webhook destination configured and routed to."""
    import dataclasses
    from connector.domain.routing import Routing
    runtime.rules = dataclasses.replace(runtime.rules,
                                        routing=Routing.from_dict(ROUTE_ALL, "test"))
    runtime.destinations = {"webhook": WebhookDestination(requests.Session(), receiver.url)}
    runtime.ingest = Ingest(runtime.db, runtime.rules, runtime.destinations,
                            runtime.wakeup.announce)
    return runtime


def make_worker(rt, clock, **kw) -> Worker:
    return Worker(rt.db, rt.destinations, LocalWakeup(), lease_seconds=60, poll_seconds=0.1,
                  batch_size=10, clock=clock, sleep=lambda s: None, **kw)


def submit(rt, clock, n: int = 1) -> list[int]:
    from connector.domain.submission import RawRequest
    sample = wp_payload("cf7-to-webhook__default-json")
    ids = []
    for i in range(n):
        raw = RawRequest("cf7", "POST", "application/json", sample["raw_body"].encode(),
                         f"form=f{i}", {}, "127.0.0.1", clock())
        ids.append(rt.ingest.accept(raw, clock()).lead_id)
    return ids


def delivery(rt, lead_id=None) -> DeliveryRow:
    with rt.db.transaction() as s:
        q = select(DeliveryRow)
        if lead_id:
            q = q.where(DeliveryRow.lead_id == lead_id)
        return s.scalars(q).one()


def test_delivery_goes_out_once_with_external_id_and_idempotency_key(webhook_runtime, receiver, clock):
    (lead_id,) = submit(webhook_runtime, clock)

    assert make_worker(webhook_runtime, clock).run_once() == 1

    row = delivery(webhook_runtime)
    assert (row.status, row.attempts, row.external_ids) == ("delivered", 1, {"id": "ext"})
    assert row.delivered_at == clock.now and row.leased_by is None
    (got,) = receiver.received
    assert got.json["lead"]["email"] == "ziga.kovacic@example.si"
    assert got.headers["Idempotency-Key"] == f"{got.json['lead']['submission_id']}:webhook:lead"
    assert make_worker(webhook_runtime, clock).run_once() == 0


def test_server_errors_retry_quickly_then_on_the_outbox_schedule(webhook_runtime, receiver, clock):
    submit(webhook_runtime, clock)
    receiver.then(*[Answer(503, {"error": "down"})] * 3)

    make_worker(webhook_runtime, clock).run_once()

    row = delivery(webhook_runtime)
    assert len(receiver.received) == 3  # tenacity's in-process tries
    assert (row.status, row.attempts, row.last_error) == ("retrying", 1, "HTTP 503")
    assert row.next_attempt_at == clock.now + timedelta(minutes=BACKOFF_MIN[0])
    assert make_worker(webhook_runtime, clock).run_once() == 0  # not due yet
    clock.advance(minutes=BACKOFF_MIN[0])
    assert make_worker(webhook_runtime, clock).run_once() == 1
    assert delivery(webhook_runtime).status == "delivered"


def test_retry_after_stretches_the_wait(webhook_runtime, receiver, clock):
    submit(webhook_runtime, clock)
    receiver.then(*[Answer(429, {"error": "slow down"}, {"Retry-After": "7200"})] * 3)

    make_worker(webhook_runtime, clock).run_once()

    assert delivery(webhook_runtime).next_attempt_at == clock.now + timedelta(hours=2)


def test_permanent_error_goes_to_dead_letter_with_the_destinations_words(webhook_runtime, receiver, clock):
    submit(webhook_runtime, clock)
    receiver.then(Answer(400, {"error": "field 'email' rejected"}))

    make_worker(webhook_runtime, clock).run_once()

    row = delivery(webhook_runtime)
    assert len(receiver.received) == 1
    assert (row.status, row.last_error) == ("dead", "HTTP 400")
    assert "field 'email' rejected" in row.vendor_message


def test_exhausted_schedule_goes_to_dead_letter(webhook_runtime, receiver, clock):
    submit(webhook_runtime, clock)
    receiver.default = Answer(500, {"error": "boom"})

    statuses = []
    for _ in range(len(BACKOFF_MIN) + 1):
        make_worker(webhook_runtime, clock).run_once()
        statuses.append(delivery(webhook_runtime).status)
        clock.advance(days=2)

    assert statuses == ["retrying"] * len(BACKOFF_MIN) + ["dead"]
    assert delivery(webhook_runtime).attempts == len(BACKOFF_MIN) + 1


def test_replay_puts_a_dead_delivery_back_with_a_fresh_schedule(webhook_runtime, receiver, clock):
    submit(webhook_runtime, clock)
    receiver.then(Answer(422, {"error": "no"}))
    make_worker(webhook_runtime, clock).run_once()
    assert delivery(webhook_runtime).status == "dead"

    with webhook_runtime.db.transaction() as s:
        assert outbox.replay(s, clock.now) == 1
    make_worker(webhook_runtime, clock).run_once()

    row = delivery(webhook_runtime)
    assert (row.status, row.attempts) == ("delivered", 1)


def test_unconfigured_destination_waits_and_goes_out_once_configured(webhook_runtime, receiver, clock):
    configured = webhook_runtime.destinations
    webhook_runtime.ingest.configured = frozenset()
    submit(webhook_runtime, clock)
    assert delivery(webhook_runtime).status == "waiting_for_config"

    idle = Worker(webhook_runtime.db, {}, LocalWakeup(), lease_seconds=60, poll_seconds=0.1,
                  batch_size=10, clock=clock)
    idle.run(burst=True)
    assert delivery(webhook_runtime).status == "waiting_for_config"
    assert receiver.received == []

    Worker(webhook_runtime.db, configured, LocalWakeup(), lease_seconds=60,
           poll_seconds=0.1, batch_size=10, clock=clock).run(burst=True)
    assert delivery(webhook_runtime).status == "delivered"
    assert len(receiver.received) == 1


def test_expired_lease_is_claimed_again_and_the_stale_worker_cannot_overwrite(webhook_runtime, receiver, clock):
    submit(webhook_runtime, clock)
    first = make_worker(webhook_runtime, clock)
    (claim,) = outbox.claim(webhook_runtime.db, first.id, ["webhook"], clock.now,
                            timedelta(seconds=60), 10)
    assert delivery(webhook_runtime).status == "in_progress"
    assert make_worker(webhook_runtime, clock).run_once() == 0  # leased

    clock.advance(seconds=61)
    second = make_worker(webhook_runtime, clock)
    assert second.run_once() == 1

    from connector.adapters.base import Delivered
    assert outbox.complete(webhook_runtime.db, claim, first.id, Delivered({"id": "stale"}),
                           clock.now) is False
    row = delivery(webhook_runtime)
    assert (row.status, row.attempts, row.external_ids) == ("delivered", 2, {"id": "ext"})
    assert receiver.keys()[0] == receiver.keys()[-1]


def test_claims_are_in_due_order_and_batched(webhook_runtime, receiver, clock):
    lead_ids = submit(webhook_runtime, clock, n=5)
    worker = Worker(webhook_runtime.db, webhook_runtime.destinations, LocalWakeup(),
                    lease_seconds=60, poll_seconds=0.1, batch_size=2, clock=clock)

    assert [worker.run_once() for _ in range(4)] == [2, 2, 1, 0]
    assert [r.json["lead"]["lead_id"] for r in receiver.received] == lead_ids


def test_http_hook_wakes_the_embedded_worker_at_once(settings, receiver):
    from connector.app import create_app
    s = settings.replace(forward_url=receiver.url, poll_seconds=30, embedded_worker=True,
                         mappings_dir=_routing_dir(settings))
    app = create_app(s)
    try:
        resp = post_sample(app.test_client(), "cf7-to-webhook__default-json")
        assert resp.status_code == 200
        # The worker sleeps for up to 30 s; only the wake-up can bring this in time.
        assert receiver.got_request.wait(5)
    finally:
        app.extensions["connector"].close()


def _routing_dir(settings):
    import shutil
    import yaml
    target = settings.data_dir.parent / "mappings"
    shutil.copytree(settings.mappings_dir, target)
    (target / "routing.yaml").write_text(yaml.safe_dump(ROUTE_ALL))
    return target


def test_daily_jobs_run_once_a_day_when_idle_and_a_refusal_waits_for_tomorrow(
        webhook_runtime, clock):
    from connector.adapters.errors import RetryableError
    runs = []

    def job(now):
        runs.append(now)
        if len(runs) == 2:
            raise RetryableError("503 SERVER_UNAVAILABLE")

    worker = make_worker(webhook_runtime, clock, daily={"outcomes": job})
    worker.run(burst=True)
    assert runs == []                      # not in the first minute after start
    clock.advance(minutes=2)
    worker._run_daily()
    worker._run_daily()
    assert len(runs) == 1                  # once, not every idle round
    clock.advance(days=1)
    worker._run_daily()                    # refused: logged, the loop goes on
    clock.advance(hours=23)
    worker._run_daily()
    assert len(runs) == 2
    clock.advance(hours=2)
    worker._run_daily()
    assert len(runs) == 3
