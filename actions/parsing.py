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
RELATIVE_DAY = re.compile(r"\b(?:today|yesterday|this morning)\b", re.I)
NAMED_MONTH = re.compile(
    rf"\b(\d{{1,2}}(?:st|nd|rd|th)?(?:\s+|-)(?:of\s+)?{MONTHS}(?:\s*[,-]?\s*\d{{4}}|-\d{{2}}\b)?"  # "05-Oct-2026", "12-Jan-27" too
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
    found = _date_candidates(text)
    whole = [match for kind, match in found if kind in WHOLE_DATES]
    # The first date in the text; a weekday only when nothing else names a day ("Monday 7 December" is
    # 7 December), and a part of a whole date ("the 10th" of "the 10th March") is that date.
    found = [(kind, match) for kind, match in found if kind in WHOLE_DATES or not any(
        match.start() < other.end() and other.start() < match.end() for other in whole)]
    if any(kind != "weekday" for kind, _ in found):
        found = [(kind, match) for kind, match in found if kind != "weekday"]
    if not found:
        return None
    kind, match = min(found, key=lambda candidate: candidate[1].start())
    return DATE_READERS[kind](match, today, date_order, prefer_future)


def _date_candidates(text: str) -> list:
    """(kind, match) for every span that may name a day; a length ("for 5 days"), a reading ("bp 80/50")
    and a decimal ("38.9") are not dates."""
    text = mask_readings(DURATION.sub(" ", text))
    return [(kind, match) for kind, pattern in DATE_PATTERNS for match in pattern.finditer(text)
            if not (kind == "numeric" and _decimal_number(match))]


def _decimal_number(match) -> bool:
    """"It was 38.9", "neuts 0.8": a reading, not a date: dotted, with no year, and no way to read it as day and month."""
    first, second, year = match.groups()
    parts = sorted((int(first), int(second)))
    return "." in match.group(0) and year is None and (parts[1] > 31 or parts[0] > 12 or parts[0] == 0)


def _iso(match, today, date_order, prefer_future) -> ParsedDate:
    return ParsedDate(_checked(*(int(part) for part in match.groups())))


def _numeric(match, today, date_order, prefer_future) -> ParsedDate:
    first, second, year = match.groups()
    month, day = (int(first), int(second)) if date_order == "MDY" else (int(second), int(first))
    if month > 12 >= day:  # "15/02/2027" has only one reading, whichever order the clinic writes
        month, day = day, month
    year = int(year) + 2000 if year and len(year) == 2 else int(year or today.year)
    ambiguous = int(first) <= 12 and int(second) <= 12 and first != second
    return ParsedDate(_checked(year, month, day), ambiguous=ambiguous)


def _relative(match, today, date_order, prefer_future) -> ParsedDate:
    return ParsedDate(today - dt.timedelta(days=1) if match.group(0).lower() == "yesterday" else today)


def _ago(match, today, date_order, prefer_future) -> ParsedDate:
    amount, unit = _number(match.group(1)), match.group(2).lower()
    return ParsedDate(today - dt.timedelta(days=amount * (7 if unit == "week" else 1)))


def _named_month(match, today, date_order, prefer_future) -> ParsedDate:
    parsed = dateparser.parse(
        match.group(0),
        languages=["en"],
        settings={"RELATIVE_BASE": dt.datetime.combine(today, dt.time()),
                  "PREFER_DATES_FROM": "current_period", "DATE_ORDER": date_order},
    )
    if parsed is None:
        _explain_unreadable(match.group(0), today)
    return ParsedDate(parsed.date())


def _day_of_month(match, today, date_order, prefer_future) -> ParsedDate:
    day = int(match.group(1))
    month_start = today.replace(day=1)
    if prefer_future and day < today.day:
        month_start += relativedelta(months=1)
    elif not prefer_future and day > today.day:  # "the 8th" told on the 3rd: last month's
        month_start -= relativedelta(months=1)
    return ParsedDate(_checked(month_start.year, month_start.month, day))


def _weekday(match, today, date_order, prefer_future) -> ParsedDate:
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


WHOLE_DATES = ("iso", "numeric", "named_month")
DATE_PATTERNS = (
    ("iso", ISO_DATE), ("numeric", NUMERIC_DATE), ("named_month", NAMED_MONTH), ("relative", RELATIVE_DAY),
    ("ago", AGO), ("day_of_month", DAY_OF_MONTH), ("weekday", WEEKDAY),
)
DATE_READERS = {"iso": _iso, "numeric": _numeric, "relative": _relative, "ago": _ago, "named_month": _named_month,
                "day_of_month": _day_of_month, "weekday": _weekday}


CYCLE_NAMED = re.compile(rf"\b(?:cycle|round)\s+(?:number\s+)?(\d+|{'|'.join(ORDINAL_WORDS)})\b|\bc([1-9])(?:d\d{{1,2}})?\b"
                         rf"|\b({'|'.join(ORDINAL_WORDS)})\s+(?:(?:blina\w*|blincyto|blinatum\w*)\s+)?(?:cycle|round|one)\b",
                         re.I)


def find_cycle(text: str) -> Optional[int]:
    """The first cycle number named ("cycle 2", "round 2", "my second cycle", "the fifth one"), or None."""
    match = CYCLE_NAMED.search(text)
    if not match:
        return None
    token = (match.group(1) or match.group(2) or match.group(3)).lower()
    if match.group(3) and token in ("one", "two", "three", "four", "five"):
        return None  # "one cycle", "two rounds": how many, not which
    return int(token) if token.isdigit() else ORDINAL_WORDS[token]


DAY_ASKED = re.compile(r"\b(?:day\s*|d)(\d{1,2})\b(?!\s*(?:of|days?)\b)", re.I)


def find_day_asked(asked: str) -> Optional[int]:
    """The cycle day a question asks about ("what dose from day 8?", "D8 date + dose?"): the last one named."""
    days = [int(match.group(1)) for match in DAY_ASKED.finditer(asked) if 1 <= int(match.group(1)) <= 42]
    return days[-1] if days else None


DATED_CLAUSES = re.compile(r"[.;!?]\s+|\s*[()]\s*|,\s+(?:and|but|so)\s+|\s+(?:and|but)\s+(?=(?:now\s+)?(?:cycle|round|the)\b)", re.I)


def cycle_of_the_start(stated: str, today: dt.date, date_order: str = "MDY") -> Optional[int]:
    """The cycle named with the start's date ("got through cycle 1, and cycle 2 starts Thursday 22 April": 2),
    else the first cycle named."""
    for clause in DATED_CLAUSES.split(stated):
        try:
            dated = find_date(clause, today, date_order) is not None
        except PlanInputError:
            dated = False
        if dated and find_cycle(clause) is not None:
            return find_cycle(clause)
    return find_cycle(stated)


def find_measure(text: str, units: str) -> Optional[float]:
    """A number followed by one of the units ("40 kg", "140cm"); negative or zero is refused."""
    match = re.search(rf"(-?\d+(?:[.,]\d+)?)\s*(?:{units})\b", text, re.I)
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    if value <= 0:
        raise PlanInputError(f"{match.group(0).strip()} can't be right: it must be more than zero")
    return value


KG = r"kg|kgs|kilos?|kilograms?"
# "and <45kg?", "under 45 kg": the threshold of a rule, not the patient's weight.
WEIGHT_THRESHOLD = re.compile(rf"(?:[<>\u2264\u2265]=?|\b(?:under|below|less than|over|above|more than|at least))\s*"
                              rf"\d+(?:[.,]\d+)?\s*(?:{KG})\b", re.I)


def find_weight_kg(text: str) -> Optional[float]:
    return find_measure(WEIGHT_THRESHOLD.sub(" ", text), KG)


def find_height_cm(text: str) -> Optional[float]:
    return find_measure(text, r"cm|cms|centimet(?:er|re)s?")


def find_interruption_days(text: str) -> Optional[int]:
    """The length of an interruption ("stopped for 5 days", "paused for a week"), or None."""
    if match := DURATION.search(text):
        return _number(match.group(1)) * (7 if match.group(2).lower() == "week" else 1)
    return None


def names_a_plan_fact(text: str) -> bool:
    """Whether the text gives something a plan is made from: a date, a cycle or its day, a weight or
    height, a start or an interruption ("CrCl is 18 though" gives none of them)."""
    try:
        measures = find_weight_kg(text) is not None or find_height_cm(text) is not None
    except PlanInputError:
        measures = True  # "-5 kg" is a plan fact given wrongly: the form explains what is wrong
    return measures or bool(_date_candidates(text)) or bool(
        find_cycle(text) or find_cycle_day(text) or find_interruption_days(text) or STOPPED.search(text)
        or STARTED.search(text))


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
GENERAL_WORDS = re.compile(r"\b(usually|normally|typically|generally|in general|patients|people|someone|tends? to)\b",
                           re.I)


# "What does it go up to?", "how many days is he in for?": an amount or a length, the same for everyone on the
# rule, not a date of the patient's own plan.
ASKS_AMOUNT = re.compile(
    r"\b(?:up to what|go(?:es|ing)? up to|(?:rise|increase)s? to what|how much|how many (?:days|nights|weeks)|"
    r"for how long|how long (?:is|are|will|would|do|does|should|for)\b)", re.I)
ASKS_DATE = re.compile(r"\b(?:when|(?:what|which) (?:date|day)|how long until|by when|(?:earliest|latest|exact) (?:date|day)|"
                       r"d/c date|date)\b", re.I)


def asks_a_date(asked: str) -> bool:
    """Whether the words that ask, ask when something is (or what happens on a day named)."""
    return bool(ASKS_DATE.search(asked) or DAY_WORDS.search(asked))


# "What dose is he on now?" asks the amount; "what dose on Saturday 3 April?" asks it for a day of the plan.
ASKS_DOSE = re.compile(r"\b(?:what|which|whats|what's) (?:dose|amount)\b", re.I)
NAMES_A_DAY = re.compile(r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|tomorrow|tonight|birthday|party|christmas|"
                         r"\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*|"
                         r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d{1,2}\b|day\s+\d+)", re.I)


# "what's the pre-med they give her before it starts?" asks which medicine, not on what day.
ASKS_MEDICINE = re.compile(r"\b(?:what|which|whats|what's)(?: is| are)?(?: the)? (?:pre-?med\w*|steroids?|medicines?|"
                           r"meds|drugs?|tablets?)\b", re.I)


def asks_amount_not_date(text: str) -> bool:
    """Whether a schedule question asks how much, how long or which medicine, and not when."""
    asked = statement_and_question(text).asked or text
    amount = ASKS_AMOUNT.search(asked) or ASKS_MEDICINE.search(asked) or (
        ASKS_DOSE.search(asked) and not NAMES_A_DAY.search(asked))
    return bool(amount) and not asks_a_date(asked)


def asks_about_own_dates(text: str) -> bool:
    """Whether a schedule question is about the asker's (or their patient's) own calendar."""
    if GENERAL_WORDS.search(text) or not PERSON_WORDS.search(text):
        return False
    return bool(WHEN_QUESTION.search(text.strip()) or DAY_WORDS.search(text))


# --- what a message states and what it asks ---------------------------------------------------------
QUESTION_OPENING = re.compile(
    r"^\W*(?:so\s+|and\s+|but\s+|then\s+|if\s+[^,?]*,\s*)?(?:when|what|whats|what's|which|how|will|would|is|are|"
    r"do|does|did|can|could|should|where|am|by when|from when)\b", re.I)
# "..., which started on 7 June": a relative clause tells, it does not ask.
CLAUSE_SPLIT = re.compile(r"(?<=[.?!;])\s+|(?:,|\s[-\u2013\u2014])\s+(?=(?:so\s+|and\s+|but\s+)?(?:when|what|whats|what's|"
                          r"which(?!\s+(?:started|began|starts|begins|was|is|ran|runs|had|has)\b)|how|will|"
                          r"do|does|is|can|should|by when)\b)", re.I)
# "Started blincyto", "began treatment", "my first bag went up", "cycle 1 day 1 was": day 1 of cycle 1
# (said back in the confirmation, so a patient in a later cycle can correct it).
FIRST_CYCLE_START = re.compile(
    r"\b(?:start(?:s|ed|ing)?|began|begun|commenced|kicked off)\s+(?:on\s+)?(?:the\s+|my\s+|his\s+|her\s+)?"
    r"(?:blina\w*|blincyto|blinatum\w*|treatment|the drip|the infusion|the pump|immunotherapy)\b"
    r"|\bfirst (?:\w+ )?(?:cycle|bag|infusion|dose|day)\b|\bcycle (?:1|one) day (?:1|one)\b|\bday (?:1|one) was\b"
    r"|\b(?:went|go|gone|got|put) on (?:the )?(?:pump|drip|bag|blina\w*|blincyto)\b|\bhooked up\b", re.I)
# Outside the form's question "when did that cycle start?", a bare "started on 12 October" is treatment's start.
STARTED = re.compile(r"\b(?:start(?:s|ed|ing)?|begins?|beginning|began|begun|commenced)\b|\b(?:c\d|cycle \d)\s+(?:was\s+)?hung\b", re.I)


LEAD_IN = re.compile(r"^\W*(?:for|about|before|after|regarding|as for|and for|what about)\b", re.I)
LEAD_IN_WORDS = 5
QUESTION_CLOSING = re.compile(r"\b(?:when|what date|which day)\W*$", re.I)  # staff shorthand: "next change due when"
THAT_DAY = re.compile(r"\b(?:that|the same) (?:day|date|weekend|morning)\b", re.I)
IF_CLAUSE = re.compile(r"^\W*(?:and\s+|but\s+|so\s+)?(?:if|suppose|say)\b", re.I)


# Staff shorthand: "R/R adult, C1D1 Mon 5 Jul 2027 - date of step-up?" asks after the last dash.
SHORTHAND_QUESTION = re.compile(r"\s[-\u2013\u2014]\s+(?=(?:(?!\s[-\u2013\u2014]\s).)*\?\W*$)")


def _shorthand_question(part: str) -> list:
    return [piece.strip() for piece in SHORTHAND_QUESTION.split(part, maxsplit=1) if piece.strip()]


@dataclass(frozen=True)
class Said:
    """A message cut into what it states (facts about the plan) and what it asks (the question's subject)."""

    stated: str
    asked: str


def statement_and_question(text: str) -> Said:
    """Clauses that open with a question word or end in "?" are the question; the rest is stated."""
    parts = [p.strip() for p in CLAUSE_SPLIT.split(text) if p and p.strip()]
    parts = [piece for part in parts for piece in _shorthand_question(part)]
    # "If they go ahead with a second one, what date would it begin?": the if-clause belongs to the question.
    asked = [p for p in parts if p.endswith("?") or QUESTION_OPENING.search(p) or IF_CLAUSE.match(p)
             or QUESTION_CLOSING.search(p)]
    # "For cycle 3, when's the earliest ...?": a short lead-in before the question is part of it.
    asked += [p for p, after in zip(parts, parts[1:])
              if after in asked and LEAD_IN.match(p) and len(p.split()) <= LEAD_IN_WORDS]
    # "Her party is on Saturday 3 April - what dose will she be on that day?": the day told is the one asked about.
    asked += [p for p, after in zip(parts, parts[1:]) if after in asked and THAT_DAY.search(after)]
    stated = [p for p in parts if p not in asked]
    asked = [p for p in parts if p in asked]  # in the message's order
    return Said(" ".join(stated), " ".join(asked))


STOPPED = re.compile(r"\b(?:stop(?:ped|s)?|paused|interrupted|held|taken off|break in|off (?:the drip|the pump|it) for|"
                     r"off (?:from|since)|(?:was|were|been) off|(?:switched|turned) off)\b", re.I)


def stated_start_and_stop(stated: str) -> tuple:
    """(the part that tells when treatment started, the part that tells of an interruption):
    "Began on 13 January but it was stopped on 19 January for 3 days" cuts at "stopped"."""
    stop = STOPPED.search(stated)
    return (stated[:stop.start()], stated[stop.start():]) if stop else (stated, "")


def first_cycle_started(stated: str, answering_the_form: bool = False) -> bool:
    """Whether the words say treatment itself started then: cycle 1, unless a cycle is named. In
    answer to the form's "when did that cycle start?", "it started on ..." names no cycle."""
    return bool(FIRST_CYCLE_START.search(stated) or (not answering_the_form and STARTED.search(stated)))


CYCLE_DAY = re.compile(r"\bday\s+(\d{1,2})\s+of\s+(?:my\s+|his\s+|her\s+|the\s+)?(?:cycle\s+(\d)\b|(\w+)\s+cycle\b)"
                       r"|\bcycle\s+(\d),?\s+day\s+(\d{1,2})\b|\bc(\d)\s*d(\d{1,2})\b", re.I)


def find_cycle_day(text: str) -> Optional[tuple]:
    """(cycle, day) from "day 5 of cycle 2", "cycle 2 day 5" or "C2D5", or None."""
    match = CYCLE_DAY.search(text)
    if not match:
        return None
    groups = match.groups()
    if groups[0]:
        ordinal = (groups[2] or "").lower()
        if not groups[1] and ordinal not in ORDINAL_WORDS:
            return None
        day, cycle = int(groups[0]), int(groups[1]) if groups[1] else ORDINAL_WORDS[ordinal]
    elif groups[3]:
        cycle, day = int(groups[3]), int(groups[4])
    else:
        cycle, day = int(groups[5]), int(groups[6])
    return (cycle, day) if 1 <= day <= 42 and cycle >= 1 else None


# What a personal schedule question asks about, from its own words; the first that matches wins.
PLAN_QUESTION_WORDS = (
    ("ask_plan_interruption", r"\b\d+[- ]days? (?:break|stop|pause|interruption|off)\b"),  # "a 10-day break"
    ("ask_plan_next_cycle", r"\b(?:break|weeks? off|rest period) (?:finish|end|is over)(?:es|s)?\b"),
    ("ask_plan_step_up", r"\b(?:go(?:es)? up|step(?:s|ped)?(?: \w+)?[- ]up|increas\w*|full dose|move up|higher dose|from 9)\b"),
    ("ask_plan_discharge", r"\b(?:allowed home|come (?:out|home)|coming (?:out|home)|bring \w+ home|leave (?:the )?(?:hospital|ward)|out of (?:the )?hospital)\b"),
    ("ask_plan_last_infusion", r"\b(?:(?:last|final) (?:day|infusion|bag|dose)|hooked up|come[s]? off|finish(?:es)?|complete[sd]?|"
                               r"end of (?:the )?(?:infusion|cycle|treatment)|end date|(?:cycle|it|infusion|drip|pump|treatment|course) (?:end|finish)(?:s|ed)?)\b"),
    ("ask_plan_break", r"\b(?:break|days? off|weeks? off|off treatment|treatment[- ]free|rest period)\b"),
    ("ask_plan_bloods", r"\b(?:bloods?|blood tests?|fbc)\b"),
    ("ask_plan_bag_change", r"\bbag\b"),
    ("ask_plan_discharge", r"\b(?:go home|going home|discharged?|d/c|in hospital|admitted|stay in|inpatient|keep (?:\w+ )?in|"
                           r"pick (?:\w+ )?up|collect)\b"),
    ("ask_plan_premedication", r"\b(?:steroid|dexamethasone|dex|premed\w*|pre-med\w*)\b"),
    ("ask_plan_dose", r"\b(?:dose|how much|micrograms?|mcg)\b"),
    ("ask_plan_next_cycle", r"\b(?:cycle|round|due back|due|next lot|start again|begin|next one|start|c\d\s*d1)\b"),
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
