"""`connector import`: the spreadsheet a business kept until now, through the same path."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from connector.cli import cli
from connector.store.models import DeliveryRow, LeadRow, SubmissionRow
from tests.conftest import TOKEN

CSV = """Ime;E-pošta;Telefon;Podjetje;Sporočilo;form_name
Marko Horvat;marko@gradnje-horvat.si;041 555 123;Gradnje Horvat;Nujno potrebujemo ponudbo, pokličite me danes.;Povpraševanje za ponudbo
Žan Golob;zan.golob@gmail.com;;;Pozdravljeni, prijavljam se na razpisano delovno mesto prodajalca. V prilogi pošiljam življenjepis in motivacijsko pismo.;Kontakt
Žan Golob;zan.golob@gmail.com;;;Pozdravljeni, prijavljam se na razpisano delovno mesto prodajalca. V prilogi pošiljam življenjepis in motivacijsko pismo.;Kontakt
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


def _count(runtime, model=SubmissionRow) -> int:
    with runtime.db.transaction() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_a_file_whose_first_row_is_data_is_refused_and_nothing_is_stored(settings, runtime,
                                                                          tmp_path):
    file = tmp_path / "no-header.csv"
    file.write_text("Ana Novak;ana.novak@pekarna-novak.si;041 555 123;Pekarna Novak\n"
                    "Jure Kos;jure.kos@siol.net;051 333 444;\n")
    result = run(settings, "import", str(file))
    assert result.exit_code == 1
    assert "no column in the first row is one we recognise" in result.output
    assert "looks like data: add a header row" in result.output
    assert _count(runtime) == 0


@pytest.mark.parametrize("column", ["Datum", "date", "created_at", "submitted_at", "Čas",
                                    "Entry Date", "Datum oddaje"])
def test_a_date_column_gives_the_lead_its_time_and_its_consent_time(settings, runtime,
                                                                    tmp_path, column):
    file = tmp_path / "export.csv"
    file.write_text(f"{column};E-pošta;Ime;Soglasje\n"
                    "14.03.2024 09:15;ana.novak@pekarna-novak.si;Ana Novak;da\n"
                    "2024-03-15T10:30:00;jure.kos@siol.net;Jure Kos;da\n")
    assert run(settings, "import", str(file)).exit_code == 0
    with runtime.db.transaction() as s:
        leads = {l.email: l for l in s.scalars(select(LeadRow))}
        subs = {sub.id: sub for sub in s.scalars(select(SubmissionRow))}
        ana = leads["ana.novak@pekarna-novak.si"]
        assert ana.created_at == datetime(2024, 3, 14, 9, 15, tzinfo=timezone.utc)
        assert subs[ana.submission_id].received_at == ana.created_at
        assert ana.consent["given"] and ana.consent["at"].startswith("2024-03-14T09:15")
        assert leads["jure.kos@siol.net"].created_at == datetime(2024, 3, 15, 10, 30,
                                                                 tzinfo=timezone.utc)


def test_a_column_named_like_a_date_without_dates_is_not_the_date(settings, runtime, tmp_path):
    file = tmp_path / "export.csv"
    file.write_text("Data protection;email\nyes;ana@pekarna-novak.si\n")
    result = run(settings, "import", "--dry-run", str(file))
    assert "dates from" not in result.output
    assert "Data protection" in result.output.split("not recognised")[1]


@pytest.mark.parametrize("encoding", ["cp1250", "iso8859_2"])
def test_a_windows_or_latin2_export_imports_as_it_is(settings, runtime, tmp_path, encoding):
    file = tmp_path / "excel.csv"
    file.write_bytes(("Ime in priimek;E-pošta;Sporočilo\n"
                      "Žiga Kovačič;ziga@gradnje-horvat.si;Želimo ponudbo za škatle, "
                      "čim prej.\n"
                      "Špela Čuk;spela.cuk@siol.net;Zanima me cenik za ščetke in žice.\n")
                     .encode(encoding))
    assert run(settings, "import", str(file)).exit_code == 0
    with runtime.db.transaction() as s:
        names = {(l.first_name, l.last_name) for l in s.scalars(select(LeadRow))}
    assert names == {("Žiga", "Kovačič"), ("Špela", "Čuk")}


def test_the_dry_run_shows_each_rows_person_and_the_columns_it_did_not_recognise(
        settings, runtime, tmp_path):
    file = tmp_path / "leads.csv"
    file.write_text("Ime;E-pošta;Sporočilo;Interna opomba\n"
                    "Marko Horvat;marko@gradnje-horvat.si;Nujno potrebujemo ponudbo;VIP\n")
    result = run(settings, "import", "--dry-run", str(file))
    assert "Marko Horvat <marko@gradnje-horvat.si>" in result.output
    assert "columns not recognised (kept with each lead as extra fields): Interna opomba" \
        in result.output


@pytest.mark.parametrize("content, message", [
    (b'[{"email": "ana@pekarna-novak.si"}, {"email": "jure@siol.net"}]', "this is JSON"),
    (b'{"email": "ana@pekarna-novak.si"}', "this is JSON"),
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40, "Excel workbook"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40, "binary file"),
])
def test_json_and_binary_files_are_refused_before_anything_is_stored(settings, runtime, tmp_path,
                                                                      content, message):
    file = tmp_path / "leads.csv"
    file.write_bytes(content)
    result = run(settings, "import", str(file))
    assert result.exit_code == 1 and message in result.output
    assert _count(runtime) == 0


def test_an_import_run_again_finds_its_dated_rows_already_there(settings, runtime, tmp_path):
    file = tmp_path / "export.csv"
    file.write_text("Datum;E-pošta;Ime;Sporočilo\n"
                    "14.03.2024 09:15;ana.novak@pekarna-novak.si;Ana Novak;Zanima me cenik.\n")
    assert "1 leads imported" in run(settings, "import", str(file)).output
    again = run(settings, "import", str(file)).output      # after a crash halfway, say
    assert "0 leads imported, 1 duplicates" in again
    assert _count(runtime, LeadRow) == 1
