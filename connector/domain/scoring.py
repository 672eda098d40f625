"""Four-dimension lead scoring and evidence-based classification.

score() takes the lead, what enrichment found, the person's history and the
rules from mappings/scoring.yaml, and returns a Verdict: 0-100 in fit,
interest, behaviour and timing (each 0-25), a temperature, a category and a
reason in plain words for every point. Junk (bots, spam, tests, our own team,
competitors, job seekers, students, vendors) is a category decided by
evidence, never by a low score.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from connector.domain.enrichment import DomainKind, Enrichment, EnrichmentRules, enrich
from connector.domain.lead import Lead
from connector.domain.words import WordList, plain
from connector.judgement.features import Findings, View, view_of

if TYPE_CHECKING:
    from connector.judgement.model import Judgement, Reading

DIMENSIONS = ("fit", "interest", "behaviour", "timing")
DIMENSION_MAX = 25
JUNK = ("bot", "spam", "test", "internal", "competitor", "job_seeker", "student", "vendor")
CATEGORIES = ("prospect", "customer") + JUNK
TEMPERATURES = ("hot", "warm", "cold")
FORM_KINDS = ("newsletter", "download", "webinar", "contact", "quote", "demo", "callback")
_EVIDENCE = ("customer", "job_seeker", "student", "vendor", "spam", "test")
_SIGNALS = ("urgency", "price", "meeting", "call_me", "just_looking")
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
_VOWELS = set("aeiouy")
# A genuine lead whose junk probability is at least this share of the junk bar is flagged.
REVIEW_AT = 0.5
# A trusted word list decides only when the model, too, leans to junk; when the model
# reads a buyer, the lead stays genuine and is flagged for review.
TRUSTED_NEEDS_JUNK = 0.5
HARD_ONLY = frozenset({"internal", "bot"})
_LINK_TEXT = re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE)


@dataclass(frozen=True)
class Reason:
    dimension: str
    points: int
    text: str

    def __str__(self) -> str:
        if self.points:
            return f"{self.points:+d} {self.dimension}: {self.text}"
        return f"{self.dimension}: {self.text}"


@dataclass(frozen=True)
class History:
    """What we already know of the person (same email address)."""

    previous: int = 0
    forms: frozenset[str] = frozenset()
    products: frozenset[str] = frozenset()
    customer: bool = False


@dataclass(frozen=True)
class Evidence:
    needs: int
    words: tuple[tuple[int, WordList], ...]


@dataclass(frozen=True)
class ModelRules:
    """How much the learned model's reading counts (scoring.yaml `model`)."""

    # A junk category needs at least this probability; below it the lead stays a
    # prospect (or customer), flagged for review with the suspected category.
    junk_confidence: float = 0.8
    # Points the model's reading of sales-readiness moves timing and behaviour by,
    # from -half to +half of each (ready now: +; just curious or support: -).
    timing_points: int = 12
    behaviour_points: int = 8
    # Junk categories whose word lists are trusted (measured precise on the corpus):
    # their evidence stands unless the model gives the category less than this.
    rule_categories: tuple[tuple[str, float], ...] = (("spam", 0.05), ("job_seeker", 0.05))
    # "model": the model's reading decides the temperature; "rules": the thresholds do.
    temperature: str = "model"


@dataclass(frozen=True)
class ScoringRules:
    hot: int
    warm: int
    own_domains: frozenset[str]
    competitor_domains: frozenset[str]
    customer_domains: frozenset[str]
    served_countries: frozenset[str]
    enrichment: EnrichmentRules
    fit: dict[str, int]
    decision_maker_titles: WordList
    budget_fields: WordList
    interest: dict[str, int]
    visit_fields: frozenset[str]
    behaviour: dict[str, int]
    form_kinds: dict[str, int]
    form_kind_words: dict[str, WordList]
    page_kinds: dict[str, int]
    page_kind_words: dict[str, WordList]
    signals: dict[str, int]
    signal_words: dict[str, WordList]
    evidence: dict[str, Evidence]
    spam: dict[str, int]
    test_emails: tuple[str, ...]
    test_email: int
    data_quality: dict[str, int]
    model: ModelRules = ModelRules()

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], source: str) -> "ScoringRules":
        return _parse(d, source)


