"""The operator's commands, run as `connector …` against both databases."""
from __future__ import annotations

import json
import re
import shutil

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select

from connector.cli import cli
from connector.store.database import Database
from connector.store.models import DeliveryRow, LeadRow, SubmissionRow
from tests.conftest import TOKEN
from tests.integration.test_hooks import post_sample


@pytest.fixture
def invoke(settings, monkeypatch):
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir),
           "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
           "CONNECTOR_MAPPINGS_DIR": str(settings.mappings_dir)}

    def run(*args: str, code: int = 0, **extra_env: str):
        result = CliRunner().invoke(cli, list(args), env=env | extra_env,
                                    catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result
    return run


def test_leads_and_deliveries_as_json(client, invoke):
    post_sample(client, "cf7-to-webhook__default-json")

    leads = json.loads(invoke("leads", "--json").stdout)
    assert [(lead["email"], lead["plugin"], lead["temperature"]) for lead in leads] == [
        ("ziga.kovacic@example.si", "cf7", "hot")]
    # The operator sees the number as the visitor wrote it beside its E.164.
    assert (leads[0]["phone"], leads[0]["phone_as_written"]) == ("+38641123456",
                                                                 "+386 41 123 456")
    deliveries = json.loads(invoke("deliveries", "--json").stdout)
    assert {(d["destination"], d["status"], d["lead_id"]) for d in deliveries} == {
        ("salesforce", "waiting_for_config", leads[0]["id"]),
        ("mailchimp", "waiting_for_config", leads[0]["id"])}
    assert json.loads(invoke("deliveries", "--json", "--status", "dead").stdout) == []
    table = invoke("leads").stdout
    assert table.splitlines()[0].split()[:3] == ["id", "submission_id", "plugin"]


def test_reprocess_after_the_mapping_is_fixed(client, runtime, invoke, settings, tmp_path):
    resp = client.post(f"/hooks/generic?token={TOKEN}",
                       json={"stevilka_x": "041555666", "ime": "Ana"})
    assert resp.status_code == 422
    invoke("reprocess", "--unparsed", code=1)

    fixed = tmp_path / "fixed-mappings"
    shutil.copytree(settings.mappings_dir, fixed)
    mapping = yaml.safe_load((fixed / "generic.yaml").read_text())
    mapping["fields"]["phone"].append("stevilka_x")
    (fixed / "generic.yaml").write_text(yaml.safe_dump(mapping))

    out = invoke("reprocess", "--unparsed", CONNECTOR_MAPPINGS_DIR=str(fixed)).stdout
    # How many deliveries follow is the judgement's business (a bare name and phone):
    # what matters here is that the stored submission became a lead.
    assert re.fullmatch(r"submission \d+: lead \d+, \d+ new deliver(y|ies)\n", out), out
    with runtime.db.transaction() as s:
        sub = s.get(SubmissionRow, resp.json["submission_id"])
        lead = s.scalars(select(LeadRow)).one()
        assert (sub.status, sub.error, lead.phone) == ("accepted", None, "+38641555666")
        assert lead.phone_as_written == "041555666"
        # A name and a mobile number, nothing else: a buyer (how ready is the judgement's).
        assert lead.category == "prospect" and lead.temperature in ("hot", "warm", "cold")
    # Again: nothing new, no second lead or delivery.
    out = invoke("reprocess", str(resp.json["submission_id"]),
                 CONNECTOR_MAPPINGS_DIR=str(fixed)).stdout
    assert "0 new deliveries" in out


def test_replay_needs_an_id_or_dead(invoke):
    assert "give a delivery id or --dead" in invoke("replay", code=2).output
    assert "no delivery 99" in invoke("replay", "99", code=1).output


def test_replay_dead_requeues_them(client, runtime, invoke):
    post_sample(client, "cf7-to-webhook__default-json")
    with runtime.db.transaction() as s:
        for d in s.scalars(select(DeliveryRow)):
            d.status, d.attempts, d.last_error = "dead", 9, "HTTP 400"

    assert "2 deliveries queued again" in invoke("replay", "--dead").stdout
    with runtime.db.transaction() as s:
        assert {(d.status, d.attempts) for d in s.scalars(select(DeliveryRow))} == {
            ("pending", 0)}


def test_db_upgrade_and_current(invoke):
    head = Database.head_revision()
    assert f": at revision {head}" in invoke("db", "upgrade").stdout
    assert f"current {head}, newest {head}" in invoke("db", "current").stdout


def test_a_bad_setting_stops_the_command_naming_the_key(invoke):
    result = invoke("leads", code=1, CONNECTOR_LEASE_SECONDS="soon")
    assert "configuration error: CONNECTOR_LEASE_SECONDS must be a whole number" in result.output


def test_readyz_reports_a_database_without_migrations(tmp_path):
    from connector.app import create_app
    from connector.runtime import Runtime
    from connector.settings import PROJECT_ROOT, Settings
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'x.db'}",
                        webhook_token=TOKEN, mappings_dir=PROJECT_ROOT / "mappings")
    runtime = Runtime.start(settings, migrate=False)
    client = create_app(settings, runtime=runtime).test_client()

    resp = client.get("/readyz")
    assert resp.status_code == 503 and resp.json["database"] == "migrations pending"
    runtime.db.upgrade()
    assert client.get("/readyz").json == {"status": "ok", "database": "ok",
                                          "revision": Database.head_revision()}
    assert client.get("/healthz").json == {"status": "ok"}
    runtime.close()


