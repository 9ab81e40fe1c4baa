"""Questions a patient asks about their plan ("when is my next bag change?"), answered from a Plan."""
from __future__ import annotations

from datetime import date

from scheduling.model import Cycle, Day, Plan


def day_on(plan: Plan, when: date) -> Day | None:
    """The plan's day on a date, or None outside the plan (days are contiguous, so this is O(1))."""
    offset = (when - plan.days[0].date).days
    return plan.days[offset] if 0 <= offset < len(plan.days) else None


def dose_on(plan: Plan, when: date) -> float | None:
    """The daily dose on a date; None on a day without infusion or outside the plan."""
    day = day_on(plan, when)
    return None if day is None else day.dose


def cycle_of(plan: Plan, number: int) -> Cycle | None:
    """The cycle with that number, or None if the plan has none."""
    return next((cycle for cycle in plan.cycles if cycle.number == number), None)


def step_up_dates(plan: Plan) -> tuple[date, ...]:
    """Every day the dose goes up (cycle 1's step-up, and the step-up after a toxicity restart)."""
    return tuple(day.date for day in plan.days if any(e.startswith("step-up:") for e in day.events))


def step_up_date(plan: Plan, on_or_after: date | None = None) -> date | None:
    """The first step-up on or after a date (any date if None), or None."""
    return next((d for d in step_up_dates(plan) if on_or_after is None or d >= on_or_after), None)


def bag_changes_between(plan: Plan, first: date, last: date) -> tuple[date, ...]:
    """Bag-change mornings from first to last, both included."""
    return tuple(day.date for day in plan.days if day.bag_change and first <= day.date <= last)


def next_bag_change(plan: Plan, on_or_after: date) -> date | None:
    """The first bag-change morning on or after a date, or None when no bag change is left."""
    return next((day.date for day in plan.days if day.bag_change and day.date >= on_or_after), None)


def discharge_dates(plan: Plan) -> tuple[date, ...]:
    """The last planned hospital day of each hospital stay; the patient continues at home the day after."""
    return tuple(day.date for day in plan.days if any(e.startswith("discharge:") for e in day.events))


def treatment_free_start(plan: Plan, on_or_after: date | None = None) -> date | None:
    """The first day of the next treatment-free break (on or after a date), or None."""
    return next(
        (
            day.date
            for day in plan.days
            if any(e.startswith("treatment-free:") for e in day.events) and (on_or_after is None or day.date >= on_or_after)
        ),
        None,
    )


def next_cycle_start(plan: Plan, after: date) -> Cycle | None:
    """The first cycle that starts after a date, or None."""
    return next((cycle for cycle in plan.cycles if cycle.start > after), None)


def bloods_window(plan: Plan, number: int) -> tuple[date, date] | None:
    """(from, to) of the blood-test window before cycle `number`, both included, or None."""
    cycle = cycle_of(plan, number)
    return None if cycle is None else (cycle.bloods_from, cycle.bloods_to)


def pre_medication_events(plan: Plan) -> tuple[tuple[date, str], ...]:
    """(date, what to take) for every pre-medication in the plan, in date order."""
    return tuple(
        (day.date, event.split(": ", 1)[1]) for day in plan.days for event in day.events if event.startswith("pre-medication:")
    )


def last_infusion_day(plan: Plan) -> date:
    """The last day with an infusion in the whole plan."""
    return plan.cycles[-1].last_infusion


def interrupted_days(plan: Plan) -> tuple[date, ...]:
    """Days inside a cycle on which an interruption stopped the infusion."""
    return tuple(day.date for day in plan.days if any(e.startswith("interruption:") for e in day.events))
