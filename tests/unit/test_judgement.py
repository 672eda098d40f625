"""The learned judgement's contract: how it combines with the rules, how it explains
itself, and an artefact that loads without running code and is rebuilt identically."""
from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from connector.domain.enrichment import enrich
from connector.domain.scoring import ModelRules, _judged_category, score
from connector.judgement import corpus, training
from connector.judgement.model import Judgement, Reading
from connector.rulebook import Rulebook
from connector.settings import PACKAGED_JUDGEMENT, PROJECT_ROOT
from connector.vocabulary import Category, Temperature
from tests.unit.test_judgement_quality import CORPUS

RULES = Rulebook.load(PROJECT_ROOT / "mappings", PACKAGED_JUDGEMENT)


def verdict(fields: dict, rules: Rulebook = RULES, **scoring):
    lead = training.lead_of(fields, rules)
    s = replace(rules.scoring, **scoring)
    return score(lead, enrich(lead, s.enrichment), s, judgement=rules.judgement)


def reading(**category) -> Reading:
    rest = (1 - sum(category.values())) / 2
    return Reading({"prospect": rest, "customer": rest, **category},
                   {"hot": 0.2, "warm": 0.3, "cold": 0.5}, ('"ponudba"',), ())


def test_junk_needs_confidence_else_the_lead_stays_genuine_and_flagged():
    m = ModelRules(junk_confidence=0.8)
    assert _judged_category(reading(vendor=0.85), m)[0] == "vendor"
    category, why, review = _judged_category(reading(vendor=0.5, spam=0.2), m)
    assert (category, review) == ("prospect", "vendor")
    # Together the junk categories decide: vendor 0.5 + spam 0.35 is junk, and vendor.
    assert _judged_category(reading(vendor=0.5, spam=0.35), m)[0] == "vendor"


def test_hard_evidence_outranks_any_reading_of_the_words():
    buyer = {"form_name": "Povpraševanje", "name": "Marko Horvat", "phone": "041 555 123",
             "message": "Nujno potrebujemo ponudbo za novo streho, pokličite me danes."}
    assert verdict({**buyer, "email": "marko@gradnje-horvat.si"}).category == "prospect"
    assert verdict({**buyer, "email": "marko@gradnje-horvat.si",
                    "honeypot": "x"}).category == "bot"
    rival = verdict({**buyer, "email": "marko@konkurent.si"},
                    competitor_domains=frozenset({"konkurent.si"}))
    assert rival.category == "competitor" and rival.temperature == "cold"


def test_the_verdict_is_explained_in_the_leads_own_words():
    v = verdict({"form_name": "Povratni klic", "name": "Nina Kralj", "email": "nina@gmail.com",
                 "phone": "040 123 456", "page_url": "https://x.si/cenik/",
                 "message": "Pokličite me še danes, rada bi naročila."})
    assert v.temperature == "hot" and v.model == RULES.judgement.version
    said = " ".join(v.reason_texts())
    assert "temperature: hot: the model's reading" in said
    assert '"Pokličite"' in said or '"naročila"' in said  # as written, accents and all
    assert "Nina" not in said and "Kralj" not in said    # never a person's name as a reason


def test_without_a_judgement_the_rules_decide_alone():
    rules = Rulebook.load(PROJECT_ROOT / "mappings", None)
    v = verdict({"email": "ana@pekarna-novak.si", "message": "Zanima me cenik."}, rules)
    assert v.model is None
    assert not any(r.startswith("temperature") for r in v.reason_texts())


def test_with_temperature_by_rules_the_thresholds_decide():
    fields = {"form_name": "Povratni klic", "email": "nina@gmail.com", "phone": "040 123 456",
              "message": "Pokličite me še danes, rada bi naročila."}
    by_rules = verdict(fields, model=replace(RULES.scoring.model, temperature="rules"),
                       hot=101, warm=100)
    assert by_rules.temperature == "cold"


@pytest.fixture(scope="module")
def small():
    data = corpus.load(CORPUS)
    return training.examples(data.split("train")[:400], Rulebook.load(
        PROJECT_ROOT / "mappings", None))


def test_training_is_reproducible_and_the_artefact_loads_without_pickles(small, tmp_path):
    one, two = training.fit(small, {"version": "t"}), training.fit(small, {"version": "t"})
    assert np.array_equal(one.category.coef, two.category.coef)
    path = tmp_path / "j.npz"
    one.save(path)
    with np.load(path, allow_pickle=False) as data:  # raises if anything needs unpickling
        assert json.loads(str(data["header"]))["version"] == "t"
    again = Judgement.load(path)
    view = small[0].view
    assert again.read(view).category == pytest.approx(one.read(view).category, abs=1e-3)
    assert again.read(view).temperature == pytest.approx(one.read(view).temperature, abs=1e-3)