@dataclass(frozen=True)
class Verdict:
    score: int
    temperature: str
    category: str
    dimensions: dict[str, int]
    reasons: tuple[Reason, ...]
    lifecycle: str
    data_quality: int
    form_kind: str | None
    # The junk category the model suspects but is not sure enough of: a person should look.
    review: str | None = None
    model: str | None = None  # the judgement's version, when one took part

    @property
    def junk(self) -> bool:
        return self.category in JUNK

    def reason_texts(self) -> list[str]:
        return [str(r) for r in self.reasons]


@dataclass
class _Tally:
    reasons: list[Reason] = field(default_factory=list)

    def add(self, dimension: str, points: int, text: str) -> None:
        if points:
            self.reasons.append(Reason(dimension, points, text))

    def dimension(self, name: str) -> int:
        raw = sum(r.points for r in self.reasons if r.dimension == name)
        return max(0, min(DIMENSION_MAX, raw))


def assess(lead: Lead, rules: ScoringRules, history: History = History(),
           judgement: "Judgement | None" = None) -> tuple[Enrichment, Verdict]:
    """Enrich, then score: everything the connector concludes about a lead."""
    found = enrich(lead, rules.enrichment)
    return found, score(lead, found, rules, history, judgement)


def assess_many(leads: Sequence[tuple[Lead, History]], rules: ScoringRules,
                judgement: "Judgement | None" = None) -> list[tuple[Enrichment, Verdict]]:
    """assess() for many leads at once: the judgement reads them as one batch."""
    found = [enrich(lead, rules.enrichment) for lead, _ in leads]
    verdicts = score_many([(lead, f, history) for (lead, history), f in zip(leads, found)],
                          rules, judgement)
    return list(zip(found, verdicts))


@dataclass(frozen=True)
class _Ruling:
    category: str
    why: list[str]
    # Decided by hard evidence (bot signals, own / competitor / customer domains, a
    # test address, a link farm, a known customer): no model overrides it.
    hard: bool
    evidence: tuple[str, ...]  # categories the word lists found any evidence of


@dataclass(frozen=True)
class _RulePass:
    tally: "_Tally"
    ruling: _Ruling
    form_kind: str | None
    findings: Findings


def _rule_pass(lead: Lead, found: Enrichment, rules: ScoringRules,
               history: History) -> _RulePass:
    """Everything the rules conclude before the model reads the lead (interest apart:
    it depends on whether the lead turns out to be a customer)."""
    text = plain(" ".join(t for t in (lead.subject, lead.message) if t))
    tally = _Tally()
    ruling = _category(lead, found, text, rules, history)
    _fit(lead, found, rules, tally)
    form_kind = _form_kind(lead, rules)
    _behaviour(lead, form_kind, text, rules, tally)
    page_kind, signals = _timing(lead, found, text, rules, tally)
    return _RulePass(tally, ruling, form_kind,
                     findings_of(lead, found, rules, tally, ruling, form_kind, page_kind,
                                 signals))


def rule_findings(lead: Lead, found: Enrichment, rules: ScoringRules,
                  history: History = History()) -> Findings:
    """What the rules find in this lead, as the model reads it."""
    return _rule_pass(lead, found, rules, history).findings


def model_view(lead: Lead, found: Enrichment, rules: ScoringRules,
               history: History = History()) -> View:
    """What the model reads of this lead: the same at training and at intake."""
    return model_view_and_evidence(lead, found, rules, history)[0]


def model_view_and_evidence(lead: Lead, found: Enrichment, rules: ScoringRules,
                            history: History = History()) -> tuple[View, str | None]:
    """model_view(), and the category hard evidence gives the lead on its own (a
    competitor's domain, bot signals, …; None when the model is asked)."""
    rp = _rule_pass(lead, found, rules, history)
    return view_of(lead, rp.findings), rp.ruling.category if rp.ruling.hard else None


def score(lead: Lead, found: Enrichment, rules: ScoringRules, history: History = History(),
          judgement: "Judgement | None" = None) -> Verdict:
    return score_many([(lead, found, history)], rules, judgement)[0]


