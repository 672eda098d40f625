"""`connector score`: scoring files without storing anything."""
from __future__ import annotations

import json

from click.testing import CliRunner

from connector.cli import cli

HOT = {"form_name": "Request a quote", "name": "John Smith", "email": "john@smith-eng.co.uk",
       "phone": "+44 20 7946 0958", "company": "Smith Engineering", "job_title": "CEO",
       "message": "We urgently need a new website. Please call me today.",
       "page_url": "https://agency.example/pricing/", "utm_source": "google", "utm_medium": "cpc",
       "products": ["Web design", "SEO"], "consent": "1"}
JOB = {"name": "Ryan Hughes", "email": "ryan@gmail.com",
       "message": "Hello, I'm applying for the developer vacancy. Please find my CV attached."}


def run(*args):
    return CliRunner().invoke(cli, list(args), env={"CONNECTOR_WEBHOOK_TOKEN": "x" * 20})


def test_json_lines_in_order_with_every_promised_key(tmp_path):
    files = []
    for name, fields in (("hot.json", HOT), ("job.json", JOB)):
        path = tmp_path / name
        path.write_text(json.dumps(fields))
        files.append(str(path))

    result = run("score", "--json", *files)

    assert result.exit_code == 0, result.output
    hot, job = (json.loads(line) for line in result.stdout.splitlines())
    assert (hot["file"], job["file"]) == tuple(files)
    for key in ("temperature", "category", "score", "dimensions", "reasons", "interests",
                "channel", "language"):
        assert key in hot
    assert (hot["temperature"], hot["category"], hot["channel"], hot["language"]) == (
        "hot", "prospect", "paid_search", "en")
    assert set(hot["dimensions"]) == {"fit", "interest", "behaviour", "timing"}
    assert hot["score"] == sum(hot["dimensions"].values())
    assert hot["interests"] == ["Web design", "SEO"]
    assert any("asks to be called" in r for r in hot["reasons"])
    assert (job["category"], job["temperature"]) == ("job_seeker", "cold")


def test_plain_output_explains_every_point(tmp_path):
    path = tmp_path / "hot.json"
    path.write_text(json.dumps(HOT))
    out = run("score", str(path)).stdout
    assert "HOT prospect" in out and "+7 fit: decision maker (CEO)" in out


def test_other_plugins_and_bad_files(tmp_path):
    from tests.samples import SAMPLES
    result = run("score", "--json", "--plugin", "elementor",
                 str(SAMPLES / "elementor-pro__advanced.json"))
    assert json.loads(result.stdout)["language"] == "cs"
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 1}')
    result = run("score", str(bad))
    assert result.exit_code == 1 and "not a lead" in result.output
