"""Scoring at intake and `connector rescore`, on both databases."""
from __future__ import annotations

import copy
import shutil

import yaml
from click.testing import CliRunner
from sqlalchemy import select

from connector.cli import cli
from connector.store.models import DeliveryRow, LeadRow
from tests.conftest import TOKEN

HOT = {"form_name": "Povpraševanje za ponudbo", "name": "Marko Horvat",
       "email": "marko@gradnje-horvat.si", "phone": "041 555 123", "company": "Gradnje Horvat",
       "message": "Nujno potrebujemo ponudbo za spletno trgovino. Pokličite me danes."}
JOB = {"name": "Žan Golob", "email": "zan.golob@gmail.com",
       "message": "Pozdravljeni, prijavljam se na razpisano delovno mesto prodajalca. "
                  "V prilogi pošiljam življenjepis in motivacijsko pismo."}
COLD = {"form_name": "Prijava na novice", "email": "info@mizarstvo-zajc.si"}


def post(client, fields):
    resp = client.post(f"/hooks/generic?token={TOKEN}", json=fields)
    assert resp.status_code == 200, resp.json
    return resp.json["lead_id"]


def stored(runtime, lead_id):
    with runtime.db.transaction() as s:
        lead = s.get(LeadRow, lead_id)
        deliveries = {(d.destination, d.status) for d in
                      s.scalars(select(DeliveryRow).where(DeliveryRow.lead_id == lead_id))}
        return lead, deliveries


def test_leads_are_scored_at_intake_and_routed_by_temperature_and_category(client, runtime):
    hot, job, cold = (post(client, f) for f in (HOT, JOB, COLD))

    lead, deliveries = stored(runtime, hot)
    assert (lead.temperature, lead.category) == ("hot", "prospect")
    assert lead.score == sum(lead.dimensions.values()) and lead.score >= 50
    assert any("asks to be called" in r for r in lead.reasons)
    assert lead.enrichment["phone_e164"] == "+38641555123"
    assert lead.enrichment["lifecycle"] == "new"
    assert {d for d, _ in deliveries} == {"salesforce", "mailchimp"}

    lead, deliveries = stored(runtime, job)
    assert (lead.temperature, lead.category) == ("cold", "job_seeker")
    assert deliveries == set()  # kept and counted, never synced

    lead, deliveries = stored(runtime, cold)
    assert (lead.temperature, lead.category) == ("cold", "prospect")
    assert {d for d, _ in deliveries} == {"mailchimp"}


def test_a_returning_person_is_more_interested(client, runtime):
    first = post(client, dict(COLD, name="Ana"))
    again = post(client, dict(HOT, email=COLD["email"], form_name="Demo"))

    lead, _ = stored(runtime, again)
    assert lead.enrichment["lifecycle"] == "returning"
    assert any("returning" in r for r in lead.reasons)
    assert any("another form" in r for r in lead.reasons)
    assert stored(runtime, first)[0].enrichment["lifecycle"] == "new"