def score_many(leads: Sequence[tuple[Lead, Enrichment, History]], rules: ScoringRules,
               judgement: "Judgement | None" = None) -> list[Verdict]:
    """score() for many leads; the judgement reads them as one batch (cheaper per lead)."""
    passes = [_rule_pass(lead, found, rules, history) for lead, found, history in leads]
    readings: Sequence[Reading | None] = [None] * len(leads)
    if judgement is not None:
        readings = judgement.read_many([view_of(lead, rp.findings)
                                        for (lead, _, _), rp in zip(leads, passes)])
    return [_verdict(lead, found, rules, history, judgement, rp, reading)
            for (lead, found, history), rp, reading in zip(leads, passes, readings)]


def _verdict(lead: Lead, found: Enrichment, rules: ScoringRules, history: History,
             judgement: "Judgement | None", rp: _RulePass, reading: "Reading | None") -> Verdict:
    tally, ruling, form_kind = rp.tally, rp.ruling, rp.form_kind
    category, why, review = ruling.category, [f"{ruling.category}: {w}" for w in ruling.why], None
    if reading is not None:
        trusted = dict(rules.model.rule_categories).get(ruling.category)
        if not ruling.hard and not (trusted is not None
                                    and reading.category.get(ruling.category, 0) >= trusted
                                    and _junk_share(reading) >= TRUSTED_NEEDS_JUNK):
            category, why, review = _judged_category(reading, rules.model)
            if trusted is not None and review is None and category not in JUNK:
                review = ruling.category  # the word lists saw junk the model did not
        elif ruling.category == "internal" and _more_likely(reading, "test", "internal"):
            # Our own team telling the web developer the form works is a test, not work.
            category, why = "test", [f"test: from our own domain, {why[0].split(': ', 1)[1]}, "
                                     "and reads as checking the form"]
    _interest(lead, rules, history, category == "customer", tally)
    if reading is not None and category not in JUNK:
        _readiness(reading, rules.model, tally)
    dimensions = {d: tally.dimension(d) for d in DIMENSIONS}
    total = sum(dimensions.values())

    temperature = ("hot" if total >= rules.hot else "warm" if total >= rules.warm else "cold")
    if reading is not None and rules.model.temperature == "model":
        # The model weighs the dimensions' evidence together with the words; the
        # thresholds decide only when no model is loaded.
        temperature = max(reading.temperature, key=reading.temperature.get)
        words = ", ".join(reading.why_temperature)
        tally.reasons.append(Reason("temperature", 0, f"{temperature}: the model's reading "
                                    f"({reading.temperature[temperature]:.0%}"
                                    f"{': ' + words if words else ''})"))
    if category in JUNK:
        temperature = "cold"  # junk is never anyone's hot lead, whatever it scores
    reasons = tally.reasons + [Reason("category", 0, w) for w in why]
    if review:
        reasons.append(Reason("category", 0, f"review: might be {review.replace('_', ' ')}, "
                                             "not sure enough to call it junk"))
    lifecycle = ("customer" if category == "customer" or history.customer
                 else "returning" if history.previous else "new")
    return Verdict(score=total, temperature=temperature, category=category,
                   dimensions=dimensions, reasons=tuple(reasons), lifecycle=lifecycle,
                   data_quality=_data_quality(lead, found, rules), form_kind=form_kind,
                   review=review, model=judgement.version if judgement is not None else None)


def findings_of(lead: Lead, found: Enrichment, rules: ScoringRules, tally: "_Tally",
                ruling: _Ruling, form_kind: str | None, page_kind: str | None,
                signals: tuple[str, ...]) -> Findings:
    """What the rules found, for the model (training builds the same through score())."""
    return Findings(
        form_kind=form_kind, page_kind=page_kind, domain_kind=found.domain_kind.value,
        channel=found.channel.value,
        decision_maker=any(r.text.startswith("decision maker") for r in tally.reasons),
        bot=bool(found.bot_signals), evidence=ruling.evidence, signals=signals,
        dimensions=tuple((d, tally.dimension(d)) for d in ("fit", "behaviour", "timing")),
        data_quality=_data_quality(lead, found, rules), visits=_visits(lead, rules),
        disposable=found.domain_kind is DomainKind.DISPOSABLE, language=found.language)


