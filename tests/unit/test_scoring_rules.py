"""Every rule in mappings/scoring.yaml does what it says, and tuning it in YAML changes
the result with no code change."""
from __future__ import annotations

import copy

import pytest
import yaml

from connector.domain.lead import FileRef, Lead
from connector.domain.scoring import History, ScoringRules, assess
from connector.settings import PROJECT_ROOT

BASE = yaml.safe_load((PROJECT_ROOT / "mappings" / "scoring.yaml").read_text())


def rules_with(path: str | None = None, value=None, **top) -> ScoringRules:
    data = copy.deepcopy(BASE)
    data.update(top)
    if path:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value
    return ScoringRules.from_dict(data, "scoring.yaml")


def lead(**kw) -> Lead:
    return Lead("generic", **{"email": "ana@firma-novak.si", **kw})


def reasons(verdict) -> str:
    return "\n".join(verdict.reason_texts())


# (weight in scoring.yaml, the lead that earns it, history, words in the reason)
POINT_RULES = [
    ("fit.corporate_domain", lead(), History(), "corporate email domain"),
    ("fit.free_mail_domain", lead(email="ana@gmail.com"), History(), "free-mail address"),
    ("fit.company_given", lead(company="Novak d.o.o."), History(), "company given"),
    ("fit.decision_maker", lead(job_title="Direktorica"), History(), "decision maker"),
    ("fit.other_job_title", lead(job_title="referentka"), History(), "job title given"),
    ("fit.served_country", lead(phone="041 123 456"), History(), "served country (SI)"),
    ("fit.budget_given", lead(extra={"proračun": "10.000 €"}), History(), "budget"),
    ("fit.complete_contact", lead(first_name="Ana", phone="041 123 456"), History(),
     "complete contact"),
    ("interest.returning", lead(form_name="Kontakt"), History(previous=1, forms=frozenset({"kontakt"})),
     "returning"),
    ("interest.another_form", lead(form_name="Demo"), History(previous=1, forms=frozenset({"kontakt"})),
     "another form"),
    ("interest.another_product", lead(product_interests=("SEO",)),
     History(previous=1, products=frozenset({"hosting"})), "another product"),
    ("interest.per_product", lead(product_interests=("SEO",)), History(), "1 product"),
    ("interest.per_visit", lead(extra={"visits": "1"}), History(), "visits"),
    ("interest.existing_customer", lead(message="We are an existing customer of yours."),
     History(), "existing customer"),
    ("behaviour.unknown_form", lead(), History(), "unknown kind"),
    ("behaviour.attachment", lead(files=(FileRef("cv", "a.pdf"),)), History(), "attached"),
    ("behaviour.detailed_message", lead(message="x " * 120), History(), "detailed message"),
    ("behaviour.some_message", lead(message="x " * 40), History(), "some length"),
    ("timing.page_kinds.pricing", lead(tracking={"page_url": "https://a.si/cenik/"}), History(),
     "pricing page"),
    ("timing.page_kinds.product", lead(tracking={"page_url": "https://a.si/izdelki/crm"}), History(),
     "product page"),
    ("timing.signals.urgency", lead(message="Potrebujemo nujno."), History(), "urgency"),
    ("timing.signals.price", lead(message="Koliko stane?"), History(), "price"),
    ("timing.signals.meeting", lead(message="Lahko dogovorimo sestanek?"), History(), "meeting"),
    ("timing.signals.call_me", lead(message="Prosim, pokličite me."), History(), "called"),
    ("timing.signals.phone_given", lead(phone="041 123 456"), History(), "phone number given"),
    ("timing.signals.just_looking", lead(message="Samo gledam, zaenkrat."), History(),
     "just looking"),
] + [(f"behaviour.form_kinds.{kind}", lead(form_name=name), History(), f"{kind} form")
     for kind, name in [("newsletter", "Prijava na novice"), ("download", "Prenesi e-knjigo"),
                        ("webinar", "Webinar"), ("contact", "Kontakt"),
                        ("quote", "Povpraševanje za ponudbo"), ("demo", "Demo"),
                        ("callback", "Pokličite me")]]


@pytest.mark.parametrize("path, subject, history, words", POINT_RULES,
                         ids=[p for p, *_ in POINT_RULES])
def test_every_weight_is_applied_and_tunable(path, subject, history, words):
    *parents, last = path.split(".")
    node = BASE
    for key in parents:
        node = node[key]
    weight = node[last]
    dimension = path.split(".")[0]

    _, verdict = assess(subject, rules_with(), history)
    (reason,) = [r for r in verdict.reasons if words in r.text and r.dimension == dimension]
    assert reason.points == weight

    _, tuned = assess(subject, rules_with(path, weight + 3 if weight >= 0 else weight - 3), history)
    (changed,) = [r for r in tuned.reasons if words in r.text and r.dimension == dimension]
    assert changed.points == reason.points + (3 if weight >= 0 else -3)


