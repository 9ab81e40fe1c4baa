"""make_plan against plans worked out by hand from the protocol (the working is in the comments).

Calendar facts used: 2026-12-07, 2026-03-02 and 2028-02-07 are Mondays; US holidays: 2026-12-25
(Fri), 2027-01-01 (Fri), 2027-01-18 (Mon, MLK Day), 2028-02-21 (Mon, Washington's Birthday); GB
holidays: 2026-12-25 (Fri), 2026-12-26 (Sat, Boxing Day), 2026-12-28 (Mon, Boxing Day observed),
2027-01-01 (Fri).
"""
from datetime import date, timedelta

import pytest

from knowledge.regimens import load_regimen
from scheduling import Interruption, PlanError, PlanRequest, make_plan
from scheduling.planner import cycle_doses


def D(text):
    return date.fromisoformat(text)


def plan_for(indication="relapsed-refractory", start="2026-12-07", *stops, **options):
    options.setdefault("country", "US")
    request = PlanRequest(
        indication=indication,
        start=D(start),
        interruptions=tuple(Interruption(D(s), n, tox) for s, n, tox in stops),
        **options,
    )
    return make_plan(load_regimen(indication), request)


def day(plan, text):
    (found,) = [d for d in plan.days if d.date == D(text)]
    return found


def dates(plan, predicate):
    return [d.date.isoformat() for d in plan.days if predicate(d)]


def kinds(d):
    return {event.split(":")[0] for event in d.events}


def span(first, last):
    first, last = D(first), D(last)
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


# --- relapsed/refractory from Monday 2026-12-07: two cycles across the year boundary, US clinic ---


@pytest.fixture(scope="module")
def rr_us():
    return plan_for()


def test_cycle_dates_cross_the_year_boundary(rr_us):
    # Cycle 1: day 1 = 2026-12-07; day 28 = +27 days = 2027-01-03; day 42 = +41 days = 2027-01-17.
    # Cycle 2: 2027-01-18; day 28 = 2027-02-14; day 42 = 2027-02-28.
    # Bloods: cycle 1 from 12-07 - 14 days = 11-23 to 12-06; cycle 2 from 01-18 - 4 days (96 h) = 01-14 to 01-17.
    assert rr_us.status == "planned"
    assert [(c.number, c.start, c.last_infusion, c.end, c.bloods_from, c.bloods_to) for c in rr_us.cycles] == [
        (1, D("2026-12-07"), D("2027-01-03"), D("2027-01-17"), D("2026-11-23"), D("2026-12-06")),
        (2, D("2027-01-18"), D("2027-02-14"), D("2027-02-28"), D("2027-01-14"), D("2027-01-17")),
    ]
    assert rr_us.days[0].date == D("2026-12-07") and rr_us.days[-1].date == D("2027-02-28")
    assert len(rr_us.days) == 84  # 2 cycles x 42 days


def test_doses_step_up_on_cycle_1_day_8(rr_us):
    # 9 mcg/day 12-07..12-13 (days 1-7), 28 mcg/day from 12-14 (day 8) to 01-03 (day 28), none in the break.
    assert dates(rr_us, lambda d: d.dose == 9.0) == span("2026-12-07", "2026-12-13")
    assert dates(rr_us, lambda d: d.dose == 28.0 and d.cycle == 1) == span("2026-12-14", "2027-01-03")
    assert day(rr_us, "2027-01-04").dose is None and not day(rr_us, "2027-01-04").infusing
    assert day(rr_us, "2027-01-04").cycle == 1 and day(rr_us, "2027-01-04").cycle_day == 29
    assert dates(rr_us, lambda d: d.dose == 28.0 and d.cycle == 2) == span("2027-01-18", "2027-02-14")
    assert "step-up" in kinds(day(rr_us, "2026-12-14"))
    assert all(d.dose_unit == "mcg/day" for d in rr_us.days)


def test_hospital_days_and_discharge(rr_us):
    # First 9 days of cycle 1 (12-07..12-15) and first 2 of cycle 2 (01-18, 01-19).
    assert dates(rr_us, lambda d: d.in_hospital) == span("2026-12-07", "2026-12-15") + ["2027-01-18", "2027-01-19"]
    assert dates(rr_us, lambda d: "discharge" in kinds(d)) == ["2026-12-15", "2027-01-19"]
    assert dates(rr_us, lambda d: "admission" in kinds(d)) == ["2026-12-07", "2027-01-18"]


