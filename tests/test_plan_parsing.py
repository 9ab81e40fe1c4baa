"""How the patient's own words become plan inputs. Today is fixed to Thursday 10 December 2026."""
import datetime as dt

import pytest

from actions import parsing, told_events
from actions.parsing import PlanInputError, find_date, names_a_plan_fact

TODAY = dt.date(2026, 12, 10)  # a Thursday; Monday 7 December 2026 is three days earlier


@pytest.mark.parametrize(
    "text, expected",
    [
        ("I started on 7 December 2026", dt.date(2026, 12, 7)),
        ("7 Dec", dt.date(2026, 12, 7)),
        ("Dec 7th", dt.date(2026, 12, 7)),
        ("it started 2026-12-07", dt.date(2026, 12, 7)),
        ("started last Monday", dt.date(2026, 12, 7)),
        ("on Monday", dt.date(2026, 12, 7)),
        ("3 days ago", dt.date(2026, 12, 7)),
        ("three days ago", dt.date(2026, 12, 7)),
        ("a week ago", dt.date(2026, 12, 3)),
        ("yesterday", dt.date(2026, 12, 9)),
        ("today", TODAY),
        ("that's wrong, it was the 8th", dt.date(2026, 12, 8)),
        ("the 12th", dt.date(2026, 11, 12)),  # the 12th has not come yet this month
        ("last Thursday", dt.date(2026, 12, 3)),  # said on a Thursday: a week ago, not today
        ("next Monday", dt.date(2026, 12, 14)),
        ("I start on 14 Dec", dt.date(2026, 12, 14)),
        ("MRD+ pt, C1 start 05-Oct-2026", dt.date(2026, 10, 5)),  # staff write the month between hyphens
        ("C1D1 12-Jan-27", dt.date(2027, 1, 12)),
    ],
)
def test_dates_in_free_text(text, expected):
    assert find_date(text, TODAY).date == expected


def test_an_ambiguous_numeric_date_follows_the_clinic_convention_and_is_flagged():
    us = find_date("07/12/2026", TODAY, "MDY")
    uk = find_date("07/12/2026", TODAY, "DMY")
    assert (us.date, us.ambiguous) == (dt.date(2026, 7, 12), True)
    assert (uk.date, uk.ambiguous) == (dt.date(2026, 12, 7), True)


def test_an_unambiguous_numeric_date_is_not_flagged():
    assert find_date("12/25/2026", TODAY, "MDY") == parsing.ParsedDate(dt.date(2026, 12, 25))


def test_a_numeric_date_with_only_one_reading_is_read_so_whatever_the_clinic_convention():
    # A UK caller's "C1D1 15/02/2027" at a US clinic: there is no month 15, so it is 15 February.
    assert find_date("C1D1 15/02/2027", TODAY, "MDY") == parsing.ParsedDate(dt.date(2027, 2, 15))
    assert find_date("12/25/2026", TODAY, "DMY") == parsing.ParsedDate(dt.date(2026, 12, 25))


@pytest.mark.parametrize("text", ["31/02/2026", "02/30/2026", "2027-02-29", "13/13/2026"])
def test_impossible_dates_are_refused_with_a_reason(text):
    with pytest.raises(PlanInputError, match="there is no day"):
        find_date(text, TODAY, "DMY" if text.startswith("31") else "MDY")


def test_a_leap_day_is_a_real_date():
    assert find_date("02/29/2028", TODAY).date == dt.date(2028, 2, 29)


def test_a_decimal_reading_is_not_a_date():
    assert find_date("had my temp checked at the pharmacy, it was 38.9", TODAY) is None
    assert find_date("it started on 3.12", TODAY, "DMY").date.month == 12
    assert find_date("neuts are 0.8 today", TODAY).date == TODAY  # no day or month 0: the reading is no date


def test_a_detail_for_the_question_before_names_no_plan_fact():
    assert not names_a_plan_fact("CrCl is 18 though")
    assert not names_a_plan_fact("neuts 0.8, plts 80")
    assert names_a_plan_fact("he's 30 kg") and names_a_plan_fact("it was stopped for 5 days")
    assert names_a_plan_fact("she started on the 18th") and names_a_plan_fact("on cycle 2 now")


def test_a_duration_is_not_a_date():
    assert find_date("it was stopped for 5 days", TODAY) is None
    assert parsing.find_interruption_days("it was stopped for 5 days") == 5
    assert parsing.find_interruption_days("paused for a week") == 7
    assert parsing.find_interruption_days("what dose am I on") is None


def test_no_date_at_all():
    assert find_date("when does my dose go up?", TODAY) is None


