from datetime import datetime, timezone

import pytest

from connector.domain.lead import MappingError
from connector.domain.mapping import FieldMapping, map_submission, split_full_name
from connector.domain.submission import Submission
from connector.rulebook import Rulebook
from connector.settings import PROJECT_ROOT

AT = datetime(2026, 6, 14, 9, 30, tzinfo=timezone.utc)
RULES = Rulebook.load(PROJECT_ROOT / "mappings")


def lead_of(fields, plugin="generic", **kw):
    return map_submission(Submission(plugin, fields, AT, **kw), RULES.mappings[plugin])


@pytest.mark.parametrize("full, parts", [
    ("Žiga Kovačič", ("Žiga", "Kovačič")),
    ("  Ana   Marija  Novak ", ("Ana Marija", "Novak")),
    ("Kovačič, Žiga", ("Žiga", "Kovačič")),
    ("Žiga", ("Žiga", None)),
    ("", (None, None)),
])
def test_full_names_split_into_first_and_last(full, parts):
    assert split_full_name(full) == parts


def test_names_match_loosely_and_unclaimed_fields_stay_in_extra():
    lead = lead_of({"E-Mail": "Ana@Firma.SI", "Full Name": "Ana Novak", "proracun": "5k"})
    assert (lead.email, lead.first_name, lead.last_name) == ("ana@firma.si", "Ana", "Novak")
    assert lead.extra == {"proracun": "5k"}


def test_nested_objects_match_on_the_tail_of_their_path():
    lead = lead_of({"lead": {"email": "a@b.si", "utm": {"source": "google"}}, "source": "cf7"},
                   plugin="cf7")
    assert lead.email == "a@b.si"
    assert lead.tracking == {"utm_source": "google"}
    assert lead.extra == {"source": "cf7"}


def test_plugin_meta_without_a_lead_field_stays_in_extra_and_is_never_guessed_from():
    # As a field, "14. 6. 2026" would pass for a phone number.
    lead = lead_of({"email": "a@b.si", "country": "Slovenija"}, plugin="cf7",
                   other_meta={"_date": "14. 6. 2026", "country": "SI", "_time": ""})
    assert lead.phone is None
    assert lead.extra == {"country": "Slovenija", "_date": "14. 6. 2026"}  # the visitor's wins


def test_first_and_last_name_fields_win_over_a_full_name():
    lead = lead_of({"email": "a@b.si", "name": "Ana Novak", "first_name": "Ana",
                    "last_name": "Novak-Kranjc"})
    assert (lead.first_name, lead.last_name) == ("Ana", "Novak-Kranjc")
    assert lead.extra == {"name": "Ana Novak"}


def test_consent_records_the_field_its_label_and_the_time():
    lead = lead_of({"email": "a@b.si", "consent": "1"}, labels={"consent": "I agree to news"})
    assert lead.consent.given is True
    assert (lead.consent.field, lead.consent.text, lead.consent.at) == (
        "consent", "I agree to news", AT.isoformat())
    assert lead_of({"email": "a@b.si", "consent": "0"}).consent.given is False


def test_an_empty_checkbox_string_is_no_interest():
    assert lead_of({"storitve": "", "your-email": "a@b.si"}, plugin="cf7").product_interests == ()


def test_files_keep_url_name_and_size_never_content():
    lead = lead_of({"your-email": "a@b.si",
                    "priponka": {"filename": "brief.pdf", "content": "JVBERi0xLjQK"},
                    "cv": "https://x.si/wp-content/uploads/cf7-to-webhook-uploads/1/a/cv-me.pdf"},
                   plugin="cf7")
    refs = {(f.field, f.name, f.size, f.url) for f in lead.files}
    assert ("priponka", "brief.pdf", 9, None) in refs
    assert "JVBERi0xLjQK" not in repr(lead)


def test_an_address_in_an_unmapped_field_is_still_found():
    lead = lead_of({"kontakt": "ana@firma.si", "vprasanje": "?"})
    assert lead.email == "ana@firma.si"
    assert "kontakt" not in lead.extra


def test_phone_alone_is_enough():
    assert lead_of({"phone": "041 555 666"}).phone == "041 555 666"


def test_no_way_to_reach_the_person_is_a_mapping_error_naming_fields_not_values():
    with pytest.raises(MappingError) as exc:
        lead_of({"name": "Ana Secret", "message": "hello"})
    assert "message, name" in str(exc.value) and "Secret" not in str(exc.value)


def test_a_malformed_email_is_a_mapping_error():
    with pytest.raises(MappingError, match="does not hold an email address"):
        lead_of({"email": "not-an-address"})


def test_mapping_files_reject_unknown_lead_fields():
    with pytest.raises(ValueError, match="'emial' is not a lead field"):
        FieldMapping.from_dict({"fields": {"emial": ["email"]}}, "x.yaml")


def test_per_form_overrides_come_first_by_form_id_or_name():
    mapping = FieldMapping.from_dict({
        "fields": {"company": ["company"]},
        "forms": {"3": {"fields": {"company": ["8"]}},
                  "Kontakt": {"fields": {"utm_source": ["hidden_1"]}}}}, "gf.yaml")
    fields = {"2": "a@b.si", "8": "Firma d.o.o.", "company": "other", "hidden_1": "facebook"}

    by_id = map_submission(Submission("gravityforms", fields, AT, form_id="3"), mapping)
    by_name = map_submission(Submission("gravityforms", fields, AT, form_name="kontakt"), mapping)
    other = map_submission(Submission("gravityforms", fields, AT, form_id="4"), mapping)

    assert by_id.company == "Firma d.o.o." and "hidden_1" in by_id.extra
    assert by_name.company == "other" and by_name.tracking["utm_source"] == "facebook"
    assert other.company == "other"


def test_bad_per_form_overrides_are_refused():
    with pytest.raises(ValueError, match="form '3'.*'compnay' is not a lead field"):
        FieldMapping.from_dict({"forms": {"3": {"fields": {"compnay": ["8"]}}}}, "gf.yaml")
