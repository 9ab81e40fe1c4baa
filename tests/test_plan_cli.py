"""`blina plan`: the CLI contract of design.md, every output format, and every bad input (exit 2, one line)."""
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar

from assistant.cli import main
from knowledge.clinic import clinic_settings

ROOT = Path(__file__).resolve().parent.parent
BLINA = Path(sys.executable).parent / "blina"
BASE = ["plan", "--indication", "relapsed-refractory", "--start", "2026-12-07"]


def run_cli(capsys, *args):
    try:
        code = main(list(args))
    except SystemExit as stop:  # argparse errors exit through SystemExit
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


# --- json ---


def test_json_follows_the_contract(capsys):
    code, out, err = run_cli(capsys, *BASE, "--country", "US", "--format", "json")
    assert code == 0 and err == ""
    plan = json.loads(out)
    assert list(plan) == ["indication", "status", "cycles", "days", "warnings", "sources"]
    assert (plan["indication"], plan["status"]) == ("relapsed-refractory", "planned")
    # Worked by hand: cycle 1 2026-12-07..2027-01-17 (last infusion day 28 = 2027-01-03), bloods
    # 14 days before; cycle 2 2027-01-18..2027-02-28, bloods 96 hours (4 days) before.
    assert plan["cycles"] == [
        {"number": 1, "start": "2026-12-07", "last_infusion": "2027-01-03", "end": "2027-01-17",
         "bloods_window": {"from": "2026-11-23", "to": "2026-12-06"}},
        {"number": 2, "start": "2027-01-18", "last_infusion": "2027-02-14", "end": "2027-02-28",
         "bloods_window": {"from": "2027-01-14", "to": "2027-01-17"}},
    ]  # fmt: skip
    first = plan["days"][0]
    assert list(first) == [
        "date", "cycle", "cycle_day", "dose", "dose_unit", "infusing", "in_hospital", "bag_change", "events"
    ]  # fmt: skip
    assert {k: first[k] for k in list(first)[:-1]} == {
        "date": "2026-12-07", "cycle": 1, "cycle_day": 1, "dose": 9.0, "dose_unit": "mcg/day",
        "infusing": True, "in_hospital": True, "bag_change": True,
    }  # fmt: skip
    assert any(event.startswith("cycle start") for event in first["events"])
    free = next(d for d in plan["days"] if d["date"] == "2027-01-04")  # day 29: the break starts
    assert (free["cycle"], free["cycle_day"], free["dose"], free["infusing"]) == (1, 29, None, False)
    assert len(plan["days"]) == 84 and plan["days"][-1]["date"] == "2027-02-28"
    assert plan["warnings"] == [] and "clinical-protocol, Regimen details" in plan["sources"]


def test_json_with_interruption_weight_and_country(capsys):
    # 30 kg / 130 cm -> 1.04 m² -> 5.2 then 15.6 mcg/day; 10 days off from 2026-12-20 (cycle day 14)
    # start cycle 2 on 2026-12-30; GB.
    code, out, _ = run_cli(
        capsys, *BASE, "--weight-kg", "30", "--height-cm", "130", "--country", "gb",
        "--interrupt", "2026-12-20:10", "--format", "json",
    )  # fmt: skip
    assert code == 0
    plan = json.loads(out)
    assert [(c["number"], c["start"], c["end"]) for c in plan["cycles"]] == [
        (1, "2026-12-07", "2026-12-29"), (2, "2026-12-30", "2027-02-09")
    ]
    interrupted = [d for d in plan["days"] if "2026-12-20" <= d["date"] <= "2026-12-29"]
    assert all(d["cycle"] == 1 and d["dose"] is None and not d["infusing"] for d in interrupted)
    assert sorted({d["dose"] for d in plan["days"] if d["infusing"]}) == [5.2, 15.6]


def test_toxicity_interrupt_flag(capsys):
    # From Monday 2026-03-02: 5 days off from 03-20 with toxicity -> 9 mcg/day 03-25..03-31, 28 from 04-01.
    code, out, _ = run_cli(
        capsys, "plan", "--indication", "relapsed-refractory", "--start", "2026-03-02",
        "--interrupt", "2026-03-20:5:toxicity", "--format", "json",
    )  # fmt: skip
    days = {d["date"]: d for d in json.loads(out)["days"]}
    assert code == 0
    assert [days[f"2026-03-{n}"]["dose"] for n in (24, 25, 31)] == [None, 9.0, 9.0]
    assert days["2026-04-01"]["dose"] == 28.0


