"""Which days the clinic is closed: the country's weekend and public holidays (the `holidays` package)."""
from __future__ import annotations

import functools
from datetime import date, timedelta

import holidays

from scheduling.model import PlanError

# How bad a bag change on a closed day is: a routine weekend beats a public holiday.
OPEN, WEEKEND, HOLIDAY = 0, 1, 2
_OPEN = (OPEN, "")
ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=None)
def _supported() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def check_country(country: str) -> str:
    """The country code in upper case, or PlanError if the holidays package does not know it."""
    code = (country or "").strip().upper()
    if code not in _supported():
        raise PlanError(f"unknown country code {country!r}: give an ISO 3166 code such as US or GB")
    return code


@functools.lru_cache(maxsize=None)
def closed_days(country: str, year: int) -> dict[date, tuple[int, str]]:
    """Every closed day of one year -> (cost, reason): the country's weekend and public holidays."""
    table = holidays.country_holidays(country, years=year)
    closed = {}
    day = date(year, 1, 1)
    while day.year == year:
        if day.weekday() in table.weekend:
            closed[day] = (WEEKEND, "weekend")
        day += ONE_DAY
    closed.update({day: (HOLIDAY, name) for day, name in table.items() if day.year == year})
    return closed


def closure(day: date, country: str) -> tuple[int, str]:
    """(cost, reason): OPEN/WEEKEND/HOLIDAY and a short reason ("" when the clinic is open)."""
    return closed_days(country, day.year).get(day, _OPEN)