# --- the data folder: every command finds the same database, read-only ones create none ---

def _fresh_env(tmp_path, **more):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg"), "CONNECTOR_WEBHOOK_TOKEN": "",
            "CONNECTOR_DATABASE_URL": "", "CONNECTOR_DATA_DIR": "", **more}


@pytest.mark.parametrize("command", [["token"], ["leads"], ["deliveries"], ["check"],
                                     ["lead", "show", "1"], ["db", "current"]])
def test_read_only_commands_never_create_a_database(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    env = {k: v for k, v in _fresh_env(tmp_path).items() if v} | {
        "CONNECTOR_DATA_DIR": str(tmp_path / "typo-dta")}
    result = CliRunner().invoke(cli, command, env=env)
    assert result.exit_code == 1, result.output
    assert str(tmp_path / "typo-dta") in result.output
    assert not (tmp_path / "typo-dta").exists()
    assert not list(tmp_path.rglob("*.db"))


def test_token_and_leads_find_the_same_data_from_any_folder(tmp_path, monkeypatch):
    from connector.runtime import Runtime
    from connector.settings import Settings
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    for var in ("CONNECTOR_DATA_DIR", "CONNECTOR_WEBHOOK_TOKEN", "CONNECTOR_DATABASE_URL"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    Runtime.start(Settings.from_env({})).close()  # what `connector serve` does first
    token_a = CliRunner().invoke(cli, ["token"]).stdout
    monkeypatch.chdir(tmp_path / "b")
    assert CliRunner().invoke(cli, ["token"]).stdout == token_a
    assert CliRunner().invoke(cli, ["leads"]).exit_code == 0
    assert not (tmp_path / "b" / "data").exists()


def test_check_names_the_database_in_use(invoke, settings, runtime):
    out = invoke("check").stdout
    assert "ok   database: " in out
    if settings.resolved_database_url.startswith("sqlite"):
        assert f"SQLite {settings.resolved_database_url.removeprefix('sqlite:///')}" in out


def test_check_names_the_missing_salesforce_keys(invoke, runtime):
    result = invoke("check", code=1, SALESFORCE_CLIENT_ID="3MVG9-connected-app")
    assert "FAIL Salesforce: only partly configured; missing SALESFORCE_CLIENT_SECRET" \
        in result.stdout
    assert "3MVG9" not in result.stdout


# --- reprocess on SQLite: no second transaction while one is held ---

def test_reprocess_unparsed_forminator_submission_does_not_lock_the_database(
        client, runtime, invoke, settings, tmp_path):
    body = {"name_1": "Jiří Dvořák", "cislo_x": "777888999", "form_title": "Kontakt",
            "entry_time": "2026-06-14 10:42:17"}
    resp = client.post(f"/hooks/forminator?token={TOKEN}", json=body)
    assert resp.status_code == 422
    fixed = tmp_path / "fixed-mappings"
    shutil.copytree(settings.mappings_dir, fixed)
    mapping = yaml.safe_load((fixed / "forminator.yaml").read_text())
    mapping.setdefault("fields", {}).setdefault("phone", []).append("cislo_x")
    (fixed / "forminator.yaml").write_text(yaml.safe_dump(mapping))

    out = invoke("reprocess", "--unparsed", CONNECTOR_MAPPINGS_DIR=str(fixed),
                 CONNECTOR_SQLITE_BUSY_TIMEOUT_MS="500").stdout
    assert f"submission {resp.json['submission_id']}: lead" in out


def test_a_transaction_inside_another_is_refused_at_once(runtime):
    from connector.store.errors import NestedTransaction
    with runtime.db.transaction():
        with pytest.raises(NestedTransaction):
            with runtime.db.transaction():
                pass
    with runtime.db.transaction() as s:  # and the guard is released afterwards
        assert s.scalar(select(LeadRow.id)) is None


# --- what a person checks first ---

def _lead_with_deliveries(client, runtime):
    post_sample(client, "cf7-to-webhook__default-json")
    with runtime.db.transaction() as s:
        lead = s.scalars(select(LeadRow)).one()
        sf = s.scalars(select(DeliveryRow).where(DeliveryRow.destination == "salesforce")).one()
        sf.status, sf.attempts, sf.last_error = "dead", 1, "400 REQUIRED_FIELD_MISSING"
        sf.vendor_message = "Required fields are missing: [Company]"
        return lead.id, lead.email, sf.id


def test_lead_show_has_everything_held_on_the_lead(client, runtime, invoke):
    lead_id, email, sf_id = _lead_with_deliveries(client, runtime)

    records = json.loads(invoke("lead", "show", str(lead_id), "--json").stdout)
    assert records == json.loads(invoke("lead", "show", email.upper(), "--json").stdout)
    (record,) = records
    assert record["email"] == email and record["message"]
    assert record["submission"]["plugin"] == "cf7" and record["submission"]["body"]
    assert set(record["dimensions"]) == {"fit", "interest", "behaviour", "timing"}
    assert record["reasons"] and record["consent"] is not None
    dead = next(d for d in record["deliveries"] if d["id"] == sf_id)
    assert dead["vendor_message"] == "Required fields are missing: [Company]"

    text = invoke("lead", "show", str(lead_id)).stdout
    assert "salesforce said: Required fields are missing: [Company]" in text
    assert "reasons:" in text and "consent: given" in text
    assert "no lead 999" in invoke("lead", "show", "999", code=1).output


def test_leads_json_has_what_a_person_checks_first(client, runtime, invoke):
    post_sample(client, "cf7-to-webhook__default-json")
    (lead,) = json.loads(invoke("leads", "--json").stdout)
    for key in ("message", "consent", "tracking", "channel", "product_interests", "reasons",
                "dimensions", "form_name"):
        assert key in lead
    assert lead["reasons"] and lead["message"]


def test_leads_filters(client, runtime, invoke):
    post_sample(client, "cf7-to-webhook__default-json")
    client.post(f"/hooks/generic?token={TOKEN}", json={
        "email": "newsletter@gmail.com", "form_name": "Novice"})
    emails = lambda *a: {l["email"] for l in json.loads(invoke("leads", "--json", *a).stdout)}
    assert emails("--temperature", "hot") == {"ziga.kovacic@example.si"}
    assert emails("--form", "novice") == {"newsletter@gmail.com"}
    assert emails("--email", "NEWSLETTER@gmail.com") == {"newsletter@gmail.com"}
    assert emails("--category", "vendor") == set()
    assert len(emails("--since", "2000-01-01")) == 2
    assert emails("--since", "2999-01-01") == set()


def test_deliveries_show_the_person_and_the_vendors_words(client, runtime, invoke):
    _, email, sf_id = _lead_with_deliveries(client, runtime)
    records = json.loads(invoke("deliveries", "--json", "--destination", "salesforce").stdout)
    assert [(d["id"], d["person"], d["vendor_message"]) for d in records] == [
        (sf_id, email, "Required fields are missing: [Company]")]
    table = invoke("deliveries", "--status", "dead").stdout
    assert email in table and "Required fields are missing" in table


def test_replay_of_a_delivered_delivery_needs_force(client, runtime, invoke):
    post_sample(client, "cf7-to-webhook__default-json")
    with runtime.db.transaction() as s:
        d = s.scalars(select(DeliveryRow).where(DeliveryRow.destination == "salesforce")).one()
        d.status, d.external_ids, delivery_id = "delivered", {"lead": "00Q1"}, d.id
    assert "add --force" in invoke("replay", str(delivery_id), code=1).output
    assert "1 deliveries queued again" in invoke("replay", str(delivery_id), "--force").stdout


def test_replay_of_a_delivery_waiting_for_configuration_says_why_nothing_happens(
        client, runtime, invoke):
    post_sample(client, "cf7-to-webhook__default-json")
    with runtime.db.transaction() as s:
        d = s.scalars(select(DeliveryRow).where(DeliveryRow.destination == "mailchimp")).one()
        assert d.status == "waiting_for_config"
        delivery_id = d.id
    out = invoke("replay", str(delivery_id), code=1).output
    assert "waits for mailchimp to be configured (MAILCHIMP_API_KEY" in out
