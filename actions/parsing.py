"""Reads a patient's own words for a personal plan: dates ("7 Dec", "07/12/2026", "last Monday",
"3 days ago", "the 8th"), cycle numbers, weight and height, and interruptions. Pure functions:
today's date and the clinic's date convention are passed in."""
import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional

import dateparser
from dateutil.relativedelta import relativedelta

from triage.readings import mask_readings

WEEKDAYS = {name.lower(): index for index, name in enumerate(calendar.day_name)}
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
                 "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5}
NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
                "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
                "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30}
NUMBER = r"(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")"
MONTHS = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

DURATION = re.compile(rf"\bfor\s+(?:about\s+)?{NUMBER}\s+(day|week)s?\b", re.I)
ISO_DATE = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
NUMERIC_DATE = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b")
AGO = re.compile(rf"\b{NUMBER}\s+(day|week)s?\s+ago\b", re.I)
WEEKDAY = re.compile(r"\b(?:(last|this|on|next)\s+)?(" + "|".join(WEEKDAYS) + r")\b", re.I)
DAY_OF_MONTH = re.compile(r"\bthe\s+(\d{1,2})(?:st|nd|rd|th)\b", re.I)
NAMED_MONTH = re.compile(
    rf"\b(\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}(?:\s*,?\s*\d{{4}})?"
    rf"|{MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:\s*,?\s*\d{{4}})?)",
    re.I,
)


class PlanInputError(ValueError):
    """A date or number the patient gave that cannot be used, with the reason in plain words."""