def test_us_christmas_and_new_year_bag_changes(rr_us):
    # Cycle 1: new bags 12-07 (start), 12-11 (96 h later, in hospital), 12-14 (step-up). Then every
    # 4 mornings at most, outpatient from 12-16: 12-18 (Fri), 12-22 (Tue); 12-26 is a Saturday and
    # 12-25 Christmas, so 12-24 (Thu); 12-28 (Mon); 01-01 is New Year, so 12-31 (Thu), which runs to
    # the morning of 01-04, after the last infusion day 01-03.
    # Cycle 2: 01-18 (start, MLK Day but in hospital), 01-22 (Fri), 01-26 (Tue), 01-30 is a Saturday
    # so 01-29 (Fri), 02-02 (Tue), 02-05 (Fri), 02-09 (Tue), 02-12 (Fri) runs to 02-16 >= 02-15.
    assert dates(rr_us, lambda d: d.bag_change) == [
        "2026-12-07", "2026-12-11", "2026-12-14", "2026-12-18", "2026-12-22", "2026-12-24",
        "2026-12-28", "2026-12-31",
        "2027-01-18", "2027-01-22", "2027-01-26", "2027-01-29", "2027-02-02", "2027-02-05",
        "2027-02-09", "2027-02-12",
    ]  # fmt: skip
    assert rr_us.warnings == ()


def test_uk_christmas_needs_one_closed_day_and_says_so():
    # GB: 12-25 (Fri), 12-26 (Sat, Boxing Day), 12-27 (Sun), 12-28 (Mon, Boxing Day observed) are four
    # closed mornings in a row, so one change must fall on one of them: the least bad is Sunday 12-27
    # (a plain weekend day, not a holiday). 12-22 -> 12-24 (last open day) -> 12-27 -> 12-31 (Thu; 01-01
    # is New Year's Day) which runs to 01-04.
    plan = plan_for(country="GB")
    assert dates(plan, lambda d: d.bag_change and d.cycle == 1) == [
        "2026-12-07", "2026-12-11", "2026-12-14", "2026-12-18", "2026-12-22", "2026-12-24",
        "2026-12-27", "2026-12-31",
    ]  # fmt: skip
    assert len(plan.warnings) == 1 and "2026-12-27" in plan.warnings[0] and "closed" in plan.warnings[0]


def test_leap_day_mrd_positive():
    # MRD-positive from Monday 2028-02-07: 28 mcg/day days 1-28; 2028 is a leap year, so day 23 is
    # 02-29, day 28 is 03-05 and day 42 is 03-19. Hospital days 1-3 (02-07..02-09). Bloods 01-24..02-06.
    # Bags (US): 02-07, 02-11 (Fri), 02-15 (Tue), 02-19 is a Saturday so 02-18 (Fri), 02-22 (Tue; 02-21
    # is Washington's Birthday), 02-26 is a Saturday so 02-25 (Fri), 02-29 (Tue), 03-04 is a Saturday so
    # 03-03 (Fri), which runs to 03-07 >= 03-06.
    plan = plan_for("mrd-positive", "2028-02-07")
    (cycle,) = plan.cycles
    assert (cycle.start, cycle.last_infusion, cycle.end) == (D("2028-02-07"), D("2028-03-05"), D("2028-03-19"))
    assert (cycle.bloods_from, cycle.bloods_to) == (D("2028-01-24"), D("2028-02-06"))
    leap = day(plan, "2028-02-29")
    assert (leap.cycle_day, leap.dose, leap.infusing, leap.bag_change) == (23, 28.0, True, True)
    assert dates(plan, lambda d: d.in_hospital) == ["2028-02-07", "2028-02-08", "2028-02-09"]
    assert dates(plan, lambda d: d.bag_change) == [
        "2028-02-07", "2028-02-11", "2028-02-15", "2028-02-18", "2028-02-22", "2028-02-25", "2028-02-29", "2028-03-03",
    ]
    assert {d.dose for d in plan.days if d.infusing} == {28.0}  # no 9 mcg/day step for MRD