@pytest.mark.parametrize(
    "text, cycle",
    [("I'm on cycle 2", 2), ("my second cycle", 2), ("first cycle", 1), ("cycle number 3", 3),
     ("what dose am I on", None)],
)
def test_cycle_numbers(text, cycle):
    assert parsing.find_cycle(text) == cycle


def test_weight_and_height():
    assert parsing.find_weight_kg("he weighs 38.5 kg and is 140 cm tall") == 38.5
    assert parsing.find_height_cm("he weighs 38.5 kg and is 140 cm tall") == 140.0
    assert parsing.find_weight_kg("no numbers here") is None
    assert parsing.find_weight_kg("and <45kg?") is None  # the threshold of a rule, not a weight
    assert parsing.find_weight_kg("dose if under 45 kg? he's 31kg") == 31


@pytest.mark.parametrize("text", ["-5 kg", "0 kg"])
def test_weight_must_be_positive(text):
    with pytest.raises(PlanInputError, match="more than zero"):
        parsing.find_weight_kg(text)


def test_a_reaction_makes_it_a_toxicity_interruption():
    assert parsing.mentions_side_effect("stopped for 5 days because of a reaction")
    assert not parsing.mentions_side_effect("stopped for 5 days, the pump broke")


def test_far_off_start_dates_are_refused():
    with pytest.raises(PlanInputError, match="too long ago"):
        parsing.within_range(dt.date(2020, 1, 1), TODAY, past_days=400, future_days=120)
    with pytest.raises(PlanInputError, match="too far ahead"):
        parsing.within_range(dt.date(2028, 1, 1), TODAY, past_days=400, future_days=120)
    assert parsing.within_range(dt.date(2026, 12, 7), TODAY, 400, 120) == dt.date(2026, 12, 7)


@pytest.mark.parametrize(
    "text, expected",
    [("on Friday", dt.date(2026, 12, 11)), ("Thursday", TODAY), ("the 8th", dt.date(2027, 1, 8)),
     ("the 12th", dt.date(2026, 12, 12)), ("last Monday", dt.date(2026, 12, 7))],
)
def test_a_day_asked_about_is_the_next_one(text, expected):
    assert find_date(text, TODAY, prefer_future=True).date == expected


def test_an_impossible_named_date_says_why():
    with pytest.raises(PlanInputError, match="there is no day 31 in February 2026"):
        find_date("it started on 31 February 2026", TODAY)


# --- messages written by others (tests/eval/dev_plan.yml) that the first reading got wrong ----------------
@pytest.mark.parametrize("text, expected", [
    # The first date in the text, not the first kind of date: "yesterday" comes after "the 10th March".
    ("the pump was stopped on the 10th March for 5 days, back on since yesterday", dt.date(2026, 3, 10)),
    ("on Monday 7 December 2026", dt.date(2026, 12, 7)),  # a weekday before a whole date is that date
])
def test_the_first_date_in_the_message_is_read(text, expected):
    assert find_date(text, TODAY, "MDY").date == expected


def test_a_start_and_an_interruption_in_one_message_are_told_apart():
    start, stop = parsing.stated_start_and_stop(
        "Began blinatumomab 13 January 2027 but it was stopped on 19 January for 3 days and restarted on the 22nd.")
    assert find_date(start, TODAY, "MDY").date == dt.date(2027, 1, 13)
    assert find_date(stop, TODAY, "MDY").date == dt.date(2026, 1, 19) and parsing.find_interruption_days(stop) == 3


@pytest.mark.parametrize("text, expected", [
    ("what date would the fifth one start?", 5), ("what day does round 2 begin??", 2),
    ("had my first Blincyto cycle starting 16th December", 1), ("they said two cycles", None),
])
def test_cycles_are_named_in_patients_words(text, expected):
    assert parsing.find_cycle(text) == expected


def test_a_day_of_an_ordinal_cycle_is_read():
    assert parsing.find_cycle_day("I'm on day 10 of my 2nd cycle") == (2, 10)


@pytest.mark.parametrize("text, stated, asked", [
    ("My second cycle started May 3rd 2027. For cycle 3, when's the earliest the blood work can be drawn?",
     "My second cycle started May 3rd 2027.", "For cycle 3 when's the earliest the blood work can be drawn?"),
    ("I had my first cycle starting 16 December. If they go ahead with a second one, what date would it begin?",
     "I had my first cycle starting 16 December.", "If they go ahead with a second one what date would it begin?"),
    # A dash before a question word ends what is told.
    ("pt with R/R Ph-neg B-ALL, C2D1 was 5 Jan 2026 - what's the last infusion day of C2?",
     "pt with R/R Ph-neg B-ALL, C2D1 was 5 Jan 2026", "what's the last infusion day of C2?"),
    # Staff shorthand asks after its last spaced dash; "step-up" and "days 1-7" are no dashes between clauses.
    ("R/R adult, C1D1 Mon 5 Jul 2027 - date of step-up?", "R/R adult, C1D1 Mon 5 Jul 2027", "date of step-up?"),
    ("pt C2 - day 3 - dose days 1-7?", "pt C2 - day 3", "dose days 1-7?"),
])
def test_a_lead_in_or_an_if_clause_belongs_to_the_question(text, stated, asked):
    assert parsing.statement_and_question(text) == parsing.Said(stated, asked)


