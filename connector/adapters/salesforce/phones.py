"""Finding the person a phone-only lead is, among Salesforce's Leads and Contacts.

People type numbers into Salesforce as they please ("+386 41 123 456", "041/123-456",
"(041) 123456"), and SOQL cannot compare them. Salesforce's phone search (SOSL,
IN PHONE FIELDS) ignores formatting, so the number is searched for in every form
its digits are stored in (with the country code, with 00, in national form, the
national number alone), and each hit is then read with phonenumbers and kept only
if it is the same number. A shared number (a switchboard, a family phone) is not
one person: when both sides give a surname and they differ, it is not a match.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Iterable, Mapping

import phonenumbers

from connector.adapters.salesforce import sosl

# The person's own numbers on each object (not an assistant's, not a fax), oldest
# record first: the first Lead or Contact made for someone is the one people use.
PERSON_PHONES = {"Contact": ("Phone", "MobilePhone"), "Lead": ("Phone", "MobilePhone")}


def readable(phone: str | None) -> phonenumbers.PhoneNumber | None:
    """A lead's phone as a number, when it is international (the lead's phone is in
    E.164 once read); a local number cannot be searched for without its region."""
    if not phone or not phone.strip().startswith("+"):
        return None
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def stored_forms(number: phonenumbers.PhoneNumber) -> list[str]:
    """The digits the number may be stored as: 38641123456, 0038641123456, 041123456,
    41123456 (formatting aside, which the phone search ignores)."""
    national = phonenumbers.national_significant_number(number)
    trunk = "".join(ch for ch in phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.NATIONAL) if ch.isdigit())
    country = str(number.country_code)
    return list(dict.fromkeys([country + national, "00" + country + national, trunk, national]))


def search(numbers: Iterable[phonenumbers.PhoneNumber], limit: int) -> str:
    """One SOSL search for the open Leads and the Contacts with any of these numbers."""
    terms = list(dict.fromkeys(t for n in numbers for t in stored_forms(n)))
    contact = ", ".join(("Id", "OwnerId", "AccountId", "LastName") + PERSON_PHONES["Contact"])
    lead = ", ".join(("Id", "OwnerId", "LastName") + PERSON_PHONES["Lead"])
    return (f"FIND {sosl.any_of(terms)} IN PHONE FIELDS RETURNING "
            f"Contact({contact} ORDER BY CreatedDate LIMIT {limit}), "
            f"Lead({lead} WHERE IsConverted = false ORDER BY CreatedDate LIMIT {limit})")


def match(records: Iterable[Mapping[str, Any]], number: phonenumbers.PhoneNumber,
          last_name: str | None, unnamed: Iterable[str] = ()) -> tuple[dict | None, dict | None]:
    """(the Contact, the open Lead) among search hits that have this number and may be
    this person, the oldest of each; `unnamed` are placeholder surnames ("[not provided]")."""
    found: dict[str, dict] = {}
    for record in records:
        kind = (record.get("attributes") or {}).get("type")
        if kind in PERSON_PHONES and kind not in found and _same_number(record, kind, number) \
                and _same_person(record.get("LastName"), last_name, set(unnamed)):
            found[kind] = dict(record)
    return found.get("Contact"), found.get("Lead")


def _same_number(record: Mapping[str, Any], kind: str, number: phonenumbers.PhoneNumber) -> bool:
    # A number stored without its country code is read in the lead's country.
    region = phonenumbers.region_code_for_number(number)
    wanted = e164(number)
    for field in PERSON_PHONES[kind]:
        value = record.get(field)
        if not value:
            continue
        try:
            if e164(phonenumbers.parse(str(value), region)) == wanted:
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


def _same_person(theirs: str | None, ours: str | None, unnamed: set[str]) -> bool:
    if not theirs or not ours or theirs in unnamed:
        return True
    return folded(theirs) == folded(ours)


def folded(name: str) -> str:
    """'Novák ' and 'novak' alike: people and forms drop accents."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().strip()