def test_pre_medication_events():
    # R/R: dexamethasone before each cycle (protocol) and before the step-up (prescribing information);
    # paracetamol in the first 48 hours of each cycle = the first 2 infusion days.
    plan = plan_for()
    premed = {d.date.isoformat(): [e for e in d.events if e.startswith("pre-medication")] for d in plan.days}
    assert [k for k, v in premed.items() if any("dexamethasone" in e for e in v)] == [
        "2026-12-07", "2026-12-14", "2027-01-18"
    ]
    assert [k for k, v in premed.items() if any("paracetamol" in e for e in v)] == [
        "2026-12-07", "2026-12-08", "2027-01-18", "2027-01-19"
    ]
    mrd = plan_for("mrd-positive", "2028-02-07")
    assert [d.date for d in mrd.days if any("prednisone" in e for e in d.events)] == [D("2028-02-07")]


def test_ph_positive_plans_like_relapsed_refractory_but_says_ph_positive(rr_us):
    plan = plan_for("ph-positive")
    assert plan.indication == "ph-positive"
    assert [(d.date, d.dose, d.bag_change, d.in_hospital) for d in plan.days] == [
        (d.date, d.dose, d.bag_change, d.in_hospital) for d in rr_us.days
    ]
    assert plan.sources[0].startswith("patient-information-page")


# --- interruptions (R/R from Monday 2026-03-02, US) ---


def test_short_interruption_before_the_step_up_keeps_the_lower_dose():
    # Infusion 03-02..03-04 (infusion days 1-3 at 9); no infusion 03-05..03-07 (cycle days 4-6);
    # restart 03-08 = infusion day 4, so 9 mcg/day until infusion day 7 (03-11); step-up 03-12
    # (infusion day 8). 28 infusion days end 03-12 + 20 = 04-01 (cycle day 31); end 04-01 + 14 = 04-15.
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-05", 3, False), cycles=1)
    assert dates(plan, lambda d: d.dose == 9.0) == span("2026-03-02", "2026-03-04") + span("2026-03-08", "2026-03-11")
    assert dates(plan, lambda d: not d.infusing and d.date < D("2026-04-02")) == span("2026-03-05", "2026-03-07")
    assert [(d.cycle, d.cycle_day, d.dose) for d in plan.days if d.date.isoformat() in ("2026-03-05", "2026-03-07")] == [
        (1, 4, None), (1, 6, None)
    ]
    (cycle,) = plan.cycles
    assert (cycle.last_infusion, cycle.end, cycle.infusion_days) == (D("2026-04-01"), D("2026-04-15"), 28)
    assert day(plan, "2026-04-01").cycle_day == 31
    assert "step-up" in kinds(day(plan, "2026-03-12")) and "restart" in kinds(day(plan, "2026-03-08"))
    # New bags: 03-02 (start), 03-08 (restart, in hospital), 03-12 (step-up, Thu), then 03-16 (Mon),
    # 03-20 (Fri), 03-24 (Tue), 03-28 is a Saturday so 03-27 (Fri), 03-31 (Tue) runs to 04-04 >= 04-02.
    assert dates(plan, lambda d: d.bag_change) == [
        "2026-03-02", "2026-03-08", "2026-03-12", "2026-03-16", "2026-03-20", "2026-03-24", "2026-03-27", "2026-03-31"
    ]


def test_seven_day_interruption_continues_the_same_cycle():
    # 7 days is still "<= 7": infusion days 1-18 = 03-02..03-19, none 03-20..03-26, restart 03-27;
    # the remaining 10 infusion days end 04-05 (cycle day 35); end 04-19; cycle 2 starts 04-20.
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-20", 7, False))
    assert [(c.number, c.start, c.last_infusion, c.end) for c in plan.cycles] == [
        (1, D("2026-03-02"), D("2026-04-05"), D("2026-04-19")),
        (2, D("2026-04-20"), D("2026-05-17"), D("2026-05-31")),
    ]
    assert day(plan, "2026-03-27").dose == 28.0 and day(plan, "2026-03-27").bag_change