def _judged_category(reading: "Reading", m: ModelRules) -> tuple[str, list[str], str | None]:
    """The model's category. Junk only when the model is sure the lead is junk at all (the
    junk categories' probabilities together); else a genuine lead, flagged for review
    when a junk category was likely."""
    p = reading.category
    # Our own team and bots are known by hard evidence (our domain, bot signals), never
    # by words alone: the model may not call a stranger "internal".
    junk = {c: v for c, v in p.items() if c in JUNK and c not in HARD_ONLY}
    suspect = max(junk, key=junk.get) if junk else None
    p_junk = sum(junk.values())
    words = ", ".join(reading.why_category)
    if suspect and p_junk >= m.junk_confidence:
        return suspect, [f"{suspect}: reads as {suspect.replace('_', ' ')} ({p_junk:.0%} junk"
                         f"{': ' + words if words else ''})"], None
    genuine = "customer" if p.get("customer", 0) > p.get("prospect", 0) else "prospect"
    why = [f"{genuine}: reads as a {'customer' if genuine == 'customer' else 'buyer'} "
           f"({p[genuine]:.0%}{': ' + words if words and genuine == max(p, key=p.get) else ''})"]
    review = suspect if suspect and p_junk >= REVIEW_AT * m.junk_confidence else None
    return genuine, why, review


def _junk_share(reading: "Reading") -> float:
    return sum(v for c, v in reading.category.items() if c in JUNK and c not in HARD_ONLY)


def _more_likely(reading: "Reading", a: str, b: str) -> bool:
    return reading.category.get(a, 0) > reading.category.get(b, 0)


def _readiness(reading: "Reading", m: ModelRules, t: "_Tally") -> None:
    """The model's reading of sales-readiness, as timing and behaviour points."""
    p = reading.temperature
    ready = p.get("hot", 0) + 0.5 * p.get("warm", 0)  # 0 (not buying now) .. 1 (buying now)
    words = ", ".join(reading.why_temperature)
    label = ("reads as ready to buy now" if ready >= 0.6 else
             "reads as evaluating" if ready >= 0.4 else "reads as not buying now")
    text = label + (f" ({words})" if words else "")
    t.add("timing", round(m.timing_points * (ready - 0.5)), text)
    t.add("behaviour", round(m.behaviour_points * (ready - 0.5)), text)


def _fit(lead: Lead, found: Enrichment, rules: ScoringRules, t: _Tally) -> None:
    f = rules.fit
    if found.domain_kind is DomainKind.CORPORATE:
        t.add("fit", f["corporate_domain"], f"corporate email domain {found.domain}")
    elif found.domain_kind is DomainKind.FREE:
        t.add("fit", f["free_mail_domain"], "free-mail address")
    elif found.domain_kind is DomainKind.DISPOSABLE:
        t.add("fit", f["disposable_domain"], "disposable email address")
    if lead.company:
        t.add("fit", f["company_given"], "company given")
    if lead.job_title:
        if rules.decision_maker_titles.find(plain(lead.job_title)):
            t.add("fit", f["decision_maker"], f"decision maker ({lead.job_title})")
        else:
            t.add("fit", f["other_job_title"], "job title given")
    if found.phone_country in rules.served_countries:
        t.add("fit", f["served_country"], f"phone number from a served country ({found.phone_country})")
    if any(rules.budget_fields.find(plain(k)) for k, v in lead.extra.items() if v):
        t.add("fit", f["budget_given"], "budget or company size given")
    if found.email_valid and found.phone_e164 and (lead.first_name or lead.last_name):
        t.add("fit", f["complete_contact"], "complete contact data")


def _interest(lead: Lead, rules: ScoringRules, history: History, customer: bool,
              t: _Tally) -> None:
    i = rules.interest
    if customer:
        t.add("interest", i["existing_customer"], "existing customer")
    if history.previous:
        t.add("interest", i["returning"], f"returning: {history.previous} earlier submission(s)")
        form = (lead.form_name or lead.form_id or "").casefold()
        if form and history.forms and form not in history.forms:
            t.add("interest", i["another_form"], "now on another form")
        new = {p.casefold() for p in lead.product_interests} - history.products
        if history.products and new:
            t.add("interest", i["another_product"], "asks about another product")
    products = lead.product_interests[:i["max_products"]]
    if products:
        t.add("interest", i["per_product"] * len(products),
              f"interested in {len(lead.product_interests)} product(s)/service(s)")
    visits = _visits(lead, rules)
    if visits:
        t.add("interest", min(visits, i["max_visits"]) * i["per_visit"], f"{visits} visits/pages")


