"""What the model sees of a lead: its words, normalised, and the rules' findings as tokens.

Pure: the same lead and findings always give the same view, at training and at
intake alike (one function for both, so they cannot drift apart).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from connector.domain.lead import Lead
from connector.domain.words import plain
from connector.judgement.lemmas import words_of

_PATH_WORDS = re.compile(r"[/_.\-?=&]+")
_LINK = re.compile(r"https?://|www\.", re.IGNORECASE)
# Shapes that mean the same in every language: what a customer quotes (an order,
# contract or booking number), when someone wants something (a date, a time), how
# much (an amount, a quantity).
_SHAPES = {
    "reference": re.compile(r"(?<!\w)(?:[A-Za-z]{1,5}[-/ ]?\d{3,}|#\s?\d{3,}|\d{4,}[-/][A-Za-z0-9]{2,})(?!\w)"),
    "date": re.compile(r"(?<!\d)(?:\d{1,2}\s?[./]\s?\d{1,2}\s?[./]?(?:\s?\d{2,4})?|\d{4}-\d{2}-\d{2})(?!\d)"),
    "time": re.compile(r"(?<!\d)(?:[01]?\d|2[0-3])(?:[:.][0-5]\d\s?(?:h|uhr|u|am|pm)?|\s?(?:h|uhr|am|pm|ч)\b)", re.IGNORECASE),
    "amount": re.compile(r"(?:\d[\d.,\s]*\s?(?:€|eur|euro|kn|kč|czk|zł|pln|din|rsd|km|bam|chf|£|\$)|(?:€|£|\$)\s?\d)", re.IGNORECASE),
    "quantity": re.compile(r"(?<!\w)\d+\s?(?:x|kom|ks|szt|stk|pcs|pieces|m2|m²|m|kg|t|l|osob|oseb|osoba|ljudi|people|persons|personen|gostov|gostiju|hostů|gości)\b", re.IGNORECASE),
    "question": re.compile(r"\?"),
    "exclamation": re.compile(r"!"),
}


@dataclass(frozen=True)
class Findings:
    """What the rules found, as the model needs it (see scoring.findings_of)."""

    form_kind: str | None
    page_kind: str | None
    domain_kind: str
    channel: str
    decision_maker: bool
    bot: bool
    evidence: tuple[str, ...]      # categories the word lists found evidence of
    signals: tuple[str, ...]       # timing signals found: urgency, price, call_me, …
    dimensions: tuple[tuple[str, int], ...]
    data_quality: int
    visits: int
    disposable: bool
    language: str | None = None    # the message's, as enrichment found it


@dataclass(frozen=True)
class View:
    text: str    # subject and message, plain
    meta: str    # form, page, title, company, names, address, products, other fields
    tokens: str  # the findings, one word each
    # The message and the form's own words as written, for explanations in the lead's
    # own words (not a feature; a person's name is never given as a reason).
    written: str = ""
    # The person's names, company and address, plain: never quoted as a reason.
    private: str = ""
    # The subject's and message's words as the lemma dictionaries spell them, and
    # their language (None when too short to tell): the judgement reads their lemmas.
    words: str = ""
    language: str | None = None


def view_of(lead: Lead, found: Findings) -> View:
    page = (lead.tracking.get("page_url") or "").split("://", 1)[-1]
    page = page.split("/", 1)[1] if "/" in page else ""
    local = (lead.email or "").partition("@")[0]
    extra = " ".join(f"{k} {v}" if isinstance(v, str) and len(v) <= 40 else str(k)
                     for k, v in lead.extra.items() if not _plugin_meta(k))
    meta = " ".join(t for t in (lead.form_name, _PATH_WORDS.sub(" ", page), lead.job_title,
                                lead.company, lead.first_name, lead.last_name,
                                _PATH_WORDS.sub(" ", local), " ".join(lead.product_interests),
                                extra) if t)
    message = lead.message or ""
    tokens = [f"form:{found.form_kind or 'unknown'}", f"page:{found.page_kind or 'other'}",
              f"domain:{found.domain_kind}", f"channel:{found.channel}",
              f"length:{_bucket(len(message), (1, 40, 120, 300, 700))}",
              f"links:{_bucket(len(_LINK.findall(message)), (1, 2, 4))}",
              f"quality:{found.data_quality // 20}", f"visits:{_bucket(found.visits, (1, 3, 8))}"]
    tokens += [f"has:{name}" for name in ("phone", "company", "job_title", "website", "subject")
               if getattr(lead, name)]
    for shape, pattern in _SHAPES.items():
        n = len(pattern.findall(message))
        if n:
            tokens.append(f"shape:{shape}")
            if n > 2:
                tokens.append(f"shape:{shape}:many")
    letters = sum(map(str.isalpha, message))
    if letters > 20 and sum(map(str.isupper, message)) > 0.6 * letters:
        tokens.append("shape:shouting")
    if lead.files:
        tokens.append("has:file")
    if lead.consent is not None:
        tokens.append("has:consent")
    if found.decision_maker:
        tokens.append("title:decision_maker")
    if found.bot:
        tokens.append("bot:signals")
    if found.disposable:
        tokens.append("domain:disposable_address")
    tokens += [f"evidence:{c}" for c in found.evidence]
    tokens += [f"signal:{s}" for s in found.signals]
    tokens += [f"{d}:{_bucket(v, (3, 8, 13, 18))}" for d, v in found.dimensions]
    written = " ".join(t for t in (lead.subject, message, lead.form_name,
                                   _PATH_WORDS.sub(" ", page), lead.job_title,
                                   " ".join(lead.product_interests)) if t)
    private = plain(" ".join(t for t in (lead.first_name, lead.last_name, lead.company,
                                         _PATH_WORDS.sub(" ", lead.email or "")) if t))
    said = " ".join(t for t in (lead.subject, message) if t)
    return View(text=plain(said), meta=plain(meta), tokens=" ".join(tokens), written=written,
                private=private, words=words_of(said), language=found.language)


def _plugin_meta(key: str) -> bool:
    """What a plugin says about the submission rather than the visitor (CF7's special mail
    tags, Fluent Forms' __submission, Elementor's "Powered by"): kept in the lead, but no
    corpus form has it, so the model must not read it."""
    return key.startswith("_") or key.strip().casefold() == "powered by"


def _bucket(value: int, edges: tuple[int, ...]) -> int:
    return sum(value >= e for e in edges)
