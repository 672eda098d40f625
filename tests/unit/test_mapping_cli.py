"""`connector mapping test`: what a site owner runs while setting up a form."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from connector.cli import cli
from tests.samples import SAMPLES


def run(*args: str):
    return CliRunner().invoke(cli, list(args), env={"CONNECTOR_WEBHOOK_TOKEN": "x" * 20})


def test_a_captured_request_shows_its_lead_and_unmapped_fields():
    result = run("mapping", "test", str(SAMPLES / "forminator__json.json"))

    assert result.exit_code == 0, result.output
    lead = json.loads(result.stdout)
    assert (lead["plugin"], lead["email"], lead["last_name"]) == (
        "forminator", "jiri.dvorak@example.cz", "Dvořák")
    assert "unmapped fields: hidden_1" in result.stderr


@pytest.mark.parametrize("sample, listed", [
    ("cf7-to-webhook__special-mail-tags-renamed-key-custom-headers", "_date, _post_title"),
    ("elementor-pro__advanced", "Date, Powered by, Time"),
    ("elementor-pro__simple", "Date, Powered by, Time"),
    ("fluentforms-pro__all-fields-json", "__submission.browser, __submission.country, "
                                         "__submission.device"),
])
def test_meta_the_plugin_sent_without_a_lead_field_is_kept_and_listed(sample, listed):
    result = run("mapping", "test", str(SAMPLES / f"{sample}.json"))

    assert result.exit_code == 0, result.output
    assert listed in result.stderr
    extra = json.loads(result.stdout)["extra"]
    assert all(name in extra for name in listed.split(", "))


def test_a_plain_body_is_parsed_with_the_named_plugin(tmp_path):
    body = tmp_path / "body.txt"
    body.write_text("names%5Bfirst_name%5D=Ana&names%5Blast_name%5D=Horvat&email=ana%40x.hr"
                    "&extra_field=1")
    result = run("mapping", "test", str(body), "--plugin", "fluent")

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["first_name"] == "Ana"
    assert "unmapped fields: extra_field" in result.stderr


def test_a_body_that_is_no_lead_says_why(tmp_path):
    body = tmp_path / "body.json"
    body.write_text('{"x": "1"}')
    result = run("mapping", "test", str(body), "--plugin", "generic")

    assert result.exit_code == 1
    assert "no email address or phone number found; fields received: x" in result.output


def test_an_unknown_plugin_is_refused():
    result = run("mapping", "test", str(SAMPLES / "forminator__json.json"), "--plugin", "typeform")
    assert result.exit_code == 2 and "unknown plugin" in result.output