def _visits(lead: Lead, rules: ScoringRules) -> int:
    visits = 0
    for key, value in lead.extra.items():
        if plain(key).strip().replace(" ", "_") in rules.visit_fields:
            try:
                visits = max(visits, int(float(str(value))))
            except ValueError:
                continue
    return visits


def _form_kind(lead: Lead, rules: ScoringRules) -> str | None:
    names = plain(" ".join(t for t in (lead.form_name, lead.form_id,
                                       _path(lead.tracking.get("page_url"))) if t))
    # The most committing kind named wins: a "quote" form on a newsletter page is a quote form.
    for kind in sorted(rules.form_kinds, key=rules.form_kinds.get, reverse=True):
        if rules.form_kind_words[kind].find(names):
            return kind
    return None


def _behaviour(lead: Lead, kind: str | None, text: str, rules: ScoringRules,
               t: _Tally) -> None:
    b = rules.behaviour
    if kind:
        t.add("behaviour", rules.form_kinds[kind], f"{kind.replace('_', ' ')} form")
    else:
        t.add("behaviour", b["unknown_form"], "form of unknown kind")
    if lead.files:
        t.add("behaviour", b["attachment"], "attached a file")
    length = len(lead.message or "")
    if length >= b["detailed_message_chars"]:
        t.add("behaviour", b["detailed_message"], f"detailed message ({length} characters)")
    elif length >= b["some_message_chars"]:
        t.add("behaviour", b["some_message"], "a message of some length")


def _timing(lead: Lead, found: Enrichment, text: str, rules: ScoringRules,
            t: _Tally) -> tuple[str | None, tuple[str, ...]]:
    """Adds the timing points; the page's kind and the signals found."""
    page = plain(_path(lead.tracking.get("page_url")) or "")
    page_kind = None
    for kind, points in rules.page_kinds.items():
        if rules.page_kind_words[kind].find(page):
            t.add("timing", points, f"sent from a {kind} page")
            page_kind = kind
            break
    if page_kind is None and rules.page_kind_words["careers"].find(page):
        page_kind = "careers"
    found_signals = []
    labels = {"urgency": "urgency", "price": "asks about price", "meeting": "wants a meeting",
              "call_me": "asks to be called", "just_looking": "just looking"}
    hesitant = rules.signal_words["just_looking"].find(text)
    for signal in _SIGNALS:
        if signal == "urgency" and hesitant:
            continue  # "ni nujno", "no rush": the urgency word is negated
        if word := rules.signal_words[signal].find(text):
            t.add("timing", rules.signals[signal], f"{labels[signal]} (\"{word.strip()}\")")
            found_signals.append(signal)
    if found.phone_e164 or lead.phone:
        t.add("timing", rules.signals["phone_given"], "phone number given")
    return page_kind, tuple(found_signals)


