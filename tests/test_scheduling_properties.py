"""Property tests: invariants of every plan over random starts, countries, weights and interruptions.

The closed-day oracle is the holidays package itself plus Saturday/Sunday, independent of the planner.
Limits used, from the sources: a bag runs at most 96 hours (clinical-protocol, Administration) = 4
mornings; a completed cycle has 28 infusion days (clinical-protocol, Cycle frequency); interruptions
over 7 days end the cycle (clinical-protocol, Dose modifications).
"""
from dataclasses import replace
from datetime import date, timedelta

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.regimens import load_regimen
from scheduling import Interruption, PlanError, PlanRequest, make_plan

BAG_MORNINGS = 4
INFUSION_DAYS = 28
SAME_CYCLE_MAX = 7
COUNTRIES = ["US", "GB", "DE", "FR", "CA", "AU"]  # all with a Saturday-Sunday weekend
# 5 properties x 25 examples, plus 25 in test_scheduling_bags.py: 150 examples in all.
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def closed(day: date, country: str) -> bool:
    return day.weekday() >= 5 or day in holidays.country_holidays(country, years=day.year)


def pick_interruption(data, plan, after: date | None):
    """An interruption starting on an infusion day that is not a cycle's day 1 (and after `after`)."""
    candidates = [d.date for d in plan.days if d.infusing and d.cycle_day > 1 and (after is None or d.date > after)]
    if not candidates:
        return None
    return Interruption(
        data.draw(st.sampled_from(candidates)),
        data.draw(st.integers(min_value=1, max_value=16)),
        data.draw(st.booleans()),
    )


@st.composite
def plans(draw):
    """(request, plan) with up to two valid interruptions, each placed on a real infusion day."""
    data = draw(st.data())
    indication = draw(st.sampled_from(["relapsed-refractory", "ph-positive", "mrd-positive"]))
    regimen = load_regimen(indication)
    weight = draw(st.one_of(st.none(), st.floats(min_value=5, max_value=120)))
    request = PlanRequest(
        indication=indication,
        start=draw(st.dates(min_value=date(2024, 1, 1), max_value=date(2031, 12, 31))),
        cycles=draw(st.integers(min_value=1, max_value=regimen.max_cycles)),
        weight_kg=weight,
        height_cm=draw(st.floats(min_value=50, max_value=200)) if weight is not None else None,
        country=draw(st.sampled_from(COUNTRIES)),
    )
    plan = make_plan(regimen, request)
    stops = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        after = stops[-1].start + timedelta(days=stops[-1].days) if stops else None
        stop = pick_interruption(data, plan, after)
        if stop is None:
            break
        trial = replace(request, interruptions=(*stops, stop))
        try:
            plan = make_plan(regimen, trial)
        except PlanError:
            break  # e.g. a new cycle past the regimen's maximum: refused, not a plan
        stops.append(stop)
        request = trial
    return request, plan


@SETTINGS
@given(plans())
def test_days_are_contiguous_and_cover_every_cycle(case):
    request, plan = case
    assert plan.days[0].date == request.start
    for before, after in zip(plan.days, plan.days[1:]):
        assert after.date - before.date == timedelta(days=1)
        assert (after.cycle, after.cycle_day) in ((before.cycle, before.cycle_day + 1), (before.cycle + 1, 1))
    assert plan.days[-1].date == plan.cycles[-1].end
    for cycle in plan.cycles:
        assert cycle.bloods_to == cycle.start - timedelta(days=1) and cycle.bloods_from < cycle.bloods_to
    for day in plan.days:
        assert (day.dose is None) == (not day.infusing)


@SETTINGS
@given(plans())
def test_bags_never_run_over_96_hours_and_every_start_restart_and_dose_change_has_one(case):
    _, plan = case
    since_change = None
    previous = None
    for day in plan.days:
        if not day.infusing:
            since_change, previous = None, None
            continue
        starts = previous is None or previous.cycle != day.cycle or previous.dose != day.dose
        if starts:
            assert day.bag_change, f"no new bag on {day.date}"
        since_change = 0 if day.bag_change else since_change + 1
        assert since_change < BAG_MORNINGS, f"bag older than 96 hours on {day.date}"
        previous = day


@SETTINGS
@given(plans())
def test_no_bag_change_can_be_dropped(case):
    # Fewest changes: dropping any change that is not a start, restart or dose change would leave a
    # bag running more than 4 mornings.
    _, plan = case
    days = plan.days
    for i, day in enumerate(days):
        if not day.bag_change or i == 0 or not days[i - 1].infusing or days[i - 1].dose != day.dose:
            continue
        last = max(j for j in range(i) if days[j].bag_change)
        # the next change, or the first day without infusion (the bag must reach that morning)
        following = next((j for j in range(i + 1, len(days)) if days[j].bag_change or not days[j].infusing), len(days))
        assert following - last > BAG_MORNINGS, f"the change on {day.date} could be dropped"


@SETTINGS
@given(plans())
def test_outpatient_changes_on_closed_days_are_named_in_a_warning(case):
    request, plan = case
    for day in plan.days:
        if day.bag_change and not day.in_hospital and closed(day.date, request.country.upper()):
            assert any(day.date.isoformat() in warning for warning in plan.warnings), day.date


@SETTINGS
@given(plans())
def test_each_completed_cycle_has_28_infusion_days(case):
    request, plan = case
    for cycle in plan.cycles:
        infusing = sum(1 for d in plan.days if d.cycle == cycle.number and d.infusing)
        # A long interruption ends the cycle: its first missed day is in the cycle, or (discontinued,
        # where the plan stops at the last infusion) the day after the cycle's end.
        cut_short = any(
            cycle.start < stop.start <= cycle.end + timedelta(days=1) and stop.days > SAME_CYCLE_MAX
            for stop in request.interruptions
        )
        assert infusing == cycle.infusion_days
        if not cut_short:
            assert infusing == INFUSION_DAYS and cycle.completed
        else:
            assert infusing < INFUSION_DAYS and not cycle.completed
    for stop in request.interruptions:
        for offset in range(stop.days):
            missed = stop.start + timedelta(days=offset)
            matching = [d for d in plan.days if d.date == missed]
            assert all(not d.infusing and d.dose is None for d in matching)
