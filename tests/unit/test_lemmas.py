"""Lemmas: one feature for the many forms a Slavic (or German) word is written in, from a
table small enough to ship, that reads every word as the full dictionary would."""
from __future__ import annotations

from connector.judgement.lemmas import Lemmas, _full, words_of


def test_words_are_spelled_as_the_dictionaries_spell_them():
    assert words_of("Pozovite me SUTRA, хитно! 10ч") == "pozovite me sutra hitno"
    assert words_of("Имам термин код Сање") == "imam termin kod sanje"
    assert words_of("Ich möchte 2 Karten") == "ich möchte karten"


def test_forms_of_a_lemma_the_training_texts_use_become_that_lemma():
    texts = [("pozovite me danas", "hr"), ("molim pozovite", "sr"), ("pošaljite ponudu", "bs")]
    lemmas = Lemmas.build(texts)
    # "pozovite" was in two texts: its lemma is kept, and any other form of it is read so.
    other = next(f for f, lemma in _full("hbs").items()
                 if lemma == _full("hbs")["pozovite"] and f != "pozovite")
    assert lemmas.text(other, "hr") == lemmas.text("pozovite", "sr") != ""
    # One text only: not kept, read as written.
    assert lemmas.text("pošaljite", "bs") == "posaljite"


def test_a_short_text_of_no_known_language_is_read_by_the_first_dictionary_that_knows_it():
    lemmas = Lemmas.build([("pokličite nas", "sl"), ("pokličite jutri", "sl")])
    assert lemmas.text("pokličite", None) == lemmas.text("pokličite", "sl")


def test_a_built_table_reads_the_training_words_as_the_full_dictionary_does():
    from connector.domain.words import plain

    texts = [("zadzwońcie do mnie jutro proszę", "pl"), ("proszę zadzwonić jutro", "pl"),
             ("zadzwońcie proszę", "pl")]
    lemmas = Lemmas.build(texts)
    full = _full("pl")
    # Every word whose lemma two or more texts use: the full dictionary's lemma, folded.
    for word in ("zadzwońcie", "zadzwonić", "jutro", "proszę"):
        assert lemmas.text(word, "pl") == plain(full.get(word, word)).strip()
    assert lemmas.text("zadzwońcie", "pl") == lemmas.text("zadzwonić", "pl")
    # "mnie" (one text) is no lemma the judgement knows: read as written.
    assert lemmas.text("mnie", "pl") == "mnie"
