"""`connector import`: the spreadsheet a business kept until now, through the same path."""
from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from connector.cli import cli
from connector.store.models import DeliveryRow, LeadRow, SubmissionRow
from tests.conftest import TOKEN

CSV = """Ime;E-pošta;Telefon;Podjetje;Sporočilo;form_name
Marko Horvat;marko@gradnje-horvat.si;041 555 123;Gradnje Horvat;Nujno potrebujemo ponudbo, pokličite me danes.;Povpraševanje za ponudbo
Žan Golob;zan.golob@gmail.com;;;Pošiljam prošnjo za zaposlitev in življenjepis.;Kontakt
Žan Golob;zan.golob@gmail.com;;;Pošiljam prošnjo za zaposlitev in življenjepis.;Kontakt
Brez kontakta;;;;Samo vprašanje;Kontakt
"""


def run(settings, *args):
    env = {"CONNECTOR_DATABASE_URL": settings.resolved_database_url,
           "CONNECTOR_DATA_DIR": str(settings.data_dir), "CONNECTOR_WEBHOOK_TOKEN": TOKEN,
           "CONNECTOR_MAPPINGS_DIR": str(settings.mappings_dir)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def test_import_stores_scores_and_routes_every_row(settings, runtime, tmp_path):
    file = tmp_path / "stari-kontakti.csv"
    file.write_text(CSV, encoding="utf-8-sig")  # as Excel saves it

    result = run(settings, "import", str(file))

    assert "row 5: kept as unparsed" in result.output
    assert "2 leads imported, 1 duplicates, 1 not leads" in result.output
    with runtime.db.transaction() as s:
        leads = {l.email: l for l in s.scalars(select(LeadRow))}
        assert (leads["marko@gradnje-horvat.si"].temperature,
                leads["marko@gradnje-horvat.si"].first_name) == ("hot", "Marko")
        assert leads["zan.golob@gmail.com"].category == "job_seeker"
        assert {d.destination for d in s.scalars(select(DeliveryRow))} == {"salesforce",
                                                                            "mailchimp"}
        assert {sub.source for sub in s.scalars(select(SubmissionRow))} == {"import"}


def test_dry_run_stores_nothing(settings, runtime, tmp_path):
    file = tmp_path / "leads.csv"
    file.write_text(CSV)

    result = run(settings, "import", "--dry-run", str(file))

    assert "row 2: hot prospect" in result.output
    assert "row 3: cold job_seeker" in result.output
    assert "row 5: not a lead" in result.output
    with runtime.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(SubmissionRow)) == 0


def test_a_file_without_a_header_is_refused(settings, tmp_path):
    file = tmp_path / "empty.csv"
    file.write_text("")
    result = run(settings, "import", str(file))
    assert result.exit_code == 1 and "must name the columns" in result.output