def test_rescore_applies_new_rules_without_resending(client, runtime, settings, tmp_path):
    hot = post(client, HOT)
    with runtime.db.transaction() as s:  # Salesforce already has it
        d = s.scalars(select(DeliveryRow).where(DeliveryRow.lead_id == hot,
                                                DeliveryRow.destination == "salesforce")).one()
        d.status = "delivered"
    job = post(client, JOB)

    tuned = tmp_path / "tuned"
    shutil.copytree(settings.mappings_dir, tuned)
    scoring = yaml.safe_load((tuned / "scoring.yaml").read_text())
    scoring["thresholds"] = {"hot": 101, "warm": 100}        # nobody is hot or warm now
    scoring["categories"]["job_seeker"]["needs"] = 99          # and job seekers are prospects
    (tuned / "scoring.yaml").write_text(yaml.safe_dump(copy.deepcopy(scoring)))
    # The rules alone: what a site owner tunes when no learned judgement is used.
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir), "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
           "CONNECTOR_MAPPINGS_DIR": str(tuned), "CONNECTOR_JUDGEMENT_FILE": "none"}

    result = CliRunner().invoke(cli, ["rescore", "--all"], env=env, catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert "2 leads rescored, 2 changed temperature or category, 1 new deliveries" in result.output
    lead, deliveries = stored(runtime, hot)
    assert lead.temperature == "cold"
    # Delivered stays delivered; the hot lead's Mailchimp delivery is still owed (cold
    # prospects are nurtured), so nothing was cancelled for it.
    assert deliveries == {("salesforce", "delivered"), ("mailchimp", "waiting_for_config")}
    lead, deliveries = stored(runtime, job)
    assert (lead.category, deliveries) == ("prospect", {("mailchimp", "waiting_for_config")})


def test_rescore_with_the_same_rules_changes_nothing_even_for_a_person_writing_again(
        client, runtime, settings):
    ids = [post(client, f) for f in (COLD, HOT, dict(HOT, email=COLD["email"], form_name="Demo"),
                                     JOB, dict(COLD, message="Še vedno me zanima cenik."))]

    def verdicts():
        with runtime.db.transaction() as s:
            return [(r.temperature, r.category, r.score, r.reasons, r.enrichment["lifecycle"])
                    for r in (s.get(LeadRow, i) for i in ids)]
    before = verdicts()
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir), "CONNECTOR_WEBHOOK_TOKEN": TOKEN}

    result = CliRunner().invoke(cli, ["rescore", "--all"], env=env, catch_exceptions=False)

    assert "5 leads rescored, 0 changed temperature or category" in result.output, result.output
    assert verdicts() == before
    assert [v[-1] for v in before] == ["new", "new", "returning", "new", "returning"]


def test_rescore_cancels_what_is_no_longer_owed(client, runtime, settings, tmp_path):
    cold = post(client, COLD)
    tuned = tmp_path / "tuned"
    shutil.copytree(settings.mappings_dir, tuned)
    scoring = yaml.safe_load((tuned / "scoring.yaml").read_text())
    scoring["own_domains"] = ["mizarstvo-zajc.si"]
    (tuned / "scoring.yaml").write_text(yaml.safe_dump(scoring))
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir), "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
           "CONNECTOR_MAPPINGS_DIR": str(tuned)}

    result = CliRunner().invoke(cli, ["rescore", "--since", "2000-01-01"], env=env)

    assert "1 cancelled" in result.output, result.output
    lead, deliveries = stored(runtime, cold)
    # Our own domain: our team, at work or trying the form (the model tells which).
    assert lead.category in ("internal", "test")
    assert deliveries == {("mailchimp", "cancelled")}


def test_rescore_needs_all_or_since():
    result = CliRunner().invoke(cli, ["rescore"], env={"CONNECTOR_WEBHOOK_TOKEN": "x" * 20})
    assert result.exit_code == 2 and "give --all or --since DATE" in result.output


def test_the_operators_label_judges_the_lead_and_its_deliveries_follow(client, runtime,
                                                                       settings):
    hot = post(client, HOT)
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir), "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
           "CONNECTOR_MAPPINGS_DIR": str(settings.mappings_dir)}
    run = lambda *a: CliRunner().invoke(cli, list(a), env=env, catch_exceptions=False)

    result = run("label", str(hot), "--category", "vendor", "--note", "sells us SEO")
    assert result.exit_code == 0, result.output
    assert "-> cold vendor" in result.output and "2 cancelled" in result.output
    lead, deliveries = stored(runtime, hot)
    assert (lead.category, lead.temperature) == ("vendor", "cold")
    assert deliveries == {("salesforce", "cancelled"), ("mailchimp", "cancelled")}
    assert any("labelled vendor by the operator" in r for r in lead.reasons)
    # The label outlives a rescore, and taking it back to a buyer routes the lead again.
    run("rescore", "--all")
    assert stored(runtime, hot)[0].category == "vendor"
    result = run("label", str(hot), "--category", "prospect", "--temperature", "hot")
    lead, deliveries = stored(runtime, hot)
    assert (lead.category, lead.temperature) == ("prospect", "hot")
    assert deliveries == {("salesforce", "waiting_for_config"),
                          ("mailchimp", "waiting_for_config")}
    assert "2 new deliveries" in result.output
    assert "no lead 999" in run("label", "999", "--category", "spam").output
    assert run("label", str(hot)).exit_code == 2