@pytest.mark.parametrize("days", [8, 10, 14])
def test_interruption_of_8_to_14_days_starts_a_new_cycle(days):
    # Infusion 03-02..03-19 (18 days), none from 03-20 for `days` days; cycle 1 ends the day before the
    # restart; cycle 2 (28 mcg/day from its day 1) starts on the restart day 03-20 + days.
    restart = D("2026-03-20") + timedelta(days=days)
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-20", days, False))
    first, second = plan.cycles
    assert (first.start, first.last_infusion, first.end, first.infusion_days, first.completed) == (
        D("2026-03-02"), D("2026-03-19"), restart - timedelta(days=1), 18, False
    )
    assert (second.number, second.start, second.last_infusion, second.end) == (
        2, restart, restart + timedelta(days=27), restart + timedelta(days=41)
    )
    # Cycle 2's bloods: 96 hours = 4 days before its start, to the day before.
    assert (second.bloods_from, second.bloods_to) == (restart - timedelta(days=4), restart - timedelta(days=1))
    interrupted = [d for d in plan.days if D("2026-03-20") <= d.date < restart]
    assert len(interrupted) == days
    assert all(d.cycle == 1 and not d.infusing and d.dose is None for d in interrupted)
    assert interrupted[-1].cycle_day == 18 + days
    assert day(plan, restart.isoformat()).cycle_day == 1 and day(plan, restart.isoformat()).bag_change
    assert day(plan, restart.isoformat()).in_hospital  # cycle 2 has 2 hospital days
    assert plan.status == "planned" and plan.days[-1].date == second.end


def test_interruption_of_more_than_14_days_discontinues():
    # 15 days > 14: treatment stops; the plan ends at the last infusion day, 03-19.
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-20", 15, False))
    assert plan.status == "discontinued"
    (cycle,) = plan.cycles
    assert (cycle.last_infusion, cycle.end, cycle.infusion_days) == (D("2026-03-19"), D("2026-03-19"), 18)
    assert plan.days[-1].date == D("2026-03-19") and "discontinued" in kinds(plan.days[-1])
    assert any("2026-03-20" in w and "15 days" in w for w in plan.warnings)


def test_toxicity_restart_in_the_same_cycle():
    # Infusion 03-02..03-19 (days 1-7 at 9, 8-18 at 28); none 03-20..03-24; restart 03-25 at 9 for 7
    # infusion days (03-25..03-31, infusion days 19-25), step-up 04-01; day 28 of infusion = 04-03
    # (cycle day 33); end 04-17. Cycle 2 starts 04-18 (a Saturday, but in hospital: no warning).
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-20", 5, True))
    assert dates(plan, lambda d: d.dose == 9.0 and d.date > D("2026-03-10")) == span("2026-03-25", "2026-03-31")
    assert dates(plan, lambda d: d.dose == 28.0 and D("2026-03-25") <= d.date <= D("2026-04-03")) == span(
        "2026-04-01", "2026-04-03"
    )
    cycle = plan.cycles[0]
    assert (cycle.last_infusion, cycle.end) == (D("2026-04-03"), D("2026-04-17"))
    assert plan.cycles[1].start == D("2026-04-18")
    assert day(plan, "2026-03-25").bag_change and day(plan, "2026-04-01").bag_change
    assert {"restart", "restart dose"} <= kinds(day(plan, "2026-03-25"))
    assert "step-up" in kinds(day(plan, "2026-04-01"))
    assert plan.warnings == ()
    assert "clinical-protocol, Dose modifications" in plan.sources


def test_toxicity_restart_in_a_new_cycle():
    # 10 days with toxicity from 03-20: cycle 2 starts 03-30 at 9 for 7 days (03-30..04-05), then 28.
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-20", 10, True))
    assert dates(plan, lambda d: d.cycle == 2 and d.dose == 9.0) == span("2026-03-30", "2026-04-05")
    assert day(plan, "2026-04-06").dose == 28.0 and day(plan, "2026-04-06").bag_change


def test_two_interruptions_and_the_last_cycle_gets_a_new_cycle():
    # 3 days from 03-05 extends cycle 1 to 04-15; cycle 2 (the last planned) starts 04-16; 9 days
    # from its infusion day 5 (04-20) start cycle 3 on 04-29, one more than the 2 planned: a warning.
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-05", 3, False), ("2026-04-20", 9, False))
    assert [(c.number, c.start, c.end) for c in plan.cycles] == [
        (1, D("2026-03-02"), D("2026-04-15")),
        (2, D("2026-04-16"), D("2026-04-28")),
        (3, D("2026-04-29"), D("2026-06-09")),
    ]
    assert any("cycle 3" in w for w in plan.warnings)


# --- body-surface-area dosing under 45 kg ---