def test_disposable_domains_lose_fit():
    subject = lead(email="x@mailinator.com", company="X", job_title="CEO")
    _, v = assess(subject, rules_with())
    assert "-10 fit: disposable email address" in reasons(v)
    _, tuned = assess(subject, rules_with("fit.disposable_domain", -2))
    assert tuned.dimensions["fit"] == v.dimensions["fit"] + 8


def test_thresholds_decide_the_temperature():
    subject = lead(form_name="Povpraševanje za ponudbo", company="Novak", phone="041 123 456",
                   first_name="Ana", message="Nujno: koliko stane nova stran? Pokličite me.")
    _, v = assess(subject, rules_with())
    assert v.temperature == "hot" and v.score >= BASE["thresholds"]["hot"]
    _, v2 = assess(subject, rules_with("thresholds.hot", v.score + 1))
    assert v2.temperature == "warm"
    _, v3 = assess(subject, rules_with("thresholds.warm", v.score + 1,
                                       thresholds={"hot": 101, "warm": v.score + 1}))
    assert v3.temperature == "cold"


def test_caps_on_products_and_visits():
    many = lead(product_interests=("a", "b", "c", "d", "e"), extra={"pages_viewed": "40"})
    _, v = assess(many, rules_with())
    assert "+9 interest: interested in 5" in reasons(v)
    assert "+6 interest: 40 visits" in reasons(v)
    _, v2 = assess(many, rules_with("interest.max_products", 5))
    assert "+15 interest: interested in 5" in reasons(v2)


@pytest.mark.parametrize("setting, subject, category", [
    ("own_domains", lead(email="mojca@nasa-firma.si"), "internal"),
    ("competitor_domains", lead(email="jure@tekmec.si"), "competitor"),
    ("customer_domains", lead(email="a@stalna-stranka.si"), "customer"),
])
def test_domain_lists_make_categories(setting, subject, category):
    domain = subject.email.split("@")[1]
    assert assess(subject, rules_with())[1].category == "prospect"
    assert assess(subject, rules_with(**{setting: [domain]}))[1].category == category


@pytest.mark.parametrize("company, rival", [
    ("Jadran Spedicija d.o.o.", True),      # the domain's name, spaced and with a suffix
    ("NOTFALLKURSE SÜD", True),             # the start of it, the umlaut spelled out there
    ("Spedicija Horvat", False),            # a word of it is not the name
    ("Jadran", False),                      # nor is a short start
    ("Notfallkurse Süd Graz GmbH", True),
])
def test_a_rival_named_in_the_company_field_is_a_competitor(company, rival):
    rules = rules_with(competitor_domains=["jadran-spedicija.hr", "notfallkurse-sued-graz.at"])
    subject = lead(email="luka.b@gmail.com", company=company,
                   message="Molim cijenu za FTL Zagreb – Milano.")
    _, verdict = assess(subject, rules)
    assert (verdict.category == "competitor") is rival
    if rival:
        assert "names the rival" in reasons(verdict)


@pytest.mark.parametrize("category, subject", [
    ("customer", lead(message="Smo že vaša stranka, zanima nas podaljšanje pogodbe.")),
    ("job_seeker", lead(message="Pošiljam prošnjo za zaposlitev in življenjepis.")),
    ("student", lead(message="Sem študentka in pišem diplomsko nalogo.")),
    ("vendor", lead(message="Naša agencija vam lahko pomaga, bi vas zanimalo?")),
    ("spam", lead(message="Best casino bonus, bitcoin winner!")),
    ("test", lead(message="To je test, prosim ignorirajte.")),
])
def test_category_word_lists_and_their_threshold(category, subject):
    assert assess(subject, rules_with())[1].category == category
    raised = rules_with(f"categories.{category}.needs", 99)
    assert assess(subject, raised)[1].category != category


def test_link_farms_and_gibberish_are_spam():
    links = lead(message="see http://a.xyz http://b.xyz http://c.xyz")
    assert assess(links, rules_with())[1].category == "spam"
    assert assess(links, rules_with("categories.spam.max_links", 5))[1].category == "prospect"
    noise = lead(message="bcdfg hjklm npqrst vwxzq bcdfghj")
    assert assess(noise, rules_with())[1].category == "spam"
    assert assess(noise, rules_with("categories.spam.gibberish", 0))[1].category == "prospect"


def test_test_addresses():
    subject = lead(email="test@firma.si", message="test")
    assert assess(subject, rules_with())[1].category == "test"
    assert assess(subject, rules_with("categories.test.test_emails", []))[1].category == "prospect"


