"""The questions the chat asks of a plan, on the R/R plan from Monday 2026-12-07 (US), worked by hand.

Plan (see test_scheduling_plan.py): cycle 1 2026-12-07..2027-01-17 (9 mcg/day days 1-7, step-up
12-14, last infusion 01-03), cycle 2 2027-01-18..2027-02-28 (last infusion 02-14); hospital
12-07..12-15 and 01-18..01-19; bags 12-07, 12-11, 12-14, 12-18, 12-22, 12-24, 12-28, 12-31, 01-18, ...
"""
from datetime import date

import pytest

from knowledge.regimens import load_regimen
from scheduling import Interruption, PlanRequest, make_plan
from scheduling import queries as q

D = date.fromisoformat


@pytest.fixture(scope="module")
def plan():
    return make_plan(load_regimen("relapsed-refractory"), PlanRequest("relapsed-refractory", D("2026-12-07"), country="US"))


def test_day_and_dose_on_a_date(plan):
    assert q.day_on(plan, D("2026-12-13")).cycle_day == 7
    assert q.dose_on(plan, D("2026-12-13")) == 9.0
    assert q.dose_on(plan, D("2026-12-14")) == 28.0
    assert q.dose_on(plan, D("2027-01-10")) is None  # treatment-free break
    assert q.day_on(plan, D("2026-12-06")) is None and q.day_on(plan, D("2027-03-01")) is None


def test_step_up(plan):
    assert q.step_up_dates(plan) == (D("2026-12-14"),)
    assert q.step_up_date(plan) == D("2026-12-14")
    assert q.step_up_date(plan, on_or_after=D("2026-12-15")) is None


def test_bag_changes(plan):
    assert q.next_bag_change(plan, D("2026-12-23")) == D("2026-12-24")
    assert q.next_bag_change(plan, D("2026-12-24")) == D("2026-12-24")  # on the day itself
    assert q.next_bag_change(plan, D("2027-01-01")) == D("2027-01-18")  # none left in cycle 1
    assert q.next_bag_change(plan, D("2027-02-13")) is None
    assert q.bag_changes_between(plan, D("2026-12-20"), D("2026-12-31")) == (
        D("2026-12-22"), D("2026-12-24"), D("2026-12-28"), D("2026-12-31")
    )


def test_hospital_break_and_cycles(plan):
    assert q.discharge_dates(plan) == (D("2026-12-15"), D("2027-01-19"))
    assert q.treatment_free_start(plan) == D("2027-01-04")
    assert q.treatment_free_start(plan, on_or_after=D("2027-01-05")) == D("2027-02-15")
    assert q.next_cycle_start(plan, D("2026-12-20")).number == 2
    assert q.next_cycle_start(plan, D("2027-01-18")) is None
    assert q.bloods_window(plan, 2) == (D("2027-01-14"), D("2027-01-17"))
    assert q.bloods_window(plan, 1) == (D("2026-11-23"), D("2026-12-06"))
    assert q.bloods_window(plan, 3) is None
    assert q.last_infusion_day(plan) == D("2027-02-14")


def test_pre_medication_events(plan):
    dexamethasone = [when for when, what in q.pre_medication_events(plan) if "dexamethasone" in what]
    assert dexamethasone == [D("2026-12-07"), D("2026-12-14"), D("2027-01-18")]


def test_interrupted_days():
    plan = make_plan(
        load_regimen("relapsed-refractory"),
        PlanRequest("relapsed-refractory", D("2026-03-02"), interruptions=(Interruption(D("2026-03-05"), 3),)),
    )
    assert q.interrupted_days(plan) == (D("2026-03-05"), D("2026-03-06"), D("2026-03-07"))
