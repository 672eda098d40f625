"""A hot lead reaches a (fake) Salesforce as one Lead and one Task within seconds,
whatever goes wrong on the way."""
from __future__ import annotations

import signal
import time

import pytest
import requests

from connector.settings import PROJECT_ROOT
from tests.conftest import TOKEN
from tests.e2e.conftest import process_env
from tests.samples import load, request_for

SAMPLE = load("cf7-to-webhook__default-json")


@pytest.fixture
def sf_env(db_url, tmp_path, receiver, fake_sf):
    env = process_env(db_url, tmp_path, PROJECT_ROOT / "mappings", receiver)
    return env | {"SALESFORCE_LOGIN_URL": fake_sf.url, "SALESFORCE_CLIENT_ID": "3MVG9-fake",
                  "SALESFORCE_CLIENT_SECRET": "secret", "SALESFORCE_USERNAME": "int@acme.example",
                  "SALESFORCE_PASSWORD": "pw", "SALESFORCE_TASK_OWNER_IDS": "005FAKEOWNER"}


def post_hot(port: int) -> requests.Response:
    method, _, headers, body = request_for(SAMPLE)
    return requests.post(f"http://127.0.0.1:{port}/hooks/cf7?token={TOKEN}", data=body,
                         headers=headers, timeout=10)


def wait_for(predicate, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError("not in time")


def test_a_hot_lead_is_one_lead_and_one_task_within_two_seconds(sf_env, spawn, fake_sf):
    server = spawn(["serve", "--port", "0"], sf_env, "serve")
    port = int(server.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1))

    assert post_hot(port).status_code == 200
    elapsed = wait_for(lambda: fake_sf.leads and fake_sf.tasks, timeout=2.0)

    (lead,), (task,) = fake_sf.leads, fake_sf.tasks
    assert (lead["Email"], lead["LastName"], lead["Rating"]) == (
        "ziga.kovacic@example.si", "Kovačič", "Hot")
    assert lead["Phone"] == "+38641123456"   # E.164; the form had "+386 41 123 456"
    assert task["WhoId"] == lead["Id"] and task["Priority"] == "High"
    assert task["OwnerId"] == "005FAKEOWNER"
    assert elapsed < 2.0
    # Re-sent by the plugin: answered with the first submission, nothing new in Salesforce.
    again = post_hot(port)
    assert again.json()["duplicate"] is True
    time.sleep(0.5)
    assert (len(fake_sf.leads), len(fake_sf.tasks)) == (1, 1)
    assert server.stop() == 0


def test_a_retry_storm_still_makes_one_lead_and_one_task(sf_env, spawn, fake_sf):
    busy = (503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "Server is too busy."}])
    locked = (400, [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain access"}])
    # The lookup is refused, then the write: quick retries ride it out in-process.
    fake_sf.fail_calls = {1: busy, 3: locked}
    server = spawn(["serve", "--port", "0"], sf_env, "serve")
    port = int(server.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1))

    assert post_hot(port).status_code == 200
    wait_for(lambda: fake_sf.tasks, timeout=20)
    time.sleep(0.5)

    assert (len(fake_sf.leads), len(fake_sf.tasks)) == (1, 1)
    assert len(fake_sf.calls) == 5
    assert server.stop() == 0


def test_a_worker_killed_after_salesforce_committed_makes_no_second_lead(sf_env, spawn, fake_sf):
    from tests.e2e.test_processes import _store_leads
    env = sf_env | {"CONNECTOR_LEASE_SECONDS": "2", "CONNECTOR_POLL_SECONDS": "0.2"}
    db = _store_leads(env, 1)
    fake_sf.swallow_calls = {2}   # the write commits, its answer never comes back

    first = spawn(["worker"], env, "worker1")
    wait_for(lambda: fake_sf.tasks, timeout=20)
    first.signal(signal.SIGKILL)
    first.proc.wait(10)
    second = spawn(["worker"], env, "worker2")

    from tests.e2e.test_processes import deliveries
    wait_for(lambda: any(d.destination == "salesforce" and d.status == "delivered"
                         for d in deliveries(db)), timeout=20)
    assert second.stop() == 0
    assert (len(fake_sf.leads), len(fake_sf.tasks)) == (1, 1)
    (row,) = [d for d in deliveries(db) if d.destination == "salesforce"]
    assert row.attempts == 2 and row.external_ids["task_id"] == fake_sf.tasks[0]["Id"]
    db.dispose()


def test_connector_check_reports_missing_custom_fields(sf_env, fake_sf, tmp_path):
    import shutil
    import subprocess
    import sys
    mappings = tmp_path / "check-mappings"
    shutil.copytree(PROJECT_ROOT / "mappings", mappings)
    sf_yaml = mappings / "salesforce.yaml"
    sf_yaml.write_text(sf_yaml.read_text().replace("  # Lead_Score__c: score",
                                                   "  Lead_Score__c: score"))
    env = sf_env | {"CONNECTOR_MAPPINGS_DIR": str(mappings)}

    def check():
        return subprocess.run([sys.executable, "-m", "connector", "check"], env=env,
                              capture_output=True, text=True, timeout=60)

    subprocess.run([sys.executable, "-m", "connector", "db", "upgrade"], env=env, check=True,
                   capture_output=True, timeout=60)
    result = check()
    assert result.returncode == 1, result.stdout
    assert "FAIL Salesforce: Lead lacks fields the mapping writes: Lead_Score__c" in result.stdout
    assert "ok   Salesforce: logged in" in result.stdout
    fake_sf.custom_fields["Lead"] = ["Lead_Score__c"]
    result = check()
    assert result.returncode == 0, result.stdout
    assert "ok   Salesforce: Lead has every field the mapping writes" in result.stdout

    bad = subprocess.run([sys.executable, "-m", "connector", "check"],
                         env=env | {"SALESFORCE_PASSWORD": "", "SALESFORCE_CLIENT_SECRET": "",
                                    "SALESFORCE_PRIVATE_KEY_FILE": ""},
                         capture_output=True, text=True, timeout=60)
    # A username and client id without a password, secret or key: named, not "not configured".
    assert "FAIL Salesforce: only partly configured; missing SALESFORCE_PASSWORD" in bad.stdout
