"""Spreadsheet exports in the code pages of the nine languages' countries read as written."""
from __future__ import annotations

import pytest

from connector.imports.encoding import best_reading

TEXTS = {
    "sl": ("Ime;E-pošta\nŽiga Kovačič;ziga@x.si\nŠpela Čuk;spela@x.si\n", ("cp1250", "iso8859_2")),
    "pl": ("Imię;Wiadomość\nŁukasz Śliwiński;Proszę o ofertę, źle działa\n",
           ("cp1250", "iso8859_2")),
    "cs": ("Jméno;Zpráva\nJiří Dvořák;Dobrý den, potřebujeme nový e-shop\n",
           ("cp1250", "iso8859_2")),
    "sk": ("Meno;Správa\nĽubomír Šťastný;Ďakujem, ponuka je ľahko čitateľná\n",
           ("cp1250", "iso8859_2")),
    "de": ("Name;Nachricht\nJürgen Weiß;Größe und Preis für Übernahme?\n",
           ("cp1252", "cp1250", "iso8859_2")),
    "sr": ("Име;Порука\nЂорђе Јовановић;Желим понуду за пољопривредне машине\n", ("cp1251",)),
}


@pytest.mark.parametrize("lang", sorted(TEXTS))
def test_each_languages_export_reads_as_written_in_every_code_page_it_is_saved_in(lang):
    text, encodings = TEXTS[lang]
    for encoding in encodings:
        read, _ = best_reading(text.encode(encoding))
        assert read == text, encoding