def _category(lead: Lead, found: Enrichment, text: str, rules: ScoringRules,
              history: History) -> _Ruling:
    if found.bot_signals:
        return _Ruling("bot", list(found.bot_signals), True, ())
    domain = found.domain or ""
    for category, domains in (("internal", rules.own_domains),
                              ("competitor", rules.competitor_domains)):
        if _domain_in(domain, domains):
            return _Ruling(category, [f"address at {domain}"], True, ())
    if lead.company and (rival := _rival_named(lead.company, rules.competitor_domains)):
        # A rival writing from free mail still names its firm in the company field.
        return _Ruling("competitor", [f"company {lead.company!r} names the rival {rival}"],
                       True, ())
    evidence: dict[str, tuple[int, list[str]]] = {}
    everything = plain(" ".join(t for t in (lead.subject, lead.message, lead.first_name,
                                            lead.last_name, lead.company) if t))
    for category, spec in rules.evidence.items():
        points, why = 0, []
        haystack = everything if category == "test" else text
        for weight, words in spec.words:
            for word in words.find_all(haystack):  # each different phrase is more evidence
                points += weight
                why.append(f'"{word}"')
        evidence[category] = (points, why)
    test_address = any((lead.email or "").lower().startswith(p) for p in rules.test_emails)
    _add(evidence, "test", rules.test_email, "test address", test_address)
    links = len(_LINK.findall(lead.message or ""))
    link_farm = links > rules.spam["max_links"]
    _add(evidence, "spam", rules.spam["links"], f"{links} links", link_farm)
    _add(evidence, "spam", rules.spam["gibberish"], "not words",
         _gibberish(plain(_LINK_TEXT.sub(" ", lead.message or ""))))
    _add(evidence, "job_seeker", 2, "sent from a careers page",
         bool(rules.page_kind_words["careers"].find(plain(_path(lead.tracking.get("page_url"))
                                                         or ""))))
    known_customer = _domain_in(domain, rules.customer_domains) or history.customer
    _add(evidence, "customer", rules.evidence["customer"].needs, f"customer domain {domain}",
         _domain_in(domain, rules.customer_domains))
    _add(evidence, "customer", rules.evidence["customer"].needs, "known customer",
         history.customer)
    seen = tuple(sorted(c for c, (points, _) in evidence.items() if points))
    # Hard evidence: what no reading of the words can outweigh.
    for category in ("test", "spam"):  # certain when shown: they outrank everything else
        points, why = evidence[category]
        if points >= rules.evidence[category].needs:
            # Words alone may mislead ("a test drive"); an address or a link farm does not.
            hard = test_address if category == "test" else link_farm
            return _Ruling(category, why, hard, seen)
    candidates = [(points, category != "customer", category, why)
                  for category, (points, why) in evidence.items()
                  if category not in ("test", "spam") and points >= rules.evidence[category].needs]
    if known_customer:
        return _Ruling("customer", evidence["customer"][1], True, seen)
    if not candidates:
        return _Ruling("prospect", [], False, seen)
    # Most evidence wins; on a tie a customer stays a customer.
    _, _, category, why = max(candidates, key=lambda c: (c[0], not c[1]))
    return _Ruling(category, why, False, seen)


def _add(evidence: dict[str, tuple[int, list[str]]], category: str, points: int, why: str,
         when: bool) -> None:
    if when:
        total, reasons = evidence[category]
        evidence[category] = (total + points, reasons + [why])


def _gibberish(text: str) -> bool:
    words = [w for w in text.split() if len(w) >= 4 and w.isalpha()]
    if len(words) < 3:
        return False
    voweless = sum(1 for w in words if not (_VOWELS & set(w)) or _longest_consonants(w) >= 5)
    return voweless / len(words) > 0.5


def _longest_consonants(word: str) -> int:
    longest = run = 0
    for ch in word:
        run = 0 if ch in _VOWELS else run + 1
        longest = max(longest, run)
    return longest


def _data_quality(lead: Lead, found: Enrichment, rules: ScoringRules) -> int:
    q = rules.data_quality
    points = ((q["email"] if found.email_valid else 0)
              + (q["name"] if lead.first_name or lead.last_name else 0)
              + (q["phone"] if found.phone_e164 else 0)
              + (q["company"] if lead.company else 0)
              + (q["message"] if lead.message else 0))
    return min(points, 100)


def _rival_named(company: str, domains: frozenset[str]) -> str | None:
    """The competitor domain whose name a company field gives ("Jadran Spedicija d.o.o."
    for jadran-spedicija.hr), or the larger part of its start ("Notfallkurse Süd" for
    notfallkurse-sued-graz.at); None when it names none."""
    written = _skeleton(company)
    if len(written) < _RIVAL_NAME_LENGTH:
        return None
    for domain in sorted(domains):
        # The name is the domain's longest label but the last (rival.co.uk: "rival").
        name = _skeleton(max(domain.split(".")[:-1] or [domain], key=len))
        if len(name) >= _RIVAL_NAME_LENGTH and (
                name in written or (name.startswith(written) and 2 * len(written) >= len(name))):
            return domain
    return None


# The shortest rival's name looked for: shorter ones ("auto", "abc") match by chance.
_RIVAL_NAME_LENGTH = 6


def _skeleton(text: str) -> str:
    """Letters and digits only, German umlauts written out as plain vowels, so that a
    domain and the name as written meet: notfallkurse-sued, "Notfallkurse Süd"."""
    letters = "".join(plain(text).split())
    for spelled, vowel in (("ue", "u"), ("oe", "o"), ("ae", "a")):
        letters = letters.replace(spelled, vowel)
    return letters