def test_under_45_kg_doses_from_mosteller_bsa():
    # 30 kg, 130 cm: BSA = sqrt(130 x 30 / 3600) = sqrt(1.0833) = 1.0408 -> 1.04 m².
    # 5 x 1.04 = 5.2 mcg/day on days 1-7; 15 x 1.04 = 15.6 mcg/day afterwards.
    plan = plan_for(weight_kg=30, height_cm=130)
    assert plan.bsa_m2 == 1.04
    assert {d.dose for d in plan.days if d.cycle == 1 and d.cycle_day <= 7} == {5.2}
    assert {d.dose for d in plan.days if d.infusing and (d.cycle == 2 or d.cycle_day >= 8)} == {15.6}
    assert "prescribing-information, Dosing for patients under 45 kg (body-surface-area dosing)" in plan.sources


def test_under_45_kg_rounds_half_up():
    # 36.3 kg, 150 cm: sqrt(150 x 36.3 / 3600) = sqrt(1.5125) = 1.2298 -> 1.23 m²;
    # 5 x 1.23 = 6.15 -> 6.2 and 15 x 1.23 = 18.45 -> 18.5 (half up, not to even).
    plan = plan_for(weight_kg=36.3, height_cm=150)
    assert sorted({d.dose for d in plan.days if d.infusing}) == [6.2, 18.5]


def test_under_45_kg_doses_are_capped():
    # 44 kg, 300 cm: sqrt(300 x 44 / 3600) = sqrt(3.6667) = 1.9149 -> 1.91 m²; 5 x 1.91 = 9.55 -> 9.6,
    # capped at 9; 15 x 1.91 = 28.65 -> 28.7, capped at 28.
    plan = plan_for(weight_kg=44, height_cm=300)
    assert sorted({d.dose for d in plan.days if d.infusing}) == [9.0, 28.0]


def test_45_kg_and_over_uses_the_flat_dose():
    plan = plan_for(weight_kg=45)  # "under 45 kg" only: 45 kg gets 9 then 28, no height needed
    assert plan.bsa_m2 is None and sorted({d.dose for d in plan.days if d.infusing}) == [9.0, 28.0]


def test_under_45_kg_toxicity_restart():
    # 30 kg, 130 cm (1.04 m²): restart at 5 x 1.04 = 5.2 for 7 infusion days, then 15.6.
    plan = plan_for("relapsed-refractory", "2026-03-02", ("2026-03-20", 5, True), weight_kg=30, height_cm=130)
    assert dates(plan, lambda d: d.dose == 5.2 and d.date > D("2026-03-10")) == span("2026-03-25", "2026-03-31")
    assert day(plan, "2026-04-01").dose == 15.6


# --- starting from a later cycle, cycle counts ---


def test_start_from_cycle_2():
    # Day 1 of cycle 2 on 2026-12-07: 28 mcg/day days 1-28, hospital days 1-2, bloods in the 96 hours
    # before (12-03..12-06); default 2 cycles, so only cycle 2 (ends 2027-01-17).
    plan = plan_for(start_cycle=2)
    (cycle,) = plan.cycles
    assert (cycle.number, cycle.last_infusion, cycle.end) == (2, D("2027-01-03"), D("2027-01-17"))
    assert (cycle.bloods_from, cycle.bloods_to) == (D("2026-12-03"), D("2026-12-06"))
    assert {d.dose for d in plan.days if d.infusing} == {28.0}
    assert dates(plan, lambda d: d.in_hospital) == ["2026-12-07", "2026-12-08"]


def test_consolidation_cycles_and_their_note():
    plan = plan_for(cycles=5)
    assert [c.number for c in plan.cycles] == [1, 2, 3, 4, 5]
    # Cycle 5 starts 4 x 42 = 168 days after 2026-12-07: 2027-05-24; ends 41 days later, 2027-07-04.
    assert (plan.cycles[-1].start, plan.cycles[-1].end) == (D("2027-05-24"), D("2027-07-04"))
    assert any("consolidation" in w for w in plan.warnings)
    assert not any(d.in_hospital for d in plan.days if d.cycle >= 3)


# --- bad input: one clear PlanError ---


@pytest.mark.parametrize(
    "options, message",
    [
        ({"cycles": 6}, "more than the 5"),
        ({"cycles": 0}, "at least 1"),
        ({"start_cycle": 3, "cycles": 2}, "before the starting cycle"),
        ({"weight_kg": 0}, "weight must be a positive"),
        ({"weight_kg": -3}, "weight must be a positive"),
        ({"weight_kg": 40}, "height"),
        ({"weight_kg": 40, "height_cm": 0}, "height must be a positive"),
        ({"weight_kg": float("nan")}, "weight must be a positive"),
        ({"country": "XX"}, "unknown country"),
    ],
)
def test_bad_requests(options, message):
    with pytest.raises(PlanError, match=message):
        plan_for(**options)