def test_genuine_leads_are_learned_by_temperature_and_read_as_their_category(small):
    judgement = training.fit(small, {"version": "t"})
    learned = set(judgement.category.classes)
    assert {"customer|cold", "prospect|hot"} <= learned and "customer" not in learned
    categories = {c.value for c in Category}
    for r in judgement.read_many([e.view for e in small[:40]]):
        assert set(r.category) <= categories and "prospect" in r.category
        assert sum(r.category.values()) == pytest.approx(1, abs=1e-3)
    # The summed probabilities are the sub-classes' own: softmax, then the sum.
    view = small[0].view
    idx, val = judgement.row(view)
    z = judgement.category.coef[:, idx] @ val + judgement.category.intercept
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    customer = sum(q for c, q in zip(judgement.category.classes, p)
                   if c.startswith("customer|"))
    assert judgement.read(view).category["customer"] == pytest.approx(customer, abs=1e-3)


def test_an_artefact_of_another_format_is_refused(small, tmp_path):
    path = tmp_path / "j.npz"
    training.fit(small, {"version": "t"}).save(path)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(str(arrays["header"]))
    arrays["header"] = np.array(json.dumps({**header, "format": 99}))
    np.savez_compressed(path, **arrays)
    with pytest.raises(ValueError, match="format 99"):
        Judgement.load(path)


def test_one_lead_at_a_time_gives_the_same_features_as_scikit_learn(small):
    judgement = RULES.judgement
    for example in small[:60]:
        idx, val = judgement.row(example.view)
        expected = judgement.features([example.view]).tocsr()
        got = dict(zip(idx.tolist(), val.tolist()))
        assert got.keys() == set(expected.indices.tolist())
        for j, v in zip(expected.indices, expected.data):
            assert got[j] == pytest.approx(v, rel=1e-5)


def test_a_retrained_judgement_replaces_the_current_one_only_when_not_worse_on_either():
    from connector.judgement.local import Retrained
    from connector.judgement.training import Figures

    def figures(category, temperature, junk):
        return Figures(n=100, category_right=category, genuine=50,
                       temperature_right=temperature, genuine_as_junk=junk)
    now = figures(90, 45, 1)
    assert Retrained(None, now, figures(91, 45, 1), now, figures(90, 46, 0)).better
    assert not Retrained(None, now, figures(91, 45, 1), now, figures(92, 44, 0)).better
    assert not Retrained(None, now, figures(95, 48, 2), now, figures(95, 48, 0)).better


def test_our_team_and_bots_are_never_called_so_from_words_alone():
    m = ModelRules(junk_confidence=0.8)
    category, _, review = _judged_category(reading(internal=0.9), m)
    assert category in ("prospect", "customer") and review is None


def test_a_person_s_name_is_never_a_reason_even_in_the_signature():
    v = verdict({"form_name": "Povratni klic", "name": "Nina Kralj", "email": "nina@gmail.com",
                 "phone": "040 123 456",
                 "message": "Pokličite me še danes, rada bi naročila torto. Lep pozdrav, "
                            "Nina Kralj"})
    said = " ".join(v.reason_texts())
    assert "Nina" not in said and "Kralj" not in said


def test_a_trusted_word_list_the_model_disagrees_with_leaves_a_flagged_genuine_lead():
    v = verdict({"form_name": "Povpraševanje", "email": "ana@gmail.com",
                 "message": "Potrebujem ponudbo za izdelavo spletne strani s CV in portfoljem "
                            "za moje podjetje, rok je konec meseca."})
    assert v.category in ("prospect", "customer")
    short = verdict({"name": "Žan Golob", "email": "zan.golob@gmail.com",
                     "message": "Pošiljam prošnjo za zaposlitev, življenjepis je v prilogi."})
    # Junk when the model agrees; else a genuine lead a person is asked to look at.
    assert short.category == "job_seeker" or short.review == "job_seeker"


def test_what_a_plugin_says_about_the_submission_is_not_read_as_the_visitors_words():
    from connector.domain.scoring import model_view
    fields = {"form_name": "Kontakt", "email": "ana@pekarna-novak.si",
              "message": "Zanima me cenik za izdelavo spletne strani."}
    plain_lead = training.lead_of(fields, RULES)
    with_meta = replace(plain_lead, extra={"_date": "14. 6. 2026", "_post_id": "42",
                                           "Powered by": "Elementor"})
    s = RULES.scoring
    assert model_view(with_meta, enrich(with_meta, s.enrichment), s) == \
        model_view(plain_lead, enrich(plain_lead, s.enrichment), s)