def _domain_in(domain: str, domains: frozenset[str]) -> bool:
    return bool(domain) and any(domain == d or domain.endswith("." + d) for d in domains)


def _path(url: str | None) -> str | None:
    if not url:
        return None
    return url.split("://", 1)[-1].split("/", 1)[-1]


# --- reading scoring.yaml ----------------------------------------------------------------

def _parse(d: Mapping[str, Any], source: str) -> ScoringRules:
    r = _Reader(d, source)
    thresholds = r.section("thresholds", {"hot", "warm"})
    fit = r.section("fit", {"corporate_domain", "free_mail_domain", "disposable_domain",
                            "company_given", "decision_maker", "other_job_title",
                            "served_country", "budget_given", "complete_contact",
                            "decision_maker_titles", "budget_fields"})
    interest = r.section("interest", {"existing_customer", "returning", "another_form", "another_product",
                                      "per_product", "max_products", "per_visit", "max_visits",
                                      "visit_fields"})
    behaviour = r.section("behaviour", {"form_kinds", "unknown_form", "attachment",
                                        "detailed_message", "detailed_message_chars",
                                        "some_message", "some_message_chars", "form_kind_words"})
    timing = r.section("timing", {"page_kinds", "page_kind_words", "signals", "words"})
    categories = r.section("categories", set(_EVIDENCE))
    bots = r.section("bots", {"honeypot_fields", "min_seconds_to_submit", "time_fields"})
    quality = r.section("data_quality", {"email", "name", "phone", "company", "message"})
    form_kinds = r.numbers(behaviour["form_kinds"], "behaviour.form_kinds", set(FORM_KINDS))
    page_kinds = r.numbers(timing["page_kinds"], "timing.page_kinds",
                           {"pricing", "product", "blog"})
    signals = r.numbers(timing["signals"], "timing.signals", set(_SIGNALS) | {"phone_given"})
    evidence = {}
    for category in _EVIDENCE:
        spec = categories[category]
        where = f"categories.{category}"
        if not isinstance(spec, Mapping) or "needs" not in spec or "words" not in spec:
            raise ValueError(f"{source}: {where} needs 'needs' and 'words'")
        evidence[category] = Evidence(
            needs=r.number(spec["needs"], f"{where}.needs"),
            words=tuple((r.number(w, f"{where}.words"), WordList.of(r.words(ws, f"{where}.words")))
                        for w, ws in spec["words"].items()))
    spam, test = categories["spam"], categories["test"]
    return ScoringRules(
        hot=r.number(thresholds["hot"], "thresholds.hot"),
        warm=r.number(thresholds["warm"], "thresholds.warm"),
        own_domains=r.domains("own_domains"),
        competitor_domains=r.domains("competitor_domains"),
        customer_domains=r.domains("customer_domains"),
        served_countries=frozenset(c.upper() for c in r.words(d.get("served_countries", []),
                                                              "served_countries")),
        enrichment=EnrichmentRules(
            default_region=str(d.get("default_region", "SI")).upper(),
            extra_free_mail=r.domains("extra_free_mail_domains"),
            honeypot_fields=frozenset(r.words(bots["honeypot_fields"], "bots.honeypot_fields")),
            time_fields=frozenset(r.words(bots["time_fields"], "bots.time_fields")),
            min_seconds_to_submit=float(bots["min_seconds_to_submit"])),
        fit={k: r.number(v, f"fit.{k}") for k, v in fit.items() if not isinstance(v, list)},
        decision_maker_titles=WordList.of(r.words(fit["decision_maker_titles"], "fit")),
        budget_fields=WordList.of(r.words(fit["budget_fields"], "fit")),
        interest={k: r.number(v, f"interest.{k}") for k, v in interest.items()
                  if not isinstance(v, list)},
        visit_fields=frozenset(r.words(interest["visit_fields"], "interest.visit_fields")),
        behaviour={k: r.number(v, f"behaviour.{k}") for k, v in behaviour.items()
                   if not isinstance(v, (list, Mapping))},
        form_kinds=form_kinds,
        form_kind_words=r.word_lists(behaviour["form_kind_words"], "behaviour.form_kind_words",
                                     set(FORM_KINDS)),
        page_kinds=page_kinds,
        page_kind_words=r.word_lists(timing["page_kind_words"], "timing.page_kind_words",
                                     {"pricing", "product", "blog", "careers"}),
        signals=signals,
        signal_words=r.word_lists(timing["words"], "timing.words", set(_SIGNALS)),
        evidence=evidence,
        spam={"max_links": r.number(spam.get("max_links", 2), "categories.spam.max_links"),
              "links": r.number(spam.get("links", 4), "categories.spam.links"),
              "gibberish": r.number(spam.get("gibberish", 4), "categories.spam.gibberish")},
        test_emails=tuple(r.words(test.get("test_emails", []), "categories.test.test_emails")),
        test_email=r.number(test.get("test_email", 3), "categories.test.test_email"),
        data_quality={k: r.number(v, f"data_quality.{k}") for k, v in quality.items()},
        model=_model_rules(r, d.get("model")),
    )


