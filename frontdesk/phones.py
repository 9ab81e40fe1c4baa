"""Phone numbers as patients type them: found and checked with Google's libphonenumber rules (the
`phonenumbers` package), said back in the clinic's own format, and masked wherever they must not stay."""
from __future__ import annotations

import re
from typing import Iterable, Optional

import phonenumbers
from phonenumbers import Leniency, NumberFormat, PhoneNumberFormat, PhoneNumberMatcher

MASK = "[phone number]"
# Seven or more digits in a row, with the separators people type: masked even when no valid number is
# there, because a mistyped number is still the patient's. ISO dates (2026-12-10) are not numbers.
DIGIT_RUN = re.compile(r"(?<![\d/])\+?\(?\d[\d\s().-]{5,}\d(?![\d/])")
ISO_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")


class PhoneNumberError(ValueError):
    """A number that cannot be a phone number, with the reason in plain words."""


def _settings(clinic: dict) -> dict:
    return clinic.get("phone_numbers") or {}


def region(clinic: dict) -> str:
    return str(_settings(clinic).get("region") or clinic.get("country") or "US").upper()


def find_number(text: str, clinic: dict) -> Optional[phonenumbers.PhoneNumber]:
    """The first valid phone number in the text, or None; PhoneNumberError when digits that look meant
    as a phone number are not one ("555-0142": the area code is missing)."""
    home = region(clinic)
    found = [match.number for match in PhoneNumberMatcher(text, home, leniency=Leniency.POSSIBLE)]
    valid = [number for number in found if phonenumbers.is_valid_number(number)]
    if valid:
        return valid[0]
    if found:
        raise PhoneNumberError(_why_not(found[0]))
    digits = [run for run in DIGIT_RUN.findall(text) if not ISO_DATE.fullmatch(run.strip())]
    if digits:
        raise PhoneNumberError("that doesn't look like a whole phone number")
    return None


def _why_not(number: phonenumbers.PhoneNumber) -> str:
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason in (phonenumbers.ValidationResult.TOO_SHORT, phonenumbers.ValidationResult.IS_POSSIBLE_LOCAL_ONLY):
        return "that number is too short: is the area code missing?"
    if reason == phonenumbers.ValidationResult.TOO_LONG:
        return "that number has too many digits"
    return "that isn't a phone number in use"


def say_back(number: phonenumbers.PhoneNumber, clinic: dict) -> str:
    """A number in the clinic's format (clinic.yml `phone_numbers`: 469-391-0070), or the international
    format for a number from another country."""
    settings = _settings(clinic)
    if phonenumbers.region_code_for_number(number) != region(clinic):
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if settings.get("pattern") and settings.get("format"):
        layout = NumberFormat(pattern=settings["pattern"], format=settings["format"])
        said = phonenumbers.format_by_pattern(number, PhoneNumberFormat.NATIONAL, [layout])
        if re.search(r"\d", said) and not re.search(r"\\\d", said):
            return said
    return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)


def stored_form(number: phonenumbers.PhoneNumber) -> str:
    """E.164 (+14693910070): one spelling per number in the request store, for tel: links."""
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mask_numbers(text: str, clinic: dict, keep: Iterable[str] = ()) -> str:
    """The text with every phone number, valid or not, replaced by MASK; numbers in `keep` (the clinic's
    own, which the assistant gives out) stay."""
    kept = {re.sub(r"\D", "", k) for k in keep}

    def masked(match: re.Match) -> str:
        run = match.group(0)
        if ISO_DATE.fullmatch(run.strip()) or re.sub(r"\D", "", run) in kept:
            return run
        return MASK + (" " if run.endswith(" ") else "")

    for match in reversed(list(PhoneNumberMatcher(text, region(clinic), leniency=Leniency.POSSIBLE))):
        if match.raw_string.replace(" ", "") and re.sub(r"\D", "", match.raw_string) not in kept:
            text = text[:match.start] + MASK + text[match.end:]
    return DIGIT_RUN.sub(masked, text)
