"""Reads the best time for a call back or a visit from the patient's words ("tomorrow morning", "Friday
afternoon", "as soon as possible"), dates as the plan form reads them, and checks it against the front
desk's hours and public holidays. Pure functions: now and the clinic's settings are passed in."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional

from actions.parsing import PlanInputError, find_date
from frontdesk.details import RequestInputError
from frontdesk.hours import FrontDeskHours, clock, say_clock
from frontdesk.phones import mask_numbers

ASAP = re.compile(r"\b(?:asap|as soon as (?:possible|you can|they can)|any ?time|whenever|soonest|"
                  r"no preference|earliest)\b", re.I)
TODAY = re.compile(r"\b(?:today|this (?:morning|afternoon|evening)|tonight)\b", re.I)
TOMORROW = re.compile(r"\btomorrow\b", re.I)
PART_WORDS = {"morning": r"\bmorning\b", "afternoon": r"\bafternoon\b|\blunch ?time\b",
              "evening": r"\bevening\b|\btonight\b"}


@dataclass(frozen=True)
class BestTime:
    """When the patient would like the call or the visit: a day and a part of it, or as soon as possible."""

    day: Optional[dt.date] = None
    part: Optional[str] = None  # morning | afternoon | evening; None: any time that day
    asap: bool = False

    def words(self) -> str:
        if self.asap or self.day is None:
            return "as soon as possible"
        return f"{self.day:%A} {self.day.day} {self.day:%B}, {self.part or 'any time'}"


def find_best_time(text: str, now: dt.datetime, clinic: dict) -> Optional[BestTime]:
    """The best time the words give, not yet checked against the hours; RequestInputError for a date
    that cannot be (31 February)."""
    text = mask_numbers(text, clinic)  # a phone number's digits are not a date
    if ASAP.search(text):
        return BestTime(asap=True)
    part = next((name for name, pattern in PART_WORDS.items() if re.search(pattern, text, re.I)), None)
    day = None
    if TOMORROW.search(text):
        day = now.date() + dt.timedelta(days=1)
    elif TODAY.search(text):
        day = now.date()
    else:
        try:
            found = find_date(text, now.date(), clinic.get("date_order", "MDY"), prefer_future=True)
        except PlanInputError as refused:
            raise RequestInputError(str(refused)) from None
        day = found.date if found else None
    if day is None and part is None:
        return None
    return BestTime(day, part)


def parts_of_day(clinic: dict) -> dict:
    return {name: tuple(clock(t) for t in times)
            for name, times in clinic["front_desk"]["parts_of_day"].items()}


def _fits(day: dt.date, part: Optional[str], now: dt.datetime, hours: FrontDeskHours, clinic: dict) -> Optional[str]:
    """Why the desk cannot call then, or None when it can."""
    times = hours.day_hours(day)
    if times is None:
        holiday = hours.holiday(day)
        why = f" ({holiday})" if holiday else ""
        return f"the front desk is closed on {day:%A} {day.day} {day:%B}{why}"
    opens, closes = times
    start, end = parts_of_day(clinic)[part] if part else (opens, closes)
    if start >= closes or end <= opens:
        return (f"the front desk works from {say_clock(opens)} to {say_clock(closes)} on {day:%A}s, "
                f"so they can't call in the {part}")
    if day == now.date() and min(end, closes) <= now.time():
        return f"the {part or 'working day'} is already over today"
    return None


def check_best_time(best: BestTime, now: dt.datetime, hours: FrontDeskHours, clinic: dict) -> BestTime:
    """The best time as the front desk can keep it: a part of the day alone is its next open one; a day
    that has passed, is closed, or a part outside the desk's hours is refused with the reason."""
    now = hours.local(now)
    if best.asap:
        return best
    if best.day is None:
        for ahead in range(0, 15):
            day = now.date() + dt.timedelta(days=ahead)
            if _fits(day, best.part, now, hours, clinic) is None:
                return BestTime(day, best.part)
        raise RequestInputError(_fits(now.date(), best.part, now, hours, clinic) or "the front desk has no time then")
    if best.day < now.date():
        raise RequestInputError(f"{best.day:%A} {best.day.day} {best.day:%B} has already passed")
    why = _fits(best.day, best.part, now, hours, clinic)
    if why:
        raise RequestInputError(why)
    return best
