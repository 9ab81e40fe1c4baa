"""make_plan: turns a regimen and a patient's request into a day-by-day plan (pure: no I/O, no clock)."""
from __future__ import annotations

import math
from datetime import date, timedelta

from scheduling.bags import HOURS_PER_DAY, bag_days, choose_changes
from scheduling.closed_days import OPEN, check_country, closed_days
from scheduling.dosing import bsa_dose, format_dose, mosteller_bsa
from scheduling.model import (Cycle, CycleDoses, Day, DoseStep, Interruption, Plan, PlanError, PlanRequest, Regimen,
                              ToxicityEscalation)

ONE_DAY = timedelta(days=1)
# Dates the holidays package and date arithmetic handle comfortably; anything else is a typo.
EARLIEST_START = date(1950, 1, 1)
LATEST_START = date(2199, 12, 31)

START, RESTART, DOSE_CHANGE = "starts", "restarts", "changes dose"


def _row(day: date, cycle: int, cycle_day: int, dose, unit: str, in_hospital: bool, events=None) -> dict:
    """One day while the plan is being made: a dict that becomes the frozen Day's __dict__ at the end."""
    return {
        "date": day,
        "cycle": cycle,
        "cycle_day": cycle_day,
        "dose": dose,
        "dose_unit": unit,
        "infusing": dose is not None,
        "in_hospital": in_hospital,
        "bag_change": False,
        "events": events if events is not None else [],
    }


def _freeze(row: dict) -> Day:
    """The row as a Day; handing the dict over as __dict__ skips the frozen dataclass's slow __init__."""
    events = row["events"]
    row["events"] = tuple(events) if events else ()
    day = object.__new__(Day)
    object.__setattr__(day, "__dict__", row)
    return day


def long_date(day: date) -> str:
    """Friday 25 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def make_plan(regimen: Regimen, request: PlanRequest) -> Plan:
    """The patient's plan, or PlanError (one line) for input the regimen cannot plan.

    Rules, all with their numbers taken from the regimen:
    - a cycle gives its infusion days (the phase doses follow the count of infusion days in the cycle),
      then its treatment-free days; the next cycle starts the day after;
    - an interruption (date = first day without infusion, restart on date + days) of up to
      `same_cycle_max_interruption_days` continues the same cycle until it has all its infusion days;
      up to `new_cycle_max_interruption_days` ends the cycle the day before the restart and starts the
      next cycle on the restart day; longer discontinues treatment, and the plan's days stop at the last
      infusion day (the restart never happens, so no later day belongs to the plan);
    - interrupted days keep counting cycle days of the cycle they interrupt, with no dose;
    - after a toxicity the infusion restarts at the toxicity-restart dose for its number of infusion
      days, then the phase dose; a new cycle started by that interruption begins with the restart
      dose, but a restart window left at the end of a cycle does not carry into the next one;
    - hospital days are the first calendar days of a cycle (interrupted days included); "discharge"
      marks the last of them, and the patient is at home from the next day;
    - a new bag at every start, restart and dose change; in between, bags.choose_changes picks the
      fewest changes that keep every bag within its limit and off closed outpatient days where possible;
      a change that must fall on a closed outpatient day (the least bad: a weekend before a public
      holiday) gets a warning naming the date;
    - the blood-test window of a cycle is [day 1 - validity, day 1 - 1 day]: results no older than the
      validity period, and back before the morning start.
    """
    indication = regimen.indication(request.indication)
    if indication is None:
        raise PlanError(f"unknown indication {request.indication!r} for the {regimen.id} regimen")
    country = check_country(request.country)
    if not isinstance(request.start, date) or not EARLIEST_START <= request.start <= LATEST_START:
        raise PlanError(f"the start date must be a date between {EARLIEST_START} and {LATEST_START}")
    last_cycle = _last_cycle(regimen, request)
    bsa = _body_surface_area(regimen, request)
    interruptions = _sorted_interruptions(request)

    rows, new_bags, cycles, warnings, status = _walk(regimen, request, last_cycle, bsa, interruptions)
    _add_day_events(regimen, rows, cycles)
    warnings += _place_bags(regimen, rows, new_bags, country)
    used = {"core"}
    if cycles[-1].number > regimen.default_cycles and regimen.beyond_default_note:
        warnings.insert(0, regimen.beyond_default_note)
        used.add("beyond_default")
    if bsa is not None:
        used.add("bsa")
    if interruptions:
        used.add("interruptions")
    if any(stop.toxicity for stop in interruptions):
        used.add("toxicity")
        if bsa is not None:
            used.add("toxicity_bsa")
    sources = [indication[2]]
    for when, source in regimen.sources:
        if when in used and source not in sources:
            sources.append(source)

    days = tuple(map(_freeze, rows))
    return Plan(
        indication=request.indication,
        indication_title=indication[1],
        regimen_id=regimen.id,
        country=country,
        status=status,
        cycles=tuple(cycles),
        days=days,
        warnings=tuple(warnings),
        sources=tuple(sources),
        bsa_m2=bsa,
    )


def _last_cycle(regimen: Regimen, request: PlanRequest) -> int:
    """The number of the last planned cycle, checked against the regimen's maximum."""
    first, wanted, most = request.start_cycle, request.cycles, regimen.max_cycles
    if not isinstance(first, int) or not 1 <= first <= most:
        raise PlanError(f"the starting cycle must be a whole number from 1 to {most}, not {first}")
    if wanted is None:
        return max(regimen.default_cycles, first)
    if not isinstance(wanted, int) or wanted < 1:
        raise PlanError(f"the number of cycles must be a whole number of at least 1, not {wanted}")
    if wanted > most:
        raise PlanError(f"{wanted} cycles is more than the {most} that the {regimen.id} regimen allows")
    if wanted < first:
        raise PlanError(f"{wanted} cycles ends before the starting cycle {first}")
    return wanted


