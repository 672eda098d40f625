"""Warm and cold leads land in a (fake) Mailchimp audience through `connector serve`:
consent respected, nobody re-subscribed, hot leads handed off to sales."""
from __future__ import annotations

import time

import pytest
import requests

from connector.settings import PROJECT_ROOT
from tests.conftest import TOKEN
from tests.e2e.conftest import process_env
from tests.fakes.mailchimp import API_KEY, LIST_ID, FakeMailchimp


@pytest.fixture
def server(db_url, tmp_path, receiver, fake_mc, spawn):
    env = process_env(db_url, tmp_path, PROJECT_ROOT / "mappings", receiver) | {
        "MAILCHIMP_API_KEY": API_KEY, "MAILCHIMP_LIST_ID": LIST_ID,
        "MAILCHIMP_BASE_URL": fake_mc.url}
    proc = spawn(["serve", "--port", "0"], env, "serve")
    port = proc.wait_for(r"listening on http://127\.0\.0\.1:(\d+)").group(1)
    yield proc, f"http://127.0.0.1:{port}/hooks/generic?token={TOKEN}", env
    proc.stop()


def eventually(check, timeout: float = 10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.05)
    raise AssertionError("not in time")


def tags(fake: FakeMailchimp, email: str) -> set[str]:
    return {t["name"] for t in fake.member(email)["tags"]}


NEWSLETTER = {"form_name": "Prijava na novice", "name": "Ana Novak", "company": "Firma d.o.o."}
HOT = {"form_name": "Povpraševanje za ponudbo", "name": "Ana Novak", "phone": "041 555 123",
       "company": "Firma d.o.o.", "message": "Nujno potrebujemo ponudbo, pokličite me danes."}


def test_cold_is_pending_consent_is_subscribed(server, fake_mc):
    _, url, _ = server
    requests.post(url, json=dict(NEWSLETTER, email="cold@firma.si"), timeout=10)
    requests.post(url, json=dict(NEWSLETTER, email="yes@firma.si", consent="1"), timeout=10)

    cold = eventually(lambda: fake_mc.member("cold@firma.si"))
    eventually(lambda: fake_mc.member("yes@firma.si"))
    eventually(lambda: "nurture" in tags(fake_mc, "cold@firma.si"))

    assert cold["status"] == "pending"
    assert cold["merge_fields"] == {"FNAME": "Ana", "LNAME": "Novak", "COMPANY": "Firma d.o.o."}
    assert {"cold", "prospect", "nurture", "form: Prijava na novice"} <= tags(fake_mc,
                                                                               "cold@firma.si")
    assert fake_mc.member("yes@firma.si")["status"] == "subscribed"
    assert fake_mc.peak_connections <= 10


def test_an_unsubscribed_member_who_submits_again_stays_unsubscribed(server, fake_mc):
    import json
    from tests.e2e.conftest import run_cli
    _, url, env = server
    fake_mc.add("left@firma.si", "unsubscribed", tags=("cold",))

    requests.post(url, json=dict(NEWSLETTER, email="left@firma.si", consent="1"), timeout=10)

    delivered = eventually(lambda: [d for d in json.loads(
        run_cli(["deliveries", "--json", "--status", "delivered"], env).stdout)
        if d["destination"] == "mailchimp"])
    assert delivered[0]["external_ids"]["left_alone"] == "unsubscribed"
    assert fake_mc.member("left@firma.si")["status"] == "unsubscribed"
    assert tags(fake_mc, "left@firma.si") == {"cold"}   # no journey starts for them
    assert not any(c.endswith("/tags") for c in fake_mc.calls)
    (lead,) = [l for l in json.loads(run_cli(["leads", "--json"], env).stdout)
               if l["email"] == "left@firma.si"]
    assert lead["mailchimp"]["status"] == "unsubscribed"   # the lead shows why


def test_a_lead_that_turns_hot_is_handed_off(server, fake_mc):
    _, url, _ = server
    requests.post(url, json=dict(NEWSLETTER, email="turn@firma.si"), timeout=10)
    eventually(lambda: fake_mc.member("turn@firma.si")
               and "nurture" in tags(fake_mc, "turn@firma.si"))

    requests.post(url, json=dict(HOT, email="turn@firma.si"), timeout=10)

    eventually(lambda: "sales-handoff" in tags(fake_mc, "turn@firma.si"))
    now = tags(fake_mc, "turn@firma.si")
    assert "nurture" not in now and "cold" not in now and "hot" in now


def test_connector_check_verifies_key_audience_and_merge_fields(fake_mc, tmp_path):
    from click.testing import CliRunner
    from connector.cli import cli
    env = {"MAILCHIMP_API_KEY": API_KEY, "MAILCHIMP_LIST_ID": LIST_ID,
           "MAILCHIMP_BASE_URL": fake_mc.url, "CONNECTOR_DATA_DIR": str(tmp_path),
           "CONNECTOR_WEBHOOK_TOKEN": TOKEN}

    assert CliRunner().invoke(cli, ["db", "upgrade"], env=env).exit_code == 0
    fake_mc.merge_fields.remove("COMPANY")
    result = CliRunner().invoke(cli, ["check"], env=env)
    assert result.exit_code == 1, result.output
    assert "ok   Mailchimp: the API key works" in result.output
    assert "FAIL Mailchimp: the audience lacks merge fields the mapping writes: COMPANY" \
        in result.output

    fake_mc.merge_fields.append("COMPANY")
    result = CliRunner().invoke(cli, ["check"], env=env)
    assert result.exit_code == 0, result.output
    assert "every merge field" in result.output

    result = CliRunner().invoke(cli, ["check"], env=env | {
        "MAILCHIMP_API_KEY": "ffffffffffffffffffffffffffffffff-us21"})
    assert result.exit_code == 1 and "401 API Key Invalid" in result.output
