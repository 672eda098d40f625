"""Every sample of what the WordPress plugins really send becomes the lead it should,
through the HTTP endpoint, on both databases."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from connector.store.models import LeadRow, SubmissionRow
from tests.conftest import TOKEN
from tests.samples import load, names, request_for

ZIGA = dict(email="ziga.kovacic@example.si", first_name="Žiga", last_name="Kovačič")
ZIGA_CF7 = dict(ZIGA, phone="+386 41 123 456",
                message="Pozdravljeni,\nzanima me ponudba za prenovo spletne strani in SEO. "
                        "Lep pozdrav, Žiga",
                product_interests=["Izdelava spletne strani", "SEO optimizacija"])
JIRI = dict(email="jiri.dvorak@example.cz", first_name="Jiří", last_name="Dvořák")
ELEMENTOR = dict(JIRI, phone="+420 603 123 456", form_id="3f5a2b1",
                 form_name="Kontaktní formulář",
                 message="Dobrý den, máme zájem o nový web. Děkuji, Jiří",
                 product_interests=["Tvorba webu", "SEO"],
                 tracking={"utm_source": "seznam", "page_url": "https://priklad.cz/kontakt/",
                           "remote_ip": "89.24.56.78",
                           "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) "
                                         "AppleWebKit/605.1.15 (KHTML, like Gecko) "
                                         "Version/17.5 Safari/605.1.15"},
                 # Meta without a lead field, kept under its title in both formats.
                 extra={"Date": "June 14, 2026", "Time": "10:42 am", "Powered by": "Elementor"})
LUKASZ = dict(email="lukasz.wisniewski@example.pl", first_name="Łukasz",
              last_name="Wiśniewski",
              product_interests=["Projektowanie stron", "Pozycjonowanie SEO"])
GRAVITY_ENTRY = dict(LUKASZ, phone="+48 601 234 567", form_id="3", entry_id="1042",
                     message="Dzień dobry, proszę o wycenę nowej strony dla naszej firmy. "
                             "Pozdrawiam, Łukasz",
                     consent=(True, "Wyrażam zgodę na przetwarzanie danych osobowych."),
                     tracking={"utm_source": "facebook", "utm_campaign": "lato",
                               "remote_ip": "83.24.117.9",
                               "submitted_at": "2026-06-14T08:42:17+00:00"})
ANA = dict(email="ana.horvat@example.hr", first_name="Ana", last_name="Horvat")
FLUENT_ALL = dict(ANA, phone="+385 98 765 4321", form_id="3", entry_id="57",
                  message="Poštovani, zanima nas izrada web trgovine. Lijep pozdrav, Ana",
                  product_interests=["Izrada web stranice", "Održavanje"], consent=(True, None),
                  tracking={"utm_source": "newsletter", "page_url": "https://primjer.hr/kontakt/",
                            "remote_ip": "93.140.12.34"},
                  extra={"__submission.browser": "Chrome", "__submission.device": "Windows",
                         "__submission.country": "HR"})
MARIJA = dict(email="marija.novak@example.hr", first_name="Marija", last_name="Novak",
              phone="+385 91 234 5678", entry_id="318",
              message="Poštovani, trebamo novu web stranicu za naš obrt. Hvala!",
              product_interests=["Izrada web stranice", "SEO optimizacija"],
              tracking={"utm_source": "instagram", "page_url": "https://primjer.hr/kontakt/"})

EXPECTED = {
    "cf7-to-webhook__default-json": dict(
        ZIGA_CF7, consent=(True, None), extra={"proracun": "5.000–10.000 €"},
        files=[("priponka", "priponka-brief.pdf")],
        tracking={"utm_source": "google", "utm_campaign": "poletje_2026"}),
    "cf7-to-webhook__file-as-base64": dict(
        ZIGA_CF7, consent=(True, None), files=[("priponka", "brief.pdf")],
        extra={"proracun": "5.000–10.000 €"}),
    "cf7-to-webhook__special-mail-tags-renamed-key-custom-headers": dict(
        ZIGA_CF7, form_name="Kontakt", consent=(True, None),
        tracking={"utm_source": "google", "utm_campaign": "poletje_2026",
                  "page_url": "https://primer.si/kontakt/", "remote_ip": "93.103.45.67"},
        # ?form= names the form, so the page's title is kept with the date.
        extra={"proracun": "5.000–10.000 €", "_date": "14. 6. 2026", "_post_title": "Kontakt"}),
    "cf7-to-webhook__custom-body-not-json": dict(ZIGA_CF7, tracking={"utm_source": "google"},
                                                 extra={"source": "cf7"}),
    "cf7-to-webhook__custom-body-form-pairs": dict(
        email="john.smith@example.com", first_name="John", last_name="Smith",
        phone="+44 20 7946 0958", company="Smith & Sons Ltd",
        message="Hello,\nplease send me a quote for 25 seats (20% of our staff).\nThanks!",
        extra={}),
    "cf7-to-webhook__custom-body-broken-json": dict(
        email="mary.johnson@example.org", first_name="Mary", last_name="Johnson",
        phone="+1 415 555 0134", company='The "Best" Bakery',
        message="Hi,\r\nwe'd like a \"Demo\" of the <b>Pro</b> plan, and pricing for 3 sites."
                "\r\nThanks, Mary",
        product_interests=["Demo", "Pricing"], extra={"source": "website"},
        tracking={"page_url": "https://example.com/contact/?utm_source=newsletter"
                              "&utm_campaign=spring",
                  "utm_source": "newsletter", "utm_campaign": "spring"}),
    "cf7-to-webhook__custom-body-json": dict(
        email="peter.brown@example.com", first_name="Peter", last_name="Brown",
        phone="+1 212 555 0187", company="Brown Robotics Inc.",
        message="Please call me about a demo next week.", product_interests=["Demo"],
        files=[("brief", "brief.pdf")], extra={}),
    "elementor-pro__advanced": ELEMENTOR,
    "elementor-pro__simple": ELEMENTOR,
    "gravityforms-webhooks__all-fields-json": GRAVITY_ENTRY,
    "gravityforms-webhooks__all-fields-form": GRAVITY_ENTRY,
    "gravityforms-webhooks__select-fields-json": dict(
        LUKASZ, entry_id="1042", tracking={"utm_source": "facebook", "utm_campaign": "lato"}),
    "fluentforms-pro__all-fields-json": FLUENT_ALL,
    "fluentforms-pro__all-fields-form": FLUENT_ALL,
    "fluentforms-pro__default-get-selected-fields": dict(
        ANA, tracking={"utm_source": "newsletter"}, extra={"tags": ["web", "hr"]}),
    "forminator__json": dict(
        JIRI, phone="+420 777 888 999", form_name="Kontaktní formulář",
        message="Dobrý den, potřebujeme nový e-shop. S pozdravem Jiří Dvořák",
        product_interests=["Tvorba webu", "Správa sociálních sítí"], consent=(True, None),
        extra={"hidden_1": "facebook"},
        tracking={"page_url": "https://priklad.cz/kontakt/", "referrer": "https://www.google.com/"}),
    "ninja-forms-webhooks__post-form": dict(
        ZIGA, product_interests=["Izdelava spletne strani", "SEO optimizacija"],
        tracking={"utm_source": "google"}),
    "ninja-forms-webhooks__post-json": dict(
        ZIGA, product_interests=["Izdelava spletne strani", "SEO optimizacija"],
        tracking={"utm_source": "google"}),
    "wpforms-webhooks__json": MARIJA,
    "wpforms-webhooks__form": MARIJA,
    "formidable-api__default-json": dict(
        email="emily.carter@example.co.uk", first_name="Emily", last_name="Carter",
        form_id="4", entry_id="15", product_interests=["Website design", "SEO"],
        tracking={"utm_source": "linkedin", "remote_ip": "81.2.69.160",
                  "referrer": "https://example.com/contact/"}),
}


PLUGIN_OF = {"cf7": "cf7", "elementor": "elementor", "gravityforms": "gravityforms",
             "fluentforms": "fluentforms", "forminator__json": "forminator",
             "ninja": "ninjaforms", "wpforms": "wpforms", "formidable": "formidable"}


# Bodies of the admin's own keys, with no header or key only that plugin sends.
ADMIN_SHAPED = {"fluentforms-pro__default-get-selected-fields", "ninja-forms-webhooks__post-form",
                "ninja-forms-webhooks__post-json", "gravityforms-webhooks__select-fields-json",
                "cf7-to-webhook__custom-body-json"}


def post(client, sample: dict, route: str | None = None):
    method, path, headers, body = request_for(sample)
    if route:
        path = f"/hooks/{route}" + (path[path.index("?"):] if "?" in path else "")
    path += ("&" if "?" in path else "?") + f"token={TOKEN}"
    return client.open(path, method=method, headers=headers, data=body)


def test_every_sample_has_an_expectation():
    assert set(EXPECTED) | {"forminator__connection-test"} == set(names())


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("route", [None, "auto"])
def test_sample_becomes_the_expected_lead(client, runtime, name, route):
    resp = post(client, load(name), route)

    assert resp.status_code == 200, resp.json
    with runtime.db.transaction() as s:
        lead = s.get(LeadRow, resp.json["lead_id"])
        sub = s.get(SubmissionRow, resp.json["submission_id"])
        expected = dict(EXPECTED[name])
        assert sub.entry_id == expected.pop("entry_id", None)
        if consent := expected.pop("consent", None):
            assert (lead.consent["given"], lead.consent["text"]) == consent
        else:
            assert lead.consent is None
        files = expected.pop("files", [])
        assert [(f["field"], f["name"]) for f in lead.files] == files
        for key, value in expected.pop("tracking", {}).items():
            assert lead.tracking.get(key) == value, key
        extra = expected.pop("extra", None)
        if extra is not None:
            assert lead.extra == extra
        if written := expected.pop("phone", None):
            # Every sample's number is international: E.164 is its digits after a "+".
            e164 = "+" + "".join(ch for ch in written if ch.isdigit())
            assert (lead.phone, lead.phone_as_written) == (e164, written)
        for key, value in expected.items():
            assert getattr(lead, key) == value, key
        plugin = PLUGIN_OF[name.split("-")[0]]
        if route == "auto" and name in ADMIN_SHAPED:
            plugin = "generic"  # nothing in these tells the plugin apart; fields are the same
        assert lead.plugin == plugin


@pytest.mark.parametrize("route", [None, "auto"])
def test_forminator_connection_test_gets_200_and_no_lead(client, runtime, route):
    resp = post(client, load("forminator__connection-test"), route)

    assert resp.status_code == 200
    assert resp.json["test"] is True
    with runtime.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(LeadRow)) == 0
        assert s.get(SubmissionRow, resp.json["submission_id"]).status == "test"


def test_formidable_test_button_gets_200_and_no_lead(client, runtime):
    resp = client.post(f"/hooks/formidable?token={TOKEN}", json={"test": True},
                       headers={"X-Hook-Test": "true"})
    assert resp.status_code == 200 and resp.json["test"] is True
    with runtime.db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(LeadRow)) == 0


def test_auto_names_every_plugin_it_tried_when_it_cannot_tell(client, runtime):
    resp = client.post(f"/hooks/auto?token={TOKEN}", json=["a", "b"])

    assert resp.status_code == 422
    for plugin in ("cf7", "gravityforms", "wpforms", "elementor", "fluentforms", "forminator",
                   "formidable", "generic"):
        assert plugin in resp.json["error"]


def test_gravity_forms_numbers_may_come_as_numbers(client, runtime):
    sample = load("gravityforms-webhooks__all-fields-json")
    body = json.loads(sample["raw_body"])
    body.update({"id": 1042, "form_id": 3, "is_starred": 0, "is_read": 0, "source_id": 27})

    resp = client.post(f"/hooks/gravityforms?token={TOKEN}", json=body)

    assert resp.status_code == 200
    with runtime.db.transaction() as s:
        sub = s.get(SubmissionRow, resp.json["submission_id"])
        assert (sub.entry_id, sub.form_id) == ("1042", "3")


def test_forminator_remembers_the_labels_its_connection_test_showed(client, runtime):
    test = load("forminator__connection-test")
    test["raw_body"] = test["raw_body"].replace('"hidden_1"', '"text_1":"Podjetje","hidden_1"')
    assert post(client, test).json["test"] is True
    entry = load("forminator__json")
    entry["raw_body"] = entry["raw_body"].replace(
        '"Kontaktn\\u00ed formul\\u00e1\\u0159"', '"Kontakt"').replace(
        '"hidden_1"', '"text_1":"Dvo\\u0159\\u00e1k s.r.o.","hidden_1"')

    resp = post(client, entry)

    with runtime.db.transaction() as s:
        lead = s.get(LeadRow, resp.json["lead_id"])
        # Only the labels tell that text_1 is the company and hidden_1 the UTM source.
        assert lead.company == "Dvořák s.r.o."
        assert lead.tracking["utm_source"] == "facebook"
        assert lead.extra == {}
