"""A plan as the CLI contract's JSON object, as a week-by-week text table, and as iCalendar bytes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from itertools import groupby
from zoneinfo import ZoneInfo

from scheduling.dosing import format_dose
from scheduling.model import Day, Plan

ONE_DAY = timedelta(days=1)


def _cycle_json(cycle) -> dict:
    return {
        "number": cycle.number,
        "start": cycle.start.isoformat(),
        "last_infusion": cycle.last_infusion.isoformat(),
        "end": cycle.end.isoformat(),
        "bloods_window": {"from": cycle.bloods_from.isoformat(), "to": cycle.bloods_to.isoformat()},
    }


def _day_json(day: Day) -> dict:
    return {
        "date": day.date.isoformat(),
        "cycle": day.cycle,
        "cycle_day": day.cycle_day,
        "dose": day.dose,
        "dose_unit": day.dose_unit,
        "infusing": day.infusing,
        "in_hospital": day.in_hospital,
        "bag_change": day.bag_change,
        "events": list(day.events),
    }


def to_json_dict(plan: Plan) -> dict:
    """The `blina plan --format json` object of design.md (keys and order fixed by the CLI contract)."""
    return {
        "indication": plan.indication,
        "status": plan.status,
        "cycles": [_cycle_json(cycle) for cycle in plan.cycles],
        "days": [_day_json(day) for day in plan.days],
        "warnings": list(plan.warnings),
        "sources": list(plan.sources),
    }


# --- text ---


def _short(day: date) -> str:
    return f"{day:%a} {day.day:>2} {day:%b}"


def _medium(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _hospital_spans(plan: Plan) -> dict[int, tuple[date, date]]:
    spans: dict[int, tuple[date, date]] = {}
    for day in plan.days:
        if day.in_hospital:
            first, _ = spans.get(day.cycle, (day.date, day.date))
            spans[day.cycle] = (first, day.date)
    return spans


def to_text(plan: Plan) -> str:
    """A plan a patient can follow: key dates per cycle, then one table per calendar week (Mon-Sun)."""
    first, last = plan.days[0].date, plan.days[-1].date
    numbers = [cycle.number for cycle in plan.cycles]
    lines = [
        f"Blinatumomab (Blincyto) plan: {plan.indication_title}",
        f"Cycle{'s' if len(numbers) > 1 else ''} {numbers[0]}"
        + (f" to {numbers[-1]}" if len(numbers) > 1 else "")
        + f", {_long(first)} to {_long(last)}. Status: {plan.status}.",
    ]
    doses = sorted({day.dose for day in plan.days if day.dose is not None})
    unit = plan.days[0].dose_unit
    named = [format_dose(d) for d in doses]
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    dose_line = f"Daily doses in this plan: {listed} {unit}, as a continuous infusion."
    if plan.bsa_m2 is not None:
        dose_line += f" Worked out from a body surface area of {plan.bsa_m2:.2f} m² (Mosteller)."
    lines += [
        dose_line,
        f"Bags are changed in the morning; outside hospital not on weekends or {plan.country} public holidays where the rules allow.",
        "",
        "Key dates",
    ]
    spans = _hospital_spans(plan)
    for cycle in plan.cycles:
        lines.append(
            f"  Cycle {cycle.number}: starts {_medium(cycle.start)}, last infusion {_medium(cycle.last_infusion)}, "
            f"ends {_medium(cycle.end)}"
        )
        lines.append(f"    blood tests between {_medium(cycle.bloods_from)} and {_medium(cycle.bloods_to)}")
        if cycle.number in spans:
            start, end = spans[cycle.number]
            lines.append(f"    in hospital from {_medium(start)} to {_medium(end)}")
    if plan.warnings:
        lines += ["", "Please note"]
        lines += [f"  - {warning}" for warning in plan.warnings]

    header = f"  {'Date':<10}  {'Cycle/day':<9}  {'Dose':>5}  {'Where':<8}  {'Bag':<7}  What happens"
    week_of = lambda day: day.date - timedelta(days=day.date.weekday())  # noqa: E731
    for number, (monday, week) in enumerate(groupby(plan.days, key=week_of), start=1):
        week = list(week)
        lines += ["", f"Week {number}: {_medium(week[0].date)} to {_medium(week[-1].date)}", header]
        for day in week:
            dose = format_dose(day.dose) if day.dose is not None else "-"
            where = "hospital" if day.in_hospital else "home"
            bag = "new bag" if day.bag_change else ""
            notes = list(day.events) or [""]
            lines.append(
                f"  {_short(day.date):<10}  {f'C{day.cycle} D{day.cycle_day}':<9}  {dose:>5}  {where:<8}  {bag:<7}  {notes[0]}".rstrip()
            )
            lines += [f"  {'':<10}  {'':<9}  {'':>5}  {'':<8}  {'':<7}  {note}" for note in notes[1:]]
    lines += ["", f"Dose in {unit}. \"-\" means no infusion that day.", "Your care team has the final word on your schedule.", ""]
    lines.append("Sources: " + "; ".join(plan.sources))
    return "\n".join(lines) + "\n"


# --- iCalendar ---


@dataclass(frozen=True)
class Reminder:
    """An alarm `days_before` an event at a local time: the clinic's settings, handed in."""

    days_before: int
    at: time


