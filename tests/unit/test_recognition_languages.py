"""Forms labelled in every supported language map without a mapping of their own.

Each form is sent the way Elementor's simple format sends it: keyed by the
labels the visitor saw, so nothing but the labels tells the fields apart.
"""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from connector.domain.mapping import FieldMapping, map_submission
from connector.domain.submission import Submission
from connector.rulebook import Rulebook
from connector.settings import PROJECT_ROOT

RULES = Rulebook.load(PROJECT_ROOT / "mappings")
NO_MAPPING = FieldMapping({})
AT = datetime(2026, 6, 14, tzinfo=timezone.utc)

# language -> (labels in the order a form shows them, with values)
FORMS = {
    "en": {"Full name": "John Smith", "Email address": "john@acme.co.uk",
           "Phone number": "+44 20 7946 0958", "Company name": "Acme Ltd",
           "Job title": "Head of IT", "Your message": "We need a quote for 40 seats this month.",
           "Services": ["Hosting", "Support"], "I agree to the privacy policy": "on"},
    "sl": {"Ime in priimek": "Žiga Kovačič", "E-pošta": "ziga@podjetje.si",
           "Telefonska številka": "041 123 456", "Podjetje": "Podjetje d.o.o.",
           "Delovno mesto": "direktor", "Sporočilo": "Zanima me ponudba za prenovo spletne strani.",
           "Storitve": ["SEO", "Oglaševanje"], "Soglasje": "1"},
    "hr": {"Ime i prezime": "Marija Novak", "E-mail adresa": "marija@tvrtka.hr",
           "Broj telefona": "+385 91 234 5678", "Tvrtka": "Tvrtka d.o.o.",
           "Radno mjesto": "voditeljica nabave", "Poruka": "Trebamo ponudu za novu web stranicu.",
           "Usluge": ["Izrada web stranice"], "Slažem se s uvjetima": "on"},
    "sr-Latn": {"Ime i prezime": "Milan Petrović", "Email": "milan@firma.rs",
                "Telefon": "+381 64 123 4567", "Firma": "Firma doo",
                "Pozicija": "vlasnik", "Poruka": "Zanima nas cena održavanja sajta.",
                "Usluge": ["Održavanje"], "Saglasnost": "1"},
    "sr-Cyrl": {"Име и презиме": "Милан Петровић", "Е-пошта": "milan@firma.rs",
                "Телефон": "+381 64 123 4567", "Фирма": "Фирма доо",
                "Позиција": "власник", "Порука": "Занима нас цена одржавања сајта.",
                "Услуге": ["Одржавање"], "Сагласност": "1"},
    "bs": {"Ime i prezime": "Amra Hodžić", "E-mail": "amra@preduzece.ba",
           "Broj telefona": "+387 61 123 456", "Preduzeće": "Preduzeće d.o.o.",
           "Radno mjesto": "direktorica", "Poruka": "Molimo ponudu za izradu web trgovine.",
           "Usluge": ["Web trgovina"], "Pristanak": "on"},
    "pl": {"Imię i nazwisko": "Łukasz Wiśniewski", "Adres e-mail": "lukasz@firma.pl",
           "Numer telefonu": "+48 601 234 567", "Nazwa firmy": "Firma Sp. z o.o.",
           "Stanowisko": "prezes", "Wiadomość": "Proszę o wycenę nowej strony dla naszej firmy.",
           "Usługi": ["Projektowanie stron"], "Wyrażam zgodę": "1"},
    "cs": {"Jméno a příjmení": "Jiří Dvořák", "E-mailová adresa": "jiri@firma.cz",
           "Telefonní číslo": "+420 603 123 456", "Společnost": "Firma s.r.o.",
           "Pozice": "jednatel", "Zpráva": "Dobrý den, máme zájem o nový e-shop.",
           "Služby": ["Tvorba webu"], "Souhlas": "on"},
    "sk": {"Meno a priezvisko": "Ján Kováč", "E-mail": "jan@firma.sk",
           "Telefónne číslo": "+421 905 123 456", "Spoločnosť": "Firma s.r.o.",
           "Pozícia": "konateľ", "Správa": "Máme záujem o cenovú ponuku na web.",
           "Služby": ["Tvorba webu"], "Súhlas": "on"},
    "de": {"Vorname und Nachname": "Jürgen Müller", "E-Mail-Adresse": "juergen@firma.de",
           "Telefonnummer": "+49 30 1234567", "Unternehmen": "Firma GmbH",
           "Berufsbezeichnung": "Geschäftsführer",
           "Ihre Nachricht": "Bitte senden Sie uns ein Angebot für die neue Website.",
           "Leistungen": ["Webdesign"], "Ich stimme zu": "1"},
}


@pytest.mark.parametrize("language", sorted(FORMS))
def test_a_form_labelled_in_this_language_maps_without_a_mapping(language):
    form = FORMS[language]
    values = list(form.values())
    sub = Submission("elementor", dict(form), AT, labels={k: k for k in form})

    lead = map_submission(sub, NO_MAPPING, RULES.lexicon)

    first, last = values[0].rsplit(" ", 1)
    assert (lead.first_name, lead.last_name) == (first, last)
    assert lead.email == values[1]
    assert lead.phone == values[2]
    assert lead.company == values[3]
    assert lead.job_title == values[4]
    assert lead.message == values[5]
    assert list(lead.product_interests) == values[6]
    assert lead.consent is not None and lead.consent.given
    assert lead.consent.text == list(form)[7]
    assert lead.extra == {}


@pytest.mark.parametrize("labels, target", [
    ({"Ime": "Ana", "Priimek": "Novak"}, ("Ana", "Novak")),
    ({"Imię": "Anna", "Nazwisko": "Kowalska"}, ("Anna", "Kowalska")),
    ({"Jméno": "Jana", "Příjmení": "Nováková"}, ("Jana", "Nováková")),
    ({"Vorname": "Eva", "Nachname": "Schmidt"}, ("Eva", "Schmidt")),
    ({"Име": "Ана", "Презиме": "Новак"}, ("Ана", "Новак")),
    ({"Ime": "Ana Marija Novak"}, ("Ana Marija", "Novak")),   # one name field, whole name
])
def test_first_and_last_name_fields_in_every_language(labels, target):
    fields = dict(labels, **{"E-mail": "a@b.si"})
    lead = map_submission(Submission("elementor", fields, AT, labels={k: k for k in fields}),
                          NO_MAPPING, RULES.lexicon)
    assert (lead.first_name, lead.last_name) == target


def test_a_company_name_label_is_not_taken_for_a_first_name():
    fields = {"Ime podjetja": "Podjetje d.o.o.", "Ime": "Ana", "E-pošta": "a@b.si"}
    lead = map_submission(Submission("elementor", fields, AT, labels={k: k for k in fields}),
                          NO_MAPPING, RULES.lexicon)
    assert (lead.company, lead.first_name) == ("Podjetje d.o.o.", "Ana")


def test_field_names_are_recognised_when_there_are_no_labels():
    fields = {"e_posta": "a@b.si", "telefon": "041 555 666", "podjetje": "X d.o.o.",
              "sporocilo": "Pozdravljeni, prosim za ponudbo za 20 licenc.",
              "email_k3j9": "ignored@b.si"}
    lead = map_submission(Submission("generic", fields, AT), NO_MAPPING, RULES.lexicon)
    assert (lead.email, lead.phone, lead.company) == ("a@b.si", "041 555 666", "X d.o.o.")
    assert lead.message.startswith("Pozdravljeni")
    assert lead.extra == {"email_k3j9": "ignored@b.si"}