def test_a_lead_the_model_is_unsure_of_is_kept_genuine_and_flagged(client, runtime):
    from dataclasses import replace
    from connector.assessment import assess_and_route
    from connector.store.leads import lead_of_row
    lead_id = post(client, {"form_name": "Kontakt", "email": "ana@agencija-rast.si",
                            "message": "Nudimo SEO optimizacijo in izdelavo spletnih strani. "
                                       "Vam lahko ta teden pošljem našo ponudbo za "
                                       "sodelovanje? Imamo 10 let izkušenj z agencijami."})
    # A business that never wants a junk verdict without certainty.
    unsure = replace(runtime.rules, scoring=replace(
        runtime.rules.scoring, model=replace(runtime.rules.scoring.model, junk_confidence=1.0)))
    with runtime.db.transaction() as s:
        row = s.get(LeadRow, lead_id)
        routed = assess_and_route(s, row, lead_of_row(row), unsure, (), row.created_at)
        assert routed.verdict.category in ("prospect", "customer")
        assert (row.review, row.category) == ("vendor", routed.verdict.category)
        assert any(r.startswith("category: review: might be vendor") for r in row.reasons)
        assert row.enrichment["model"] == runtime.rules.judgement.version


def _small_corpus(tmp_path):
    import json
    from connector.settings import PROJECT_ROOT
    source = PROJECT_ROOT / "corpus"
    splits = json.loads((source / "splits.json").read_text())
    small = tmp_path / "corpus"
    small.mkdir()
    chosen = {"train": splits["train"][:6], "dev": splits["dev"][:1], "test": splits["test"][:2]}
    for names in chosen.values():
        for name in names:
            shutil.copy(source / f"{name}.json", small / f"{name}.json")
    (small / "splits.json").write_text(json.dumps(chosen))
    return small


def test_train_local_learns_the_business_labels_and_keeps_only_what_is_not_worse(
        client, runtime, settings, tmp_path):
    from connector.judgement.model import Judgement
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir), "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
           "CONNECTOR_MAPPINGS_DIR": str(settings.mappings_dir)}
    run = lambda *a: CliRunner().invoke(cli, list(a), env=env, catch_exceptions=False)
    corpus_dir = _small_corpus(tmp_path)
    # This business gets pitched by print shops through its quote form, again and again.
    ids = [post(client, {"form_name": "Povpraševanje", "email": f"prodaja{i}@tiskarna-{i}.si",
                         "message": f"Tiskamo vizitke, letake in plakate po ugodnih cenah, "
                                    f"ponudba št. {i} velja do konca meseca."})
           for i in range(24)]
    for lead_id in ids[:10]:
        run("label", str(lead_id), "--category", "vendor")
    refused = run("train", "--local", "--corpus", str(corpus_dir))
    assert refused.exit_code == 1 and "10 labelled leads; retraining needs at least 20" \
        in refused.output
    for lead_id in ids[10:]:
        run("label", str(lead_id), "--category", "vendor")

    result = run("train", "--local", "--corpus", str(corpus_dir))

    assert result.exit_code == 0, result.output
    assert "retraining on the corpus and 24 labelled leads" in result.output
    assert "frozen test split:\n  now:" in result.output
    assert "your labels (k-fold):\n  now:" in result.output
    local = settings.data_dir / "judgement.npz"
    # One of the two outcomes, said and done: written (and loadable) or kept, never both.
    assert ("written to" in result.output) != ("kept the current judgement" in result.output)
    assert ("written to" in result.output) == local.is_file()
    if local.is_file():
        assert Judgement.load(local).header["local_labels"] == 24


def test_evaluate_reports_the_frozen_split_and_the_business_labels(client, runtime, settings,
                                                                   tmp_path):
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir), "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
           "CONNECTOR_MAPPINGS_DIR": str(settings.mappings_dir)}
    run = lambda *a: CliRunner().invoke(cli, list(a), env=env, catch_exceptions=False)
    hot = post(client, HOT)
    run("label", str(hot), "--category", "customer", "--temperature", "hot")
    result = run("evaluate")
    assert result.exit_code == 0, result.output
    assert "on the frozen test split" in result.output
    assert "per category (right/all):" in result.output
    assert "on this business's 1 labelled leads:" in result.output