@pytest.mark.parametrize("asked, intent", [
    ("When can we bring her home?", "ask_plan_discharge"),
    ("when will he be allowed home?", "ask_plan_discharge"),
    ("which day should she book for when I come out of hospital after starting cycle 2?", "ask_plan_discharge"),
    ("What day does my dose get increased?", "ask_plan_step_up"),
    ("when do they step him up to the higher one?", "ask_plan_step_up"),
    ("When does this cycle end now?", "ask_plan_last_infusion"),
    ("What's the final day of the infusion for this cycle?", "ask_plan_last_infusion"),
    ("what date would it begin?", "ask_plan_next_cycle"),
    ("What day does the 28-day infusion end?", "ask_plan_last_infusion"),
    ("new end of infusion date?", "ask_plan_last_infusion"),
    ("what date do my 2 weeks off start?", "ask_plan_break"),
    ("When does the two-week break finish and the next cycle start?", "ask_plan_next_cycle"),
    ("What does a 10-day break mean for my treatment?", "ask_plan_interruption"),
    ("date for C3 D1?", "ask_plan_next_cycle"),
    ("What is the earliest date I could expect to leave the hospital?", "ask_plan_discharge"),
])
def test_what_a_plan_question_asks_comes_from_its_words(asked, intent):
    assert parsing.plan_question_intent(asked) == intent


def test_a_day_told_before_a_question_about_that_day_is_asked_about():
    from actions.parsing import statement_and_question

    said = statement_and_question("Started 4th March. Her party is on Saturday 3 April, what dose will she be on that day?")
    assert said.stated == "Started 4th March."
    assert said.asked.startswith("Her party is on Saturday 3 April")


@pytest.mark.parametrize("stated, cycle", [
    ("She got thru cycle 1 of blinatumomab ok in the end, and cycle 2 starts Thursday 22 April.", 2),
    ("He has finished his first cycle of blinatumomab. Cycle 2 is booked to start on Monday 31 May 2027.", 2),
    ("my second cycle started on 1 April, the first one went fine", 2),
])
def test_the_cycle_is_the_one_named_with_the_start(stated, cycle):
    import datetime as dt

    from actions.parsing import cycle_of_the_start

    assert cycle_of_the_start(stated, dt.date(2027, 4, 15)) == cycle


def test_a_stop_told_by_its_two_dates_lasts_the_days_between():
    told = "the infusion was stopped on the morning of Monday 15 February, and it was restarted on Thursday 18 February"
    assert told_events.days_stopped_between(told, dt.date(2027, 2, 18)) == 3
    assert told_events.days_stopped_between("it was stopped on Monday 15 February", dt.date(2027, 2, 18)) is None


@pytest.mark.parametrize("asked, day", [("what dose from day 8 and which date is day 8??", 8),
                                        ("dose D1-7, and D8 date + dose?", 8), ("when does it go up?", None),
                                        ("how many days of infusion?", None)])
def test_the_cycle_day_a_question_asks_about(asked, day):
    assert parsing.find_day_asked(asked) == day


@pytest.mark.parametrize("text, cycle", [("MRD+ pt, C1 hung 09:00 Tue 9 Feb 2027", 1), ("C3D1 date?", 3),
                                         ("CD19 positive", None)])
def test_staff_shorthand_names_the_cycle(text, cycle):
    assert parsing.find_cycle(text) == cycle


@pytest.mark.parametrize("asked, question", [
    ("min inpatient stay per protocol + earliest d/c date?", "ask_plan_discharge"),
    ("How long will they keep her in this time, and what day can I pick her up?", "ask_plan_discharge"),
    ("date the 28-day infusion completes?", "ask_plan_last_infusion"),
])
def test_what_a_staff_or_carers_schedule_question_asks(asked, question):
    assert parsing.plan_question_intent(asked) == question
    assert parsing.asks_a_date(asked)


def test_this_morning_is_today():
    assert find_date("they hung a new 48 hour bag this morning", dt.date(2027, 3, 3)).date == dt.date(2027, 3, 3)
