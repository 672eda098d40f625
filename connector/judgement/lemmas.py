"""Words to their dictionary form, so "pokličite", "pokliči" and "poklical" are one feature.

Slavic languages inflect heavily: the same request is written in many forms, and a
model that has seen one business's "pozovite" should recognise the next one's
"pozvati". Lemmas come from simplemma's dictionaries (the nine languages are seven
of its dictionaries: Croatian, Serbian and Bosnian share one), but those weigh
hundreds of megabytes; training keeps only the forms of the lemmas the training
texts use, and that table travels in the judgement's artefact. Applying a judgement
never imports simplemma: the same small table serves training and intake alike, so
the two cannot disagree.
"""
from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Callable, Iterable, Mapping

from connector.domain.words import plain

# Our language codes -> simplemma's dictionaries.
DICTIONARIES = {"sl": "sl", "hr": "hbs", "sr": "hbs", "bs": "hbs", "pl": "pl", "cs": "cs",
                "sk": "sk", "de": "de", "en": "en"}
# When the language is not known (a message of a few words), the first dictionary that
# knows the word decides.
ORDER = ("sl", "hbs", "pl", "cs", "sk", "de", "en")
MIN_DOCUMENTS = 2  # a lemma fewer training texts use would get no weight anyway

_LETTERS = re.compile(r"[^\W\d_]{2,}")
# Serbian Cyrillic -> Gaj's Latin with its diacritics (the dictionary's spelling).
GAJ = str.maketrans(dict(zip(
    "абвгдђежзијклљмнњопрстћуфхцчџш",
    ["a", "b", "v", "g", "d", "đ", "e", "ž", "z", "i", "j", "k", "l", "lj", "m", "n", "nj",
     "o", "p", "r", "s", "t", "ć", "u", "f", "h", "c", "č", "dž", "š"])))


def words_of(text: str) -> str:
    """The words of a text as the dictionaries spell them: lower case, Latin script."""
    return " ".join(_LETTERS.findall(text.casefold().translate(GAJ)))


class Lemmas:
    """Form -> lemma per dictionary, for the forms of the lemmas a judgement knows."""

    def __init__(self, tables: Mapping[str, Mapping[str, str]]) -> None:
        self.tables = {name: dict(table) for name, table in tables.items()}
        # Form -> the feature it reads as (the lemma folded plain), worked out once: a
        # table's few thousand lemmas fold in milliseconds, its forms then cost a look-up.
        folded = {lemma: _folded(lemma) for table in self.tables.values()
                  for lemma in set(table.values())}
        self._features = {name: {form: folded[lemma] for form, lemma in table.items()}
                          for name, table in self.tables.items()}
        self._order = [self._features[name] for name in ORDER if name in self._features]

    def text(self, words: str, language: str | None) -> str:
        """The words' lemmas, folded plain (no accents), one token each."""
        read = self.reader(language)
        out = []
        for word in words.split():
            lemma = read(word)
            out.append(_folded(word) if lemma is None else lemma)
        return " ".join(w for w in out if w)

    def reader(self, language: str | None) -> Callable[[str], str | None]:
        """word (as words_of spells it) -> its lemma as a feature in this language, or
        None for a word the table does not know."""
        name = DICTIONARIES.get(language or "")
        if name:
            return self._features.get(name, {}).get
        order = self._order

        def read_any(word: str) -> str | None:
            for table in order:
                lemma = table.get(word)
                if lemma is not None:
                    return lemma
            return None
        return read_any

    # --- building (training only: needs simplemma) -------------------------------------

    @classmethod
    def build(cls, texts: Iterable[tuple[str, str | None]]) -> "Lemmas":
        """The table for these (words, language) texts: every form, in each dictionary,
        of every lemma at least MIN_DOCUMENTS of them use."""
        documents: Counter = Counter()
        for words, language in texts:
            names = [DICTIONARIES[language]] if language in DICTIONARIES else list(ORDER)
            seen = set()
            for word in words.split():
                for name in names:
                    lemma = _full(name).get(word)
                    if lemma is not None:
                        seen.add((name, lemma))
                        break
            documents.update(seen)
        wanted: dict[str, set[str]] = {}
        for (name, lemma), n in documents.items():
            if n >= MIN_DOCUMENTS:
                wanted.setdefault(name, set()).add(lemma)
        tables = {}
        for name in ORDER:
            keep = wanted.get(name, set())
            if not keep:
                continue
            full, forms = _full(name), _forms(name)
            table = {form: lemma for lemma in keep for form in forms.get(lemma, ())}
            # A kept lemma that is also a form of a lemma nobody used: the full dictionary
            # would not read it as itself, so neither does the small table ("" is no word).
            for lemma in keep:
                other = full.get(lemma)
                if other is not None and other != lemma:
                    table[lemma] = other if other in keep else ""
            tables[name] = table
        return cls(tables)


def _folded(lemma: str) -> str:
    return plain(lemma).strip().replace(" ", "_")


@lru_cache(maxsize=None)
def _forms(name: str) -> dict[str, list[str]]:
    """Lemma -> its other forms, for one dictionary (training only)."""
    forms: dict[str, list[str]] = {}
    for form, lemma in _full(name).items():
        if form != lemma:
            forms.setdefault(lemma, []).append(form)
    return forms


@lru_cache(maxsize=None)
def _full(name: str) -> dict[str, str]:
    """simplemma's whole dictionary for one language, keyed by lower-case form (seconds
    to load; training only). Where case told two forms apart ("Essen", "essen"), the
    lower-case one's lemma wins, as the words it is asked for are lower case."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    table: dict[str, str] = {}
    lower: list[tuple[str, str]] = []
    for form, lemma in DefaultDictionaryFactory().get_dictionary(name).items():
        if isinstance(form, bytes):  # simplemma before 1.1 hands out bytes
            form, lemma = form.decode(), lemma.decode()
        if form.islower():
            lower.append((form, lemma.casefold()))
        else:
            table.setdefault(form.casefold(), lemma.casefold())
    table.update(lower)
    return table