def _positive(value, what: str, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise PlanError(f"{what} must be a positive number of {unit}, not {value}")
    return float(value)


def _body_surface_area(regimen: Regimen, request: PlanRequest) -> float | None:
    return body_surface_area(regimen, request.weight_kg, request.height_cm)


def body_surface_area(regimen: Regimen, weight_kg: float | None, height_cm: float | None) -> float | None:
    """Mosteller BSA when the weight is under the threshold (height required), else None."""
    weight = None if weight_kg is None else _positive(weight_kg, "the weight", "kg")
    height = None if height_cm is None else _positive(height_cm, "the height", "cm")
    if weight is None or weight >= regimen.bsa_threshold_kg:
        return None
    if height is None:
        raise PlanError(
            f"under {format_dose(regimen.bsa_threshold_kg)} kg the dose depends on body surface area: "
            "give the height in cm as well"
        )
    return mosteller_bsa(weight, height)


def _sorted_interruptions(request: PlanRequest) -> tuple[Interruption, ...]:
    stops = tuple(sorted(request.interruptions, key=lambda stop: stop.start))
    for stop in stops:
        if not isinstance(stop.start, date):
            raise PlanError(f"an interruption needs a date, not {stop.start!r}")
        if isinstance(stop.days, bool) or not isinstance(stop.days, int) or stop.days < 1:
            raise PlanError(f"the interruption on {stop.start} must last a whole number of days (1 or more)")
        if stop.start < request.start:
            raise PlanError(f"the interruption on {stop.start} is before the course starts on {request.start}")
    for before, after in zip(stops, stops[1:]):
        # Touching counts too: the infusion never restarted in between, so it is one interruption.
        if after.start <= before.start + timedelta(days=before.days):
            raise PlanError(
                f"the interruptions on {before.start} ({before.days} days) and {after.start} overlap or "
                "touch: give them as one interruption"
            )
    return stops


def _walk(regimen, request, last_cycle, bsa, stops):
    """Lay out every day cycle by cycle, applying interruptions; returns rows, cycles, warnings, status."""
    restart = regimen.toxicity_restart
    restart_dose = restart.dose if bsa is None else bsa_dose(restart.dose_per_m2, bsa, restart.cap)
    stays = {stay.cycle: stay.days for stay in regimen.hospital_stays}
    infusion_days = regimen.infusion_days_per_cycle
    first_days: dict[int, list[str]] = {}  # infusion day -> pre-medication for the first hours of a cycle
    for medicine in regimen.pre_medication:
        if medicine.when == "first_hours":
            for infusion_day in range(1, math.ceil(medicine.hours / HOURS_PER_DAY) + 1):
                first_days.setdefault(infusion_day, []).append(f"pre-medication: {medicine.text}")
    unit = regimen.phases[0].unit
    rows: list[dict] = []
    new_bags: dict[int, str] = {}  # row index -> why a new bag is needed that morning
    cycles: list[Cycle] = []
    warnings: list[str] = []
    status = "planned"
    pending = list(stops)
    day = request.start
    number = request.start_cycle
    carried_restart = 0  # toxicity restart days owed by a new cycle that an interruption started
    opened_by: Interruption | None = None  # the interruption that started this cycle, if any

    while True:
        doses = _cycle_doses(regimen, number, bsa)
        stay = stays.get(number, 0)
        cycle_start, cycle_day, infused = day, 0, 0
        restart_left, carried_restart = carried_restart, 0
        last_infusion = previous = None
        new_bag = START
        events = _restart_events(regimen, opened_by, restart_dose, new_cycle=True) if opened_by else []
        ended = "completed"
        stop = None
        while infused < infusion_days:
            if pending and pending[0].start <= day:
                stop = pending.pop(0)
                if stop.start < day:
                    raise PlanError(
                        f"the interruption on {stop.start} falls on a day without infusion: give the "
                        "first day the infusion stopped"
                    )
                if infused == 0:
                    raise PlanError(
                        f"the interruption on {stop.start} falls on day 1 of cycle {number}, before "
                        "the cycle's first infusion: give the first day the infusion stopped"
                    )
                if stop.days > regimen.new_cycle_max_interruption_days:
                    ended = "discontinued"
                    break
                for count in range(1, stop.days + 1):
                    cycle_day += 1
                    note = f"interruption: no infusion (day {count} of {stop.days})"
                    rows.append(_row(day, number, cycle_day, None, unit, cycle_day <= stay, [note]))
                    day += ONE_DAY
                if stop.days > regimen.same_cycle_max_interruption_days:
                    ended = "new cycle"
                    carried_restart = restart.infusion_days if stop.toxicity else 0
                    break
                new_bag = RESTART
                events = _restart_events(regimen, stop, restart_dose, new_cycle=False)
                if stop.toxicity:
                    restart_left = restart.infusion_days
                continue
            infused += 1
            cycle_day += 1
            if restart_left:
                dose = restart_dose
                restart_left -= 1
            else:
                dose = doses[infused - 1]
            if previous is not None and dose != previous:
                if dose > previous:
                    events.append(f"step-up: the dose goes up from {format_dose(previous)} to {format_dose(dose)} {unit}")
                    if new_bag is None:  # a restart has its own steroid pre-medication
                        events += [f"pre-medication: {m.text}" for m in regimen.pre_medication if m.when == "step_up"]
                else:
                    events.append(f"dose change: the dose goes down from {format_dose(previous)} to {format_dose(dose)} {unit}")
                new_bag = new_bag or DOSE_CHANGE
            if infused == 1:
                events = [f"cycle start: day 1 of cycle {number}"] + events
                events += [f"pre-medication: {m.text}" for m in regimen.pre_medication if m.when == "cycle_start"]
            events += first_days.get(infused, ())
            if new_bag:
                new_bags[len(rows)] = new_bag
            rows.append(_row(day, number, cycle_day, dose, unit, cycle_day <= stay, events))
            last_infusion, previous = day, dose
            new_bag, events = None, []
            day += ONE_DAY

        if ended == "completed":
            for _ in range(regimen.treatment_free_days):
                cycle_day += 1
                rows.append(_row(day, number, cycle_day, None, unit, cycle_day <= stay))
                day += ONE_DAY
        cycles.append(_cycle_record(regimen, number, cycle_start, last_infusion, day - ONE_DAY, infused))
        opened_by = None
        if ended == "discontinued":
            status = "discontinued"
            rows[-1]["events"].append(
                f"discontinued: the interruption from {stop.start} lasts {stop.days} days, more than "
                f"{regimen.new_cycle_max_interruption_days}, so the protocol stops treatment permanently"
            )
            warnings.append(
                f"The interruption from {stop.start} lasts {stop.days} days, more than "
                f"{regimen.new_cycle_max_interruption_days}: the protocol stops treatment permanently, so "
                f"the plan ends with the last infusion on {last_infusion}. Your care team has the final word."
            )
            break
        number += 1
        if ended == "new cycle":
            opened_by = stop
            if number > last_cycle:
                if number > regimen.max_cycles:
                    raise PlanError(
                        f"the interruption on {stop.start} would start cycle {number}, more than the "
                        f"{regimen.max_cycles} that the {regimen.id} regimen allows"
                    )
                warnings.append(
                    f"The interruption from {stop.start} lasts {stop.days} days, more than "
                    f"{regimen.same_cycle_max_interruption_days}, so a new cycle {number} starts on {day}, "
                    f"one more than the {last_cycle} planned."
                )
                last_cycle = number
        elif number > last_cycle:
            break

    if pending:
        stop = pending[0]
        last = cycles[-1].last_infusion
        if status == "discontinued":
            raise PlanError(f"the interruption on {stop.start} comes after treatment was discontinued on {last}")
        raise PlanError(
            f"the interruption on {stop.start} is after the course's last infusion day ({last})"
            if stop.start > last
            else f"the interruption on {stop.start} falls on a day without infusion: give the first day the infusion stopped"
        )
    return rows, new_bags, cycles, warnings, status


def _cycle_doses(regimen: Regimen, number: int, bsa: float | None) -> list[float]:
    """The dose of each infusion day (1-based count) of cycle `number`."""
    doses: list[float | None] = [None] * regimen.infusion_days_per_cycle
    for phase in regimen.phases:
        if phase.first_cycle <= number <= phase.last_cycle:
            dose = phase.dose if bsa is None else bsa_dose(phase.dose_per_m2, bsa, phase.cap)
            doses[phase.first_day - 1 : phase.last_day] = [dose] * (phase.last_day - phase.first_day + 1)
    if None in doses or len(doses) != regimen.infusion_days_per_cycle:
        raise PlanError(f"the {regimen.id} regimen does not give a dose for every infusion day of cycle {number}")
    return doses


def cycle_doses(regimen: Regimen, cycle: int, weight_kg: float | None = None,
                height_cm: float | None = None) -> CycleDoses:
    """The daily doses of one cycle as runs of equal dose, from body surface area under the weight threshold."""
    if isinstance(cycle, bool) or not isinstance(cycle, int) or not 1 <= cycle <= regimen.max_cycles:
        raise PlanError(f"the {regimen.id} regimen has cycles 1 to {regimen.max_cycles}, not {cycle}")
    bsa = body_surface_area(regimen, weight_kg, height_cm)
    steps: list[DoseStep] = []
    for day, dose in enumerate(_cycle_doses(regimen, cycle, bsa), start=1):
        if steps and steps[-1].dose == dose:
            steps[-1] = DoseStep(steps[-1].first_day, day, dose)
        else:
            steps.append(DoseStep(day, day, dose))
    phases = [p for p in regimen.phases if p.first_cycle <= cycle <= p.last_cycle]
    sources = [phases[0].source] + ([phases[0].bsa_source] if bsa is not None else [])
    return CycleDoses(cycle, phases[0].unit, tuple(steps), bsa, tuple(dict.fromkeys(sources)))


def toxicity_escalation(regimen: Regimen, restarted_on: date, weight_kg: float | None = None,
                        height_cm: float | None = None) -> ToxicityEscalation:
    """A restart after a toxicity on `restarted_on`: its dose for the regimen's restart days, then the
    cycle's full dose (from body surface area under the weight threshold)."""
    restart = regimen.toxicity_restart
    bsa = body_surface_area(regimen, weight_kg, height_cm)
    low = restart.dose if bsa is None else bsa_dose(restart.dose_per_m2, bsa, restart.cap)
    sources = tuple(dict.fromkeys((restart.source,) + ((restart.bsa_source,) if bsa is not None else ())))
    return ToxicityEscalation(low, max(_cycle_doses(regimen, 1, bsa)), restart.unit, restart.infusion_days,
                              restarted_on + timedelta(days=restart.infusion_days), bsa, sources)


def _restart_events(regimen: Regimen, stop: Interruption, restart_dose: float, new_cycle: bool) -> list[str]:
    events = [f"restart: the infusion restarts after {stop.days} days without infusion, {regimen.restart_supervision}"]
    if stop.toxicity:
        restart = regimen.toxicity_restart
        events.append(
            f"restart dose: after the toxicity, {format_dose(restart_dose)} {restart.unit} for "
            f"{restart.infusion_days} infusion days, then the usual dose if it does not come back"
        )
    if not new_cycle:
        events += [f"pre-medication: {m.text}" for m in regimen.pre_medication if m.when == "restart"]
    return events


def _cycle_record(regimen, number, start, last_infusion, end, infused) -> Cycle:
    rule = next(i for i in regimen.investigations if i.applies_to == ("first" if number == 1 else "later"))
    validity_days = math.ceil(rule.validity_hours / HOURS_PER_DAY)
    return Cycle(
        number=number,
        start=start,
        last_infusion=last_infusion,
        end=end,
        bloods_from=start - timedelta(days=validity_days),
        bloods_to=start - ONE_DAY,
        infusion_days=infused,
        completed=infused == regimen.infusion_days_per_cycle,
    )


def _add_day_events(regimen: Regimen, rows: list[dict], cycles: list[Cycle]) -> None:
    """Events that depend on whole cycles: admission/discharge, last infusion, break, bloods, cycle end."""
    first = rows[0]["date"]
    stays = {stay.cycle: stay.days for stay in regimen.hospital_stays}
    by_date = lambda day: rows[(day - first).days] if 0 <= (day - first).days < len(rows) else None  # noqa: E731
    for cycle in cycles:
        rule = next(i for i in regimen.investigations if i.applies_to == ("first" if cycle.number == 1 else "later"))
        opening, closing = by_date(cycle.bloods_from), by_date(cycle.bloods_to)
        if opening is not None:
            opening["events"].append(
                f"bloods window: blood tests for cycle {cycle.number} can be taken from today until "
                f"{cycle.bloods_to} (results valid for {rule.validity_text})"
            )
        if closing is not None:
            closing["events"].append(f"bloods window: last day for the blood tests before cycle {cycle.number}")
        stay = stays.get(cycle.number, 0)
        if stay:
            by_date(cycle.start)["events"].insert(
                1, f"admission: in hospital for the first {stay} days of cycle {cycle.number}"
            )
            last_hospital_day = by_date(cycle.start + timedelta(days=stay - 1))
            if last_hospital_day is not None and last_hospital_day["cycle"] == cycle.number:
                last_hospital_day["events"].append(
                    f"discharge: last of the {stay} planned days in hospital; from tomorrow the treatment continues at home"
                )
        by_date(cycle.last_infusion)["events"].append(f"last infusion: last infusion day of cycle {cycle.number}")
        if cycle.completed:
            free = by_date(cycle.last_infusion + ONE_DAY)
            free["events"].append(
                f"treatment-free: first of {regimen.treatment_free_days} days without infusion before the next cycle"
            )
        by_date(cycle.end)["events"].append(f"cycle end: last day of cycle {cycle.number}")


def _place_bags(regimen: Regimen, rows: list[dict], new_bags: dict[int, str], country: str) -> list[str]:
    """Mark bag-change mornings segment by segment; warnings for changes on closed outpatient days."""
    max_days = bag_days(regimen.bag_max_hours)
    warnings = []
    years: dict[int, dict] = {}
    open_day = (OPEN, "")
    # A segment runs from a new-bag morning to the day before the next one or the next day off.
    starts = sorted(new_bags)
    for number, first in enumerate(starts):
        last = starts[number + 1] if number + 1 < len(starts) else len(rows)
        segment = []
        for row in rows[first:last]:
            if not row["infusing"]:
                break
            segment.append(row)
        reasons = []
        for row in segment:
            if row["in_hospital"]:
                reasons.append(open_day)
                continue
            table = years.get(row["date"].year)
            if table is None:
                table = years[row["date"].year] = closed_days(country, row["date"].year)
            reasons.append(table.get(row["date"], open_day))
        for index in choose_changes([cost for cost, _ in reasons], max_days):
            changed = segment[index]
            changed["bag_change"] = True
            cost, reason = reasons[index]
            if cost == OPEN:
                continue
            when = f"{long_date(changed['date'])} ({changed['date']})"
            if index == 0:
                warnings.append(
                    f"The bag change on {when} falls on a day the clinic is closed ({reason}) because the "
                    f"infusion {new_bags[first]} that day: agree the time with your care team."
                )
            else:
                warnings.append(
                    f"The bag change on {when} falls on a day the clinic is closed ({reason}): no plan within "
                    f"the {regimen.bag_max_hours}-hour bag limit avoids it, so agree it with your care team."
                )
    return warnings