def _model_rules(r: "_Reader", spec: Any) -> ModelRules:
    if spec is None:
        return ModelRules()
    keys = {"junk_confidence", "timing_points", "behaviour_points", "rule_categories",
            "temperature"}
    if not isinstance(spec, Mapping) or set(spec) - keys:
        raise ValueError(f"{r.source}: model takes {', '.join(sorted(keys))}")
    temperature = spec.get("temperature", ModelRules.temperature)
    if temperature not in ("model", "rules"):
        raise ValueError(f"{r.source}: model.temperature must be 'model' or 'rules'")
    trusted = spec.get("rule_categories", dict(ModelRules.rule_categories))
    if not isinstance(trusted, Mapping) or not set(trusted) <= set(_EVIDENCE) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
            for v in trusted.values()):
        raise ValueError(f"{r.source}: model.rule_categories maps categories of evidence "
                         "to the least probability the model must give them (0 to 1)")
    confidence = spec.get("junk_confidence", ModelRules.junk_confidence)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) \
            or not 0 < confidence <= 1:
        raise ValueError(f"{r.source}: model.junk_confidence must be a share between 0 and 1")
    return ModelRules(
        junk_confidence=float(confidence),
        timing_points=r.number(spec.get("timing_points", ModelRules.timing_points),
                               "model.timing_points"),
        behaviour_points=r.number(spec.get("behaviour_points", ModelRules.behaviour_points),
                                  "model.behaviour_points"),
        rule_categories=tuple((str(k), float(v)) for k, v in trusted.items()),
        temperature=temperature)


class _Reader:
    """Reads scoring.yaml, naming the key of anything missing or wrong."""

    def __init__(self, data: Mapping[str, Any], source: str) -> None:
        self.data, self.source = data, source

    def section(self, name: str, keys: set[str]) -> Mapping[str, Any]:
        value = self.data.get(name)
        if not isinstance(value, Mapping):
            raise ValueError(f"{self.source}: '{name}' section is missing")
        missing, unknown = keys - set(value), set(value) - keys
        if missing:
            raise ValueError(f"{self.source}: {name} lacks {', '.join(sorted(missing))}")
        if unknown:
            raise ValueError(f"{self.source}: {name} has unknown keys {', '.join(sorted(unknown))}")
        return value

    def number(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{self.source}: {where} must be a number, not {value!r}")
        return int(value)

    def numbers(self, value: Any, where: str, keys: set[str]) -> dict[str, int]:
        if not isinstance(value, Mapping) or set(value) - keys:
            raise ValueError(f"{self.source}: {where} takes {', '.join(sorted(keys))}")
        return {k: self.number(v, f"{where}.{k}") for k, v in value.items()}

    def words(self, value: Any, where: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            raise ValueError(f"{self.source}: {where} must be a list of words")
        return [str(v) for v in value]

    def word_lists(self, value: Any, where: str, keys: set[str]) -> dict[str, WordList]:
        if not isinstance(value, Mapping) or set(value) != keys:
            raise ValueError(f"{self.source}: {where} needs lists for {', '.join(sorted(keys))}")
        return {k: WordList.of(self.words(v, f"{where}.{k}")) for k, v in value.items()}

    def domains(self, name: str) -> frozenset[str]:
        return frozenset(d.lower().lstrip("@") for d in self.words(self.data.get(name, []), name))