@dataclass(frozen=True)
class ParsedDate:
    date: dt.date
    ambiguous: bool = False  # a numeric date such as 07/12 that could be read two ways


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def _checked(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        month_name = calendar.month_name[month] if 1 <= month <= 12 else f"month {month}"
        raise PlanInputError(f"there is no day {day} in {month_name} {year}") from None


def _explain_unreadable(said: str, today: dt.date) -> None:
    """Raises the reason a named-month date could not be read ("31 February": no such day)."""
    day = re.search(r"\d{1,2}(?!\d)", said)
    year = re.search(r"\d{4}", said)
    month = next((n for n in range(1, 13) if calendar.month_abbr[n].lower() in said.lower()), None)
    if day and month:
        _checked(int(year.group(0)) if year else today.year, month, int(day.group(0)))
    raise PlanInputError(f"I couldn't read the date \"{said}\"")


def find_date(
    text: str, today: dt.date, date_order: str = "MDY", prefer_future: bool = False
) -> Optional[ParsedDate]:
    """The first date the text names, or None; raises PlanInputError for an impossible date.

    A bare weekday or "the 8th" is the latest one up to today when the patient tells what happened,
    and the next one from today (prefer_future) when they ask about a day.
    """
    text = mask_readings(DURATION.sub(" ", text))  # "for 5 days" is a length, "bp 80/50" a reading: not dates
    if match := ISO_DATE.search(text):
        return ParsedDate(_checked(*(int(part) for part in match.groups())))
    if match := NUMERIC_DATE.search(text):
        first, second, year = match.groups()
        month, day = (int(first), int(second)) if date_order == "MDY" else (int(second), int(first))
        year = int(year) + 2000 if year and len(year) == 2 else int(year or today.year)
        ambiguous = int(first) <= 12 and int(second) <= 12 and first != second
        return ParsedDate(_checked(year, month, day), ambiguous=ambiguous)
    lowered = text.lower()
    if re.search(r"\btoday\b", lowered):
        return ParsedDate(today)
    if re.search(r"\byesterday\b", lowered):
        return ParsedDate(today - dt.timedelta(days=1))
    if match := AGO.search(text):
        amount, unit = _number(match.group(1)), match.group(2).lower()
        return ParsedDate(today - dt.timedelta(days=amount * (7 if unit == "week" else 1)))
    if match := NAMED_MONTH.search(text):
        parsed = dateparser.parse(
            match.group(0),
            languages=["en"],
            settings={"RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
                      "PREFER_DATES_FROM": "current_period", "DATE_ORDER": date_order},
        )
        if parsed is None:
            _explain_unreadable(match.group(0), today)
        return ParsedDate(parsed.date())
    if match := DAY_OF_MONTH.search(text):
        day = int(match.group(1))
        month_start = today.replace(day=1)
        if prefer_future and day < today.day:
            month_start += relativedelta(months=1)
        elif not prefer_future and day > today.day:  # "the 8th" told on the 3rd: last month's
            month_start -= relativedelta(months=1)
        return ParsedDate(_checked(month_start.year, month_start.month, day))
    if match := WEEKDAY.search(text):
        which, weekday = (match.group(1) or "").lower(), WEEKDAYS[match.group(2).lower()]
        back = (today.weekday() - weekday) % 7
        ahead = (weekday - today.weekday()) % 7
        if which == "next":
            return ParsedDate(today + dt.timedelta(days=ahead or 7))
        if prefer_future and which != "last":
            return ParsedDate(today + dt.timedelta(days=ahead))
        if which == "last" and back == 0:
            back = 7
        return ParsedDate(today - dt.timedelta(days=back))
    return None


def find_cycle(text: str) -> Optional[int]:
    """The cycle number named ("cycle 2", "my second cycle", "first cycle"), or None."""
    words = "|".join(ORDINAL_WORDS)
    if match := re.search(rf"\bcycle\s+(?:number\s+)?(\d+|{words})\b", text, re.I):
        token = match.group(1).lower()
        return int(token) if token.isdigit() else ORDINAL_WORDS[token]
    if match := re.search(rf"\b({words})\s+cycle\b", text, re.I):
        return ORDINAL_WORDS[match.group(1).lower()]
    return None


def find_measure(text: str, units: str) -> Optional[float]:
    """A number followed by one of the units ("40 kg", "140cm"); negative or zero is refused."""
    match = re.search(rf"(-?\d+(?:[.,]\d+)?)\s*(?:{units})\b", text, re.I)
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    if value <= 0:
        raise PlanInputError(f"{match.group(0).strip()} can't be right: it must be more than zero")
    return value


def find_weight_kg(text: str) -> Optional[float]:
    return find_measure(text, r"kg|kgs|kilos?|kilograms?")


def find_height_cm(text: str) -> Optional[float]:
    return find_measure(text, r"cm|cms|centimet(?:er|re)s?")


def find_interruption_days(text: str) -> Optional[int]:
    """The length of an interruption ("stopped for 5 days", "paused for a week"), or None."""
    if match := DURATION.search(text):
        return _number(match.group(1)) * (7 if match.group(2).lower() == "week" else 1)
    return None


def mentions_side_effect(text: str) -> bool:
    """Whether the interruption was for a reaction or side effect (a toxicity restart)."""
    return bool(re.search(r"\b(reaction|side[- ]effect|toxicit|crs|cytokine)", text, re.I))


def within_range(value: dt.date, today: dt.date, past_days: int, future_days: int) -> dt.date:
    """Refuses a start date implausibly far from today, with the reason."""
    if value < today - dt.timedelta(days=past_days):
        raise PlanInputError(f"{value:%-d %B %Y} is too long ago for a current course of treatment")
    if value > today + dt.timedelta(days=future_days):
        raise PlanInputError(f"{value:%-d %B %Y} is too far ahead; please check the date")
    return value


# A question about one's own dates: a person and a when-question or a day ("when is MY next bag change?").
# "When" inside a sentence is a conjunction ("why is it changed when there's medicine left").
WHEN_QUESTION = re.compile(
    r"(?:^|[.?!,;:]\s*|\b(?:and|so|but|by|from|know|tell me|asks?|asking|wondering)\s+)"
    r"(?:when|what date|which date|which day|what day|how long until|how many (?:more )?days (?:until|till|"
    r"before|left))\b", re.I)
DAY_WORDS = re.compile(
    r"\b(?:today|tomorrow|tonight|this (?:week|weekend|morning|evening)|next (?:week|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday)|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))\b", re.I)
PERSON_WORDS = re.compile(r"\b(my|i|i'm|im|i've|me|mine|we|we're|our|he|he's|his|she|she's|her|they|their)\b",
                          re.I)
GENERAL_WORDS = re.compile(r"\b(usually|normally|typically|generally|in general|patients|people|someone)\b", re.I)


def asks_about_own_dates(text: str) -> bool:
    """Whether a schedule question is about the asker's (or their patient's) own calendar."""
    if GENERAL_WORDS.search(text) or not PERSON_WORDS.search(text):
        return False
    return bool(WHEN_QUESTION.search(text.strip()) or DAY_WORDS.search(text))


# --- what a message states and what it asks ---------------------------------------------------------
QUESTION_OPENING = re.compile(
    r"^\W*(?:so\s+|and\s+|but\s+|then\s+|if\s+[^,?]*,\s*)?(?:when|what|whats|what's|which|how|will|would|is|are|"
    r"do|does|did|can|could|should|where|am|by when|from when)\b", re.I)
CLAUSE_SPLIT = re.compile(r"(?<=[.?!;])\s+|,\s+(?=(?:so\s+|and\s+|but\s+)?(?:when|what|whats|what's|which|how|will|"
                          r"do|does|is|can|should|by when)\b)", re.I)
# "Started blincyto", "began treatment", "my first bag went up", "cycle 1 day 1 was": day 1 of cycle 1
# (said back in the confirmation, so a patient in a later cycle can correct it).
FIRST_CYCLE_START = re.compile(
    r"\b(?:start(?:ed|ing)?|began|begun|commenced|kicked off)\s+(?:on\s+)?(?:the\s+|my\s+|his\s+|her\s+)?"
    r"(?:blina\w*|blincyto|blinatum\w*|treatment|the drip|the infusion|the pump|immunotherapy)\b"
    r"|\bfirst (?:cycle|bag|infusion|dose|day)\b|\bcycle (?:1|one) day (?:1|one)\b|\bday (?:1|one) was\b", re.I)
# Outside the form's question "when did that cycle start?", a bare "started on 12 October" is treatment's start.
STARTED = re.compile(r"\b(?:start(?:ed|ing)?|began|begun|commenced)\b", re.I)


@dataclass(frozen=True)
class Said:
    """A message cut into what it states (facts about the plan) and what it asks (the question's subject)."""

    stated: str
    asked: str


def statement_and_question(text: str) -> Said:
    """Clauses that open with a question word or end in "?" are the question; the rest is stated."""
    parts = [p.strip() for p in CLAUSE_SPLIT.split(text) if p and p.strip()]
    asked = [p for p in parts if p.endswith("?") or QUESTION_OPENING.search(p)]
    stated = [p for p in parts if p not in asked]
    return Said(" ".join(stated), " ".join(asked))


def first_cycle_started(stated: str, answering_the_form: bool = False) -> bool:
    """Whether the words say treatment itself started then: cycle 1, unless a cycle is named. In
    answer to the form's "when did that cycle start?", "it started on ..." names no cycle."""
    return bool(FIRST_CYCLE_START.search(stated) or (not answering_the_form and STARTED.search(stated)))


CYCLE_DAY = re.compile(r"\bday\s+(\d{1,2})\s+of\s+(?:my\s+|his\s+|her\s+|the\s+)?cycle\s+(\d)\b"
                       r"|\bcycle\s+(\d),?\s+day\s+(\d{1,2})\b|\bc(\d)\s*d(\d{1,2})\b", re.I)


def find_cycle_day(text: str) -> Optional[tuple]:
    """(cycle, day) from "day 5 of cycle 2", "cycle 2 day 5" or "C2D5", or None."""
    match = CYCLE_DAY.search(text)
    if not match:
        return None
    groups = match.groups()
    if groups[0]:
        day, cycle = int(groups[0]), int(groups[1])
    elif groups[2]:
        cycle, day = int(groups[2]), int(groups[3])
    else:
        cycle, day = int(groups[4]), int(groups[5])
    return (cycle, day) if 1 <= day <= 42 and cycle >= 1 else None


# What a personal schedule question asks about, from its own words; the first that matches wins.
PLAN_QUESTION_WORDS = (
    ("ask_plan_step_up", r"\b(?:go(?:es)? up|step(?:s|ped)?[- ]up|increase|full dose|move up|higher dose|from 9)\b"),
    ("ask_plan_last_infusion", r"\b(?:last (?:day|infusion|bag|dose)|hooked up|come[s]? off|finish(?:es)?|end of the infusion)\b"),
    ("ask_plan_break", r"\b(?:break|day off|days off|off treatment|treatment[- ]free|rest period)\b"),
    ("ask_plan_bloods", r"\b(?:bloods?|blood tests?|fbc)\b"),
    ("ask_plan_bag_change", r"\bbag\b"),
    ("ask_plan_discharge", r"\b(?:go home|going home|discharged?|in hospital|admitted|stay in)\b"),
    ("ask_plan_premedication", r"\b(?:steroid|dexamethasone|dex|premed\w*|pre-med\w*)\b"),
    ("ask_plan_dose", r"\b(?:dose|how much|micrograms?|mcg)\b"),
    ("ask_plan_next_cycle", r"\b(?:cycle|round|due back|next lot|start again)\b"),
)


def plan_question_intent(asked: str) -> Optional[str]:
    """The personal question a schedule question asks ("when does it go up?" -> the step-up), or None."""
    for intent, pattern in PLAN_QUESTION_WORDS:
        if re.search(pattern, asked, re.I):
            return intent
    return None


FOLLOW_UP_OPENING = re.compile(r"^\W*(?:and|what about|how about|same for|and for)\b", re.I)
THE_NEXT_ONE = re.compile(r"\b(?:the one after(?: that)?|the next one|the following one|the cycle after(?: that)?)\b", re.I)


def asks_about_another_cycle(text: str) -> bool:
    """"What about cycle 3?", "and for the third cycle?", "and the one after?": the last personal
    question, for another cycle."""
    return bool(FOLLOW_UP_OPENING.search(text)) and (find_cycle(text) is not None or asks_about_the_next_one(text))


def asks_about_the_next_one(text: str) -> bool:
    return bool(THE_NEXT_ONE.search(text)) and find_cycle(text) is None