@dataclass(frozen=True)
class Reminders:
    """When the calendar file reminds the patient, in the clinic's time zone (None: no reminder)."""

    zone: str
    bag_change: Reminder | None = None
    bloods: Reminder | None = None
    admission: Reminder | None = None

    @classmethod
    def from_settings(cls, settings: dict) -> "Reminders":
        """From the clinic settings' `timezone` and `reminders` ({kind: {days_before, at: "HH:MM"}})."""
        found = {kind: Reminder(int(spec["days_before"]), time.fromisoformat(str(spec["at"])))
                 for kind, spec in (settings.get("reminders") or {}).items()}
        return cls(str(settings["timezone"]), **found)


def to_ics(plan: Plan, reminders: Reminders | None = None) -> bytes:
    """iCalendar (all-day events): bag changes, hospital stays, cycle starts, blood-test windows,
    pre-medication; with reminders, an alarm before each bag change, blood-test window and admission."""
    from icalendar import Alarm, Calendar, Event  # only the ics format needs it

    calendar = Calendar()
    calendar.add("prodid", "-//blina//blinatumomab plan//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Blinatumomab plan ({plan.indication})")
    # A fixed stamp keeps the file reproducible for the same plan.
    stamp = datetime(plan.days[0].date.year, plan.days[0].date.month, plan.days[0].date.day, tzinfo=timezone.utc)
    key = f"{plan.indication}-{plan.days[0].date.isoformat()}"

    def add(kind: str, summary: str, first: date, last: date | None = None, description: str = "",
            reminder: Reminder | None = None) -> None:
        event = Event()
        event.add("uid", f"{key}-{kind}-{first.isoformat()}@blina")
        event.add("dtstamp", stamp)
        event.add("summary", summary)
        event.add("dtstart", first)
        event.add("dtend", (last or first) + ONE_DAY)
        if description:
            event.add("description", description)
        if reminder is not None:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"Reminder: {summary}")
            # An absolute trigger must be UTC (RFC 5545): the clinic's local time, converted.
            local = datetime.combine(first - timedelta(days=reminder.days_before), reminder.at, ZoneInfo(zone))
            alarm.add("trigger", local.astimezone(timezone.utc), parameters={"VALUE": "DATE-TIME"})
            event.add_component(alarm)
        calendar.add_component(event)

    zone = reminders.zone if reminders else "UTC"
    wanted = reminders or Reminders("UTC")

    for cycle in plan.cycles:
        add(f"cycle{cycle.number}-start", f"Cycle {cycle.number} starts (day 1)", cycle.start)
        add(
            f"cycle{cycle.number}-bloods",
            f"Blood tests for cycle {cycle.number}",
            cycle.bloods_from,
            cycle.bloods_to,
            f"Have the blood tests for cycle {cycle.number} between {cycle.bloods_from} and {cycle.bloods_to}.",
            wanted.bloods,
        )
        add(f"cycle{cycle.number}-last-infusion", f"Last infusion day of cycle {cycle.number}", cycle.last_infusion)
    for number, (start, end) in _hospital_spans(plan).items():
        add(f"cycle{number}-hospital", f"In hospital (cycle {number})", start, end, reminder=wanted.admission)
    for day in plan.days:
        if day.bag_change:
            add("bag", f"Infusion bag change (morning), {format_dose(day.dose)} {day.dose_unit}", day.date,
                reminder=wanted.bag_change)
        medicines = [event.split(": ", 1)[1] for event in day.events if event.startswith("pre-medication: ")]
        if medicines:
            add("premedication", "Pre-medication", day.date, description="\n".join(medicines))
    return calendar.to_ical()