def test_default_country_comes_from_clinic_settings(capsys, monkeypatch, tmp_path):
    # The project's clinic is in the US: no closed-day warning for Christmas 2026. A GB clinic has one
    # (Sunday 2026-12-27, see test_scheduling_plan.py).
    code, out, _ = run_cli(capsys, *BASE, "--format", "json")
    assert code == 0 and json.loads(out)["warnings"] == []
    settings = tmp_path / "clinic.yml"
    settings.write_text("country: GB\n", encoding="utf-8")
    monkeypatch.setenv("BLINA_CLINIC_SETTINGS", str(settings))
    clinic_settings.cache_clear()
    try:
        code, out, _ = run_cli(capsys, *BASE, "--format", "json")
    finally:
        clinic_settings.cache_clear()
    warnings = json.loads(out)["warnings"]
    assert code == 0 and len(warnings) == 1 and "2026-12-27" in warnings[0]


def test_start_cycle_option(capsys):
    code, out, _ = run_cli(capsys, *BASE, "--start-cycle", "2", "--format", "json")
    plan = json.loads(out)
    assert code == 0 and [c["number"] for c in plan["cycles"]] == [2]
    assert plan["cycles"][0]["bloods_window"] == {"from": "2026-12-03", "to": "2026-12-06"}


# --- text ---


def test_text_is_a_week_by_week_table(capsys):
    code, out, err = run_cli(capsys, *BASE, "--country", "US")
    assert code == 0 and err == ""
    assert out.startswith("Blinatumomab (Blincyto) plan: relapsed or refractory B-cell precursor ALL")
    # 2026-12-07 is a Monday and the plan ends Sunday 2027-02-28: 84 days = 12 whole weeks.
    assert out.count("\nWeek ") == 12 and "Week 12: Mon 22 Feb 2027 to Sun 28 Feb 2027" in out
    row = next(line for line in out.splitlines() if line.startswith("  Mon  7 Dec"))
    assert row.split()[3:7] == ["C1", "D1", "9", "hospital"] and "new bag" in row
    step_up = next(line for line in out.splitlines() if line.startswith("  Mon 14 Dec"))
    assert "28" in step_up.split() and "step-up" in step_up
    assert "Cycle 2: starts Mon 18 Jan 2027, last infusion Sun 14 Feb 2027, ends Sun 28 Feb 2027" in out
    assert "blood tests between Mon 23 Nov 2026 and Sun 6 Dec 2026" in out
    assert "Sources: " in out


def test_text_lists_warnings(capsys):
    code, out, _ = run_cli(capsys, *BASE, "--country", "GB")
    assert code == 0 and "Please note" in out and "2026-12-27" in out


# --- ics ---


def test_ics_has_bag_changes_hospital_cycles_bloods_and_premedication(capsys):
    code, out, err = run_cli(capsys, *BASE, "--country", "US", "--format", "ics")
    assert code == 0 and err == ""
    events = Calendar.from_ical(out.encode("utf-8")).walk("VEVENT")
    by_summary = {}
    for event in events:
        by_summary.setdefault(str(event["SUMMARY"]).split(",")[0], []).append(event)
    # 16 bag changes worked out in test_scheduling_plan.py (8 per cycle).
    assert len(by_summary["Infusion bag change (morning)"]) == 16
    hospital = sorted((e.decoded("DTSTART"), e.decoded("DTEND")) for e in events if "In hospital" in str(e["SUMMARY"]))
    # All-day events end the day after: 12-07..12-15 and 01-18..01-19.
    assert hospital == [(date(2026, 12, 7), date(2026, 12, 16)), (date(2027, 1, 18), date(2027, 1, 20))]
    assert sorted(e.decoded("DTSTART") for e in by_summary["Cycle 1 starts (day 1)"] + by_summary["Cycle 2 starts (day 1)"]) == [
        date(2026, 12, 7), date(2027, 1, 18)
    ]
    bloods = sorted((e.decoded("DTSTART"), e.decoded("DTEND")) for e in events if "Blood tests" in str(e["SUMMARY"]))
    assert bloods == [(date(2026, 11, 23), date(2026, 12, 7)), (date(2027, 1, 14), date(2027, 1, 18))]
    premed = sorted(e.decoded("DTSTART") for e in by_summary["Pre-medication"])
    # dexamethasone 12-07, 12-14, 01-18; paracetamol also 12-08 and 01-19
    assert premed == [date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 14), date(2027, 1, 18), date(2027, 1, 19)]
    assert len({str(e["UID"]) for e in events}) == len(events)