@pytest.mark.parametrize("extra, agent, path, value", [
    ({"honeypot": "x"}, None, "bots.honeypot_fields", []),
    ({"time_to_submit": "1"}, None, "bots.min_seconds_to_submit", 0.5),
    ({"fill_time": "1"}, None, "bots.time_fields", []),
    ({}, "Mozilla/5.0 (compatible; Googlebot/2.1)", None, None),
])
def test_bot_signals(extra, agent, path, value):
    subject = lead(extra=extra, tracking={"user_agent": agent} if agent else {})
    assert assess(subject, rules_with())[1].category == "bot"
    if path:
        assert assess(subject, rules_with(path, value))[1].category == "prospect"


def test_page_and_form_words_are_tunable():
    subject = lead(form_name="Zahtevek XYZ", tracking={"page_url": "https://a.si/ceniki-2026"})
    v = assess(subject, rules_with())[1]
    assert v.form_kind is None and "pricing page" not in reasons(v)
    tuned = rules_with("behaviour.form_kind_words.quote", ["zahtevek*"],
                       ) 
    assert assess(subject, tuned)[1].form_kind == "quote"
    tuned = rules_with("timing.page_kind_words.pricing", ["cenik*"])
    assert "pricing page" in reasons(assess(subject, tuned)[1])


def test_decision_maker_titles_and_budget_fields_are_tunable():
    subject = lead(job_title="Glavni kuhar", extra={"obseg": "velik"})
    v = assess(subject, rules_with())[1]
    assert "job title given" in reasons(v) and "budget" not in reasons(v)
    assert "decision maker" in reasons(assess(subject, rules_with(
        "fit.decision_maker_titles", ["glavni*"]))[1])
    assert "budget" in reasons(assess(subject, rules_with("fit.budget_fields", ["obseg"]))[1])


def test_regions_and_free_mail_lists():
    subject = lead(email="ana@moj-isp.si", phone="01 234 56 78")
    v = assess(subject, rules_with())[1]
    assert "corporate" in reasons(v) and "served country (SI)" in reasons(v)
    v = assess(subject, rules_with(extra_free_mail_domains=["moj-isp.si"], served_countries=["HR"]))[1]
    assert "free-mail" in reasons(v) and "served country" not in reasons(v)
    found, _ = assess(lead(phone="01 234 5678"), rules_with(default_region="HR"))
    assert found.phone_country == "HR"


def test_data_quality_weights():
    full = lead(first_name="Ana", phone="041 123 456", company="X", message="Hi")
    assert assess(full, rules_with())[1].data_quality == 100
    assert assess(full, rules_with("data_quality.company", 0))[1].data_quality == 85


@pytest.mark.parametrize("broken, message", [
    ({"thresholds": {"hot": 50}}, "thresholds lacks warm"),
    ({"thresholds": {"hot": "lots", "warm": 1}}, "thresholds.hot must be a number"),
    ({"fit": {**BASE["fit"], "typo": 1}}, "fit has unknown keys typo"),
])
def test_a_broken_scoring_file_names_the_key(broken, message):
    with pytest.raises(ValueError, match=message):
        ScoringRules.from_dict({**BASE, **broken}, "scoring.yaml")


@pytest.mark.parametrize("path, value, subject, before, after", [
    ("interest.visit_fields", ["obiski"], lead(extra={"obiski": "3"}), "visits", "+3 interest: 3 visits"),
    ("behaviour.detailed_message_chars", 50, lead(message="x " * 40), "some length",
     "detailed message"),
    ("behaviour.some_message_chars", 10, lead(message="Kratko vprašanje?"), None, "some length"),
    ("timing.page_kinds.blog", 3, lead(tracking={"page_url": "https://a.si/blog/x"}), None,
     "+3 timing: sent from a blog page"),
])
def test_lengths_fields_and_zero_weights_are_tunable(path, value, subject, before, after):
    text = reasons(assess(subject, rules_with())[1])
    if before:
        assert before in text or path == "interest.visit_fields"
    assert after not in text
    assert after in reasons(assess(subject, rules_with(path, value))[1])


def test_evidence_weights_for_links_and_test_addresses_are_tunable():
    links = lead(message="http://a.xyz http://b.xyz http://c.xyz")
    assert assess(links, rules_with("categories.spam.links", 1))[1].category == "prospect"
    tester = lead(email="test@firma.si", message="test")
    assert assess(tester, rules_with("categories.test.test_email", 0))[1].category == "prospect"


@pytest.mark.parametrize("key, points", [("email", 30), ("name", 20), ("phone", 25),
                                         ("message", 10)])
def test_every_data_quality_weight(key, points):
    full = lead(first_name="Ana", phone="041 123 456", company="X", message="Hi")
    assert assess(full, rules_with(f"data_quality.{key}", 0))[1].data_quality == 100 - points