def test_mrd_allows_at_most_4_cycles():
    with pytest.raises(PlanError, match="more than the 4"):
        plan_for("mrd-positive", cycles=5)


@pytest.mark.parametrize(
    "stops, message",
    [
        ([("2026-12-01", 3, False)], "before the course starts"),
        ([("2026-12-07", 3, False)], "day 1 of cycle 1"),
        ([("2027-01-10", 3, False)], "day without infusion"),  # treatment-free break
        ([("2027-03-10", 3, False)], "after the course's last infusion"),
        ([("2026-12-10", 3, False), ("2026-12-12", 2, False)], "overlap"),
        ([("2026-12-10", 3, False), ("2026-12-13", 2, False)], "overlap or touch"),
        ([("2026-12-10", 0, False)], "at least|whole number"),
        ([("2026-12-10", 20, False), ("2026-12-31", 2, False)], "after treatment was discontinued"),
    ],
)
def test_bad_interruptions(stops, message):
    with pytest.raises(PlanError, match=message):
        plan_for("relapsed-refractory", "2026-12-07", *stops)


def test_a_new_cycle_beyond_the_maximum_is_refused():
    # MRD with 4 cycles (the maximum): 10 days off in cycle 4 would need a cycle 5.
    # Cycle 4 starts 2028-02-07 + 3 x 42 = 2028-06-05 (start_cycle 4 to keep it short).
    with pytest.raises(PlanError, match="cycle 5"):
        plan_for("mrd-positive", "2028-06-05", ("2028-06-10", 10, False), start_cycle=4)


def test_cycle_doses_for_a_small_child_follow_body_surface_area():
    # 98 cm, 18 kg: BSA sqrt(98 x 18 / 3600) = 0.70 m²; relapsed cycle 1: 5 x 0.70 = 3.5 and 15 x 0.70 = 10.5 mcg/day.
    doses = cycle_doses(load_regimen("relapsed-refractory"), 1, weight_kg=18, height_cm=98)
    assert doses.bsa_m2 == 0.7
    assert [(s.first_day, s.last_day, s.dose) for s in doses.steps] == [(1, 7, 3.5), (8, 28, 10.5)]
    assert "prescribing-information, Dosing for patients under 45 kg (body-surface-area dosing)" in doses.sources


def test_cycle_doses_at_45_kg_or_more_are_the_fixed_doses_and_later_cycles_have_no_step():
    doses = cycle_doses(load_regimen("relapsed-refractory"), 2, weight_kg=70, height_cm=170)
    assert doses.bsa_m2 is None and [(s.first_day, s.last_day, s.dose) for s in doses.steps] == [(1, 28, 28)]


def test_cycle_doses_refuse_a_missing_height_under_45_kg_and_a_cycle_beyond_the_regimen():
    regimen = load_regimen("mrd-positive")
    with pytest.raises(PlanError, match="height"):
        cycle_doses(regimen, 1, weight_kg=22)
    with pytest.raises(PlanError, match="cycles 1 to 4"):
        cycle_doses(regimen, 5)


def test_after_a_toxicity_restart_the_dose_goes_back_up_after_seven_days():
    from scheduling.planner import toxicity_escalation

    # clinical-protocol, Dose modifications: restart at 9 mcg/day, escalate to 28 after 7 days if no recurrence.
    adult = toxicity_escalation(load_regimen("relapsed-refractory"), date(2027, 1, 20))
    assert (adult.restart_dose, adult.full_dose, adult.goes_up_on, adult.bsa_m2) == (9, 28, date(2027, 1, 27), None)
    # 39 kg, 156 cm: sqrt(156 x 39 / 3600) = 1.30 m2; 5 x 1.30 = 6.5, then 15 x 1.30 = 19.5 mcg/day
    child = toxicity_escalation(load_regimen("relapsed-refractory"), date(2027, 6, 7), 39, 156)
    assert (child.restart_dose, child.full_dose, child.goes_up_on, child.bsa_m2) == (6.5, 19.5, date(2027, 6, 14), 1.3)
