"""When the front desk answers: opening hours by weekday in the clinic's time zone, closed on the
country's public holidays (the `holidays` package, as the scheduling core reads them)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Dict, Optional, Tuple
from zoneinfo import ZoneInfo

from scheduling.closed_days import HOLIDAY, closure

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
LOOK_AHEAD_DAYS = 31  # a desk closed for longer than a month is a settings mistake


def clock(text: str) -> dt.time:
    """"08:00" -> 08:00; a setting that is not HH:MM raises ValueError naming it."""
    try:
        return dt.time.fromisoformat(str(text))
    except ValueError:
        raise ValueError(f"front-desk times must be HH:MM, not {text!r}") from None


def say_clock(moment: dt.time) -> str:
    """08:00 -> "8:00", as the clinic says a time."""
    return f"{moment.hour}:{moment.minute:02d}"


@dataclass(frozen=True)
class Opening:
    """The next time the desk answers, and why it is closed until then (empty when it is open now)."""

    at: dt.datetime
    open_now: bool
    closes: Optional[dt.time]  # today's closing time when open now
    closed_days: Tuple[str, ...]  # public holidays passed over: "Friday 25 December is Christmas Day"


@dataclass(frozen=True)
class FrontDeskHours:
    hours: Dict[int, Tuple[dt.time, dt.time]]  # weekday (0 = Monday) -> (opens, closes); missing: closed
    zone: ZoneInfo
    country: str

    @classmethod
    def from_settings(cls, settings: dict) -> "FrontDeskHours":
        desk = settings["front_desk"]["hours"]
        hours = {}
        for name, times in (desk or {}).items():
            if name not in WEEKDAYS:
                raise ValueError(f"front_desk.hours: {name!r} is not a weekday")
            opens, closes = (clock(t) for t in times)
            if closes <= opens:
                raise ValueError(f"front_desk.hours.{name}: closes before it opens")
            hours[WEEKDAYS.index(name)] = (opens, closes)
        return cls(hours, ZoneInfo(settings["timezone"]), settings["country"])

    def local(self, moment: dt.datetime) -> dt.datetime:
        """A moment in the clinic's time zone (a naive one is taken as clinic time)."""
        return moment.replace(tzinfo=self.zone) if moment.tzinfo is None else moment.astimezone(self.zone)

    def holiday(self, day: dt.date) -> Optional[str]:
        kind, name = closure(day, self.country)
        return name if kind == HOLIDAY else None

    def day_hours(self, day: dt.date) -> Optional[Tuple[dt.time, dt.time]]:
        """(opens, closes) on that day, or None: not a working day, or a public holiday."""
        if self.holiday(day):
            return None
        return self.hours.get(day.weekday())

    def next_opening(self, moment: dt.datetime) -> Opening:
        now = self.local(moment)
        passed = []
        for ahead in range(LOOK_AHEAD_DAYS + 1):
            day = now.date() + dt.timedelta(days=ahead)
            holiday = self.holiday(day)
            if holiday and day.weekday() in self.hours:
                passed.append(f"{day:%A} {day.day} {day:%B} is {holiday}")
            times = self.day_hours(day)
            if not times:
                continue
            opens, closes = (dt.datetime.combine(day, t, tzinfo=self.zone) for t in times)
            if ahead == 0 and opens <= now < closes:
                return Opening(now, True, times[1], ())
            if now < opens:
                return Opening(opens, False, None, tuple(passed))
        raise ValueError(f"the front desk has no opening hours in the next {LOOK_AHEAD_DAYS} days")


def when_words(moment: dt.datetime, now: dt.datetime) -> str:
    """"8:00 tomorrow", "8:00 today", "8:00 on Monday 28 December": a time a patient reads at once."""
    days = (moment.date() - now.date()).days
    time_said = say_clock(moment.time())
    if days == 0:
        return f"{time_said} today"
    if days == 1:
        return f"{time_said} tomorrow"
    return f"{time_said} on {moment:%A} {moment.day} {moment:%B}"


def describe_hours(hours: FrontDeskHours) -> str:
    """"Monday to Friday, 8:00 to 17:00": the week's hours in one phrase, days with the same hours together."""
    groups = []
    for weekday in sorted(hours.hours):
        times = hours.hours[weekday]
        if groups and groups[-1][1] == times and groups[-1][0][-1] == weekday - 1:
            groups[-1][0].append(weekday)
        else:
            groups.append(([weekday], times))
    said = []
    for days, (opens, closes) in groups:
        first, last = WEEKDAYS[days[0]].capitalize(), WEEKDAYS[days[-1]].capitalize()
        span = first if len(days) == 1 else f"{first} to {last}"
        said.append(f"{span}, {say_clock(opens)} to {say_clock(closes)}")
    return "; ".join(said) + " (closed on public holidays)"