_ODD_TEXTS = st.text(alphabet=st.sampled_from(list("ab c1 žšč\t\nхитно€🙂é-_.  ")),
                     max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=_ODD_TEXTS, meta=_ODD_TEXTS)
def test_packed_character_ngrams_are_scikit_learns_on_any_text(text, meta):
    """Short words, runs of spaces, tabs, characters no term has, emoji, an empty field:
    the packed lookup finds exactly the n-grams scikit-learn's analyser counts."""
    from connector.judgement.features import View

    judgement = RULES.judgement
    view = View(text=text, meta=meta, tokens="")
    idx, val = judgement.row(view)
    expected = judgement.features([view]).tocsr()
    got = dict(zip(idx.tolist(), val.tolist()))
    assert got.keys() == set(expected.indices.tolist())
    for j, v in zip(expected.indices, expected.data):
        assert got[j] == pytest.approx(v, rel=1e-5)
    # In a batch, no n-gram reaches from one lead's text into the next one's.
    views = [view, View(text=meta, meta=text, tokens=""), view]
    indptr, idx, val = judgement.rows(views)
    expected = judgement.features(views).tocsr()
    for i in range(len(views)):
        a, b = indptr[i], indptr[i + 1]
        got = dict(zip(idx[a:b].tolist(), val[a:b].tolist()))
        row = expected[i]
        assert got.keys() == set(row.indices.tolist())
        for j, v in zip(row.indices, row.data):
            assert got[j] == pytest.approx(v, rel=1e-5)


def test_a_batch_reads_every_lead_as_it_would_be_read_alone(small):
    from connector.judgement.features import View

    judgement = RULES.judgement
    views = [e.view for e in small[:80]]
    views.insert(40, View(text="", meta="", tokens=""))  # nothing to read at all
    together = judgement.read_many(views)
    assert len(together) == len(views)
    for view, reading in zip(views, together):
        alone = judgement.read(view)
        assert reading.category == pytest.approx(alone.category, abs=2e-4)
        assert reading.temperature == pytest.approx(alone.temperature, abs=2e-4)
        assert (reading.why_category, reading.why_temperature) == \
            (alone.why_category, alone.why_temperature)
    assert judgement.read_many([]) == []


def test_a_rival_known_by_its_domain_teaches_the_category_model_nothing(small):
    """A rival writing from its own domain often poses as a buyer; the rules know that
    domain, and learning its buyer's words as a competitor's would take genuine price
    questions for competitors."""
    buyers = [e for e in small if e.item.category.value == "prospect"][:40]

    def posing(evidence):
        return [replace(e, item=replace(e.item, category=Category.COMPETITOR),
                        evidence=evidence) for e in buyers]

    def competitor_share(judgement):
        return np.mean([r.category["competitor"] for r in
                        judgement.read_many([e.view for e in buyers])])

    by_domain = training.fit(small + posing("competitor"))
    by_words = training.fit(small + posing(None))
    assert competitor_share(by_domain) < 0.2
    assert competitor_share(by_words) > 0.4
    assert competitor_share(by_domain) == pytest.approx(
        competitor_share(training.fit(small)), abs=0.1)


def test_examples_know_what_the_rules_decide_by_hard_evidence():
    rules = Rulebook.load(PROJECT_ROOT / "mappings", None)
    business = corpus.Business("t", "roofer", ("en",), ("our-roofs.com",), ("rival.com",), ())
    item = corpus.Labelled("t-1", business, "en", Category.COMPETITOR,
                           Temperature.COLD,
                           {"email": "ana@rival.com", "message": "What do you charge per m2?"})
    buyer = replace(item, id="t-2", category=Category.PROSPECT,
                    fields={"email": "ana@gmail.com", "message": "What do you charge per m2?"})
    rival, prospect = training.examples([item, buyer], rules)
    assert rival.evidence == "competitor"
    assert prospect.evidence is None


def test_cross_validation_holds_out_no_group_too_small_to_judge(small, monkeypatch):
    held, trained = [], []
    monkeypatch.setattr(training, "fit", lambda train: trained.append(train) or None)
    monkeypatch.setattr(training, "evaluate",
                        lambda judgement, test, rules: held.append(test) or training.Figures())
    rare = small[:training.MIN_HELD_OUT - 1]
    key = lambda e: "rare" if any(e is r for r in rare) else e.item.lang  # noqa: E731
    training.grouped_cross_validation(small, RULES, key)
    assert held and not any(key(e) == "rare" for test in held for e in test)
    assert all(sum(key(e) == "rare" for e in train) == len(rare) for train in trained)