def alarms_by_summary(out: str) -> dict:
    """Each event's summary (before its comma) -> the local times of its alarms, in the clinic's zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(clinic_settings()["timezone"])
    found = {}
    for event in Calendar.from_ical(out.encode("utf-8")).walk("VEVENT"):
        for alarm in event.walk("VALARM"):
            found.setdefault(str(event["SUMMARY"]).split(",")[0], []).append(
                alarm.decoded("TRIGGER").astimezone(zone).replace(tzinfo=None))
    return found


def test_ics_reminds_the_evening_before_bags_and_admissions_and_the_day_before_bloods(capsys):
    from datetime import datetime

    code, out, _ = run_cli(capsys, *BASE, "--country", "US", "--format", "ics")
    alarms = alarms_by_summary(out)
    # assistant/clinic.yml: bag changes and admissions at 19:00 the evening before, bloods at 09:00 the
    # day before the window opens, in America/Chicago. The first bag change is Monday 7 December.
    assert min(alarms["Infusion bag change (morning)"]) == datetime(2026, 12, 6, 19, 0)
    assert len(alarms["Infusion bag change (morning)"]) == 16  # one for each of the 16 bag changes
    assert sorted(alarms["In hospital (cycle 1)"] + alarms["In hospital (cycle 2)"]) == [
        datetime(2026, 12, 6, 19, 0), datetime(2027, 1, 17, 19, 0)]
    # Windows open 23 November (14 days before cycle 1) and 14 January (96 hours before cycle 2).
    assert sorted(alarms["Blood tests for cycle 1"] + alarms["Blood tests for cycle 2"]) == [
        datetime(2026, 11, 22, 9, 0), datetime(2027, 1, 13, 9, 0)]
    assert "TRIGGER;VALUE=DATE-TIME:" in out  # an absolute trigger, in UTC as RFC 5545 requires


def test_no_reminders_leaves_the_alarms_out(capsys):
    code, out, _ = run_cli(capsys, *BASE, "--format", "ics", "--no-reminders")
    assert code == 0 and "BEGIN:VALARM" not in out and alarms_by_summary(out) == {}


def test_ics_through_the_real_command():
    result = subprocess.run(
        [str(BLINA), *BASE, "--format", "ics"], capture_output=True, cwd=ROOT, timeout=120, check=False
    )
    assert result.returncode == 0 and result.stderr == b""
    assert result.stdout.startswith(b"BEGIN:VCALENDAR") and len(Calendar.from_ical(result.stdout).walk("VEVENT")) > 20


def test_the_new_user_command_prints_a_readable_plan():
    result = subprocess.run(
        [str(BLINA), *BASE, "--format", "text"], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert result.returncode == 0 and result.stderr == ""
    assert "Week 1: Mon 7 Dec 2026 to Sun 13 Dec 2026" in result.stdout


# --- bad input: exit 2, one line on stderr, nothing on stdout, no traceback ---


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--indication", "aml", "--start", "2026-12-07"], "invalid choice"),
        (["--indication", "relapsed-refractory"], "required"),
        (["--indication", "relapsed-refractory", "--start", "2026-02-30"], "not a real calendar date"),
        (["--indication", "relapsed-refractory", "--start", "2026-13-01"], "not a real calendar date"),
        (["--indication", "relapsed-refractory", "--start", "07/12/2026"], "YYYY-MM-DD"),
        (["--indication", "relapsed-refractory", "--start", "tomorrow"], "YYYY-MM-DD"),
        ([*BASE[1:], "--weight-kg", "0"], "weight must be a positive"),
        ([*BASE[1:], "--weight-kg", "-40"], "weight must be a positive"),
        ([*BASE[1:], "--weight-kg", "heavy"], "invalid float"),
        ([*BASE[1:], "--weight-kg", "30", "--height-cm", "0"], "height must be a positive"),
        ([*BASE[1:], "--weight-kg", "30"], "height"),
        ([*BASE[1:], "--interrupt", "2026-12-10"], "--interrupt must look like"),
        ([*BASE[1:], "--interrupt", "2026-12-10:x"], "--interrupt must look like"),
        ([*BASE[1:], "--interrupt", "2026-12-10:3:tox"], "--interrupt must look like"),
        ([*BASE[1:], "--interrupt", "2026-12-10:0"], "at least 1"),
        ([*BASE[1:], "--interrupt", "2026-12-32:3"], "not a real calendar date"),
        ([*BASE[1:], "--interrupt", "2026-11-30:3"], "before the course starts"),
        ([*BASE[1:], "--interrupt", "2027-06-01:3"], "after the course's last infusion"),
        ([*BASE[1:], "--interrupt", "2026-12-10:5", "--interrupt", "2026-12-12:2"], "overlap"),
        ([*BASE[1:], "--cycles", "6"], "more than the 5"),
        ([*BASE[1:], "--cycles", "0"], "at least 1"),
        (["--indication", "mrd-positive", "--start", "2026-12-07", "--cycles", "5"], "more than the 4"),
        ([*BASE[1:], "--country", "ZZ"], "unknown country"),
        ([*BASE[1:], "--format", "pdf"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, fragment):
    code, out, err = run_cli(capsys, "plan", *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err and fragment in err


def test_bad_input_through_the_real_command():
    result = subprocess.run(
        [str(BLINA), *BASE[:-1], "2026-02-29"], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "blina plan: error: --start '2026-02-29' is not a real calendar date\n"
