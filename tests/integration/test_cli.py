"""The operator's commands, run as `connector …` against both databases."""
from __future__ import annotations

import json
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
    assert "lead" in out and "0 new deliveries" in out  # cold, and no address to nurture
    with runtime.db.transaction() as s:
        sub = s.get(SubmissionRow, resp.json["submission_id"])
        lead = s.scalars(select(LeadRow)).one()
        assert (sub.status, sub.error, lead.phone) == ("accepted", None, "+38641555666")
        assert lead.phone_as_written == "041555666"
        assert (lead.temperature, lead.category) == ("cold", "prospect")
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
    assert f"database at revision {head}" in invoke("db", "upgrade").stdout
    assert f"current {head}, newest {head}" in invoke("db", "current").stdout


def test_a_bad_setting_stops_the_command_naming_the_key(invoke):
    result = invoke("leads", code=1, CONNECTOR_LEASE_SECONDS="soon")
    assert "configuration error: CONNECTOR_LEASE_SECONDS must be a whole number" in result.output


def test_readyz_reports_a_database_without_migrations(tmp_path):
    from connector import create_app
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
