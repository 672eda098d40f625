"""The canonical lead's phone: E.164 when it can be read, the number as written kept."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from connector.domain.enrichment import with_phone_in_e164
from connector.domain.lead import Lead
from connector.domain.mapping import map_submission
from connector.domain.submission import RawRequest, Submission
from connector.ingest import understand
from connector.rulebook import Rulebook
from connector.settings import PROJECT_ROOT

RULES = Rulebook.load(PROJECT_ROOT / "mappings")
PHONES = RULES.scoring.enrichment          # default_region: SI
AT = datetime(2026, 6, 14, 9, 30, tzinfo=timezone.utc)


def mapped(**fields) -> Lead:
    return map_submission(Submission("generic", fields, AT), RULES.mappings["generic"])


@pytest.mark.parametrize("written, e164", [
    ("041 123 456", "+38641123456"),          # local: read in default_region
    ("041/123-456", "+38641123456"),
    ("(041) 123456", "+38641123456"),
    ("+386 41 123 456", "+38641123456"),
    ("00386 41 123 456", "+38641123456"),
    ("+420 603 123 456", "+420603123456"),    # a country code wins over the region
])
def test_the_phone_is_e164_and_the_number_as_written_is_kept(written, e164):
    lead = with_phone_in_e164(mapped(email="ana@firma.si", phone=written), PHONES)

    assert (lead.phone, lead.phone_as_written) == (e164, written)


def test_a_local_number_from_abroad_is_read_in_the_region_of_the_message_language():
    lead = mapped(phone="601 234 567", message="Dzień dobry, proszę o wycenę nowej strony "
                                               "dla naszej firmy. Pozdrawiam")

    assert with_phone_in_e164(lead, PHONES).phone == "+48601234567"


def test_a_number_that_cannot_be_read_stays_as_written():
    lead = with_phone_in_e164(mapped(email="ana@firma.si", phone="zvečer po 18h"), PHONES)

    assert (lead.phone, lead.phone_as_written) == ("zvečer po 18h", "zvečer po 18h")


def test_no_phone_no_change_and_reading_twice_changes_nothing():
    without = mapped(email="ana@firma.si")
    assert with_phone_in_e164(without, PHONES) == without
    once = with_phone_in_e164(mapped(email="ana@firma.si", phone="041 123 456"), PHONES)
    assert with_phone_in_e164(once, PHONES) == once
    # A lead stored with its E.164 only (no number as written) keeps it as both.
    assert with_phone_in_e164(replace(once, phone_as_written=None), PHONES).phone_as_written \
        == "+38641123456"


def test_a_submission_is_understood_with_its_phone_in_e164():
    body = json.dumps({"name": "Ana Novak", "telefon": "041 123 456"}).encode()
    understood = understand(RawRequest("generic", "POST", "application/json", body, "", {},
                                       None, AT), RULES)

    assert (understood.lead.phone, understood.lead.phone_as_written) == (
        "+38641123456", "041 123 456")
