"""The classifier on the labelled set: at least 90 % right on temperature, 95 % on
category, and never a genuine prospect or customer thrown away as junk."""
from __future__ import annotations

from collections import Counter

import pytest

from connector.domain.enrichment import LANGUAGES
from connector.domain.scoring import CATEGORIES
from tests.scoring_set import samples, site_rules, verdict_of

REPORT: dict[str, str] = {}


@pytest.fixture(scope="module")
def results():
    rules = site_rules()
    return [(s, verdict_of(s.fields, rules)) for s in samples()]


def test_the_set_covers_every_language_category_and_hard_case():
    items = samples()
    assert len(items) >= 200
    assert {s.lang for s in items} == set(LANGUAGES)
    assert {s.category for s in items} == set(CATEGORIES)
    notes = " ".join(s.note for s in items)
    for hard in ("free-mail, urgent", "corporate address on a newsletter form",
                 "vendor pitch phrased as a question", "job seeker who mentions prices",
                 "customer asking for an upgrade quote"):
        assert hard in notes, hard
    assert len({s.id for s in items}) == len(items)


def test_accuracy_on_the_labelled_set(results):
    n = len(results)
    temperature = sum(v.temperature == s.temperature for s, v in results) / n
    category = sum(v.category == s.category for s, v in results) / n
    genuine = [(s, v) for s, v in results if s.category in ("prospect", "customer")]
    genuine_temperature = sum(v.temperature == s.temperature for s, v in genuine) / len(genuine)
    thrown_away = [s.id for s, v in genuine if v.junk]
    misses = Counter(f"{s.category}->{v.category}" for s, v in results if s.category != v.category)
    REPORT["rules alone, in sample (the set the word lists were written with)"] = (
        f"{n} labelled submissions: temperature {temperature:.1%} "
        f"(genuine leads {genuine_temperature:.1%}), category {category:.1%}, "
        f"genuine leads classified as junk: {len(thrown_away)}"
        + (f"; category misses {dict(misses)}" if misses else ""))

    assert temperature >= 0.90
    assert category >= 0.95
    assert thrown_away == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_is_classified_well(results, lang):
    mine = [(s, v) for s, v in results if s.lang == lang]
    assert sum(v.category == s.category for s, v in mine) / len(mine) >= 0.9
    assert sum(v.temperature == s.temperature for s, v in mine) / len(mine) >= 0.8
