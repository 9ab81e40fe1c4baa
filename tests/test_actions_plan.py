"""actions/plan_form.py and actions/plan_answers.py, with today fixed to Thursday 10 December 2026.

Hand-worked (relapsed/refractory, cycle 1 from Monday 7 December 2026, US clinic): 9 mcg/day on
days 1-7, step-up to 28 on day 8 = Monday 14 December; bags: Mon 7, Fri 11 (96 hours), Mon 14
(dose change), Fri 18; 28 infusion days end Sunday 3 January 2027; 14 days off from Monday 4 January;
cycle 2 on Monday 18 January 2027, its bloods within 96 hours: Thursday 14 to Sunday 17 January."""
import asyncio
import datetime as dt

import pytest

from actions.plan_answers import ActionAnswerPlanQuestion
from actions.plan_form import ActionAskPlanConfirmed, ActionExtractPlanFacts, ValidatePlanForm
from rasa_sdk.executor import CollectingDispatcher
from tests.trackers import entity, run_action, tracker_for

pytestmark = pytest.mark.usefixtures("built_knowledge")
PLAN = {"indication": "relapsed-refractory", "plan_start": "2026-12-07", "plan_cycle": 1,
        "plan_confirmed": True}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setenv("BLINA_TODAY", "2026-12-10")


def slots_set(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def ask(question, text="", **slots):
    tracker = tracker_for(text, question, slots={**PLAN, "plan_question": question, **slots})
    messages, _ = run_action(ActionAnswerPlanQuestion(), tracker)
    return messages[0]["text"]


def test_everything_in_one_message_is_extracted():
    tracker = tracker_for("My leukaemia came back; I started my first cycle on 7 December, when does the dose go up?",
                          "ask_plan_step_up", entities=[entity("indication", "came back")])
    messages, events = run_action(ActionExtractPlanFacts(), tracker)
    assert slots_set(events) == {"plan_question": "ask_plan_step_up", "indication": "relapsed-refractory",
                                 "plan_start": "2026-12-07", "plan_cycle": 1, "plan_personal": True}
    assert messages == []


def test_a_day_asked_about_is_not_taken_as_the_start():
    _, events = run_action(ActionExtractPlanFacts(), tracker_for("what dose am I on on Friday?", "ask_plan_dose"))
    assert slots_set(events) == {"plan_question": "ask_plan_dose", "plan_question_date": "2026-12-11",
                                 "plan_personal": True}


def test_a_schedule_question_in_general_is_not_taken_as_personal():
    _, events = run_action(ActionExtractPlanFacts(), tracker_for("do you get a break between cycles?",
                                                                 "ask_plan_break"))
    assert slots_set(events) == {"plan_personal": False}  # no plan_question: the form does not start


def test_when_side_effects_tend_to_show_up_is_a_general_question():
    _, events = run_action(ActionExtractPlanFacts(), tracker_for("when do they tend to show up?", "ask_plan_dose"))
    assert slots_set(events) == {"plan_personal": False}


def test_a_when_question_about_ones_own_days_is_personal():
    _, events = run_action(ActionExtractPlanFacts(), tracker_for("when is my next bag change?",
                                                                 "ask_plan_bag_change"))
    assert slots_set(events) == {"plan_question": "ask_plan_bag_change", "plan_personal": True}


def test_a_dose_question_naming_only_the_cycle_needs_no_dates_but_a_start_does():
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(
        "on my 3rd cycle now, do i get the 9 microgram week again?", "ask_plan_step_up"))
    assert slots_set(events)["plan_personal"] is False and "plan_question" not in slots_set(events)
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(
        "my 3rd cycle started on Monday, when does the dose go up?", "ask_plan_step_up"))
    assert slots_set(events)["plan_personal"] is True


def test_an_amount_asked_with_a_start_is_the_rules_answer_and_a_date_asked_is_personal():
    amount = "they started him on blina on monday for relapsed ALL. what does it go up to after the first week"
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(amount, "ask_plan_step_up"))
    assert slots_set(events)["plan_personal"] is False and "plan_question" not in slots_set(events)
    dated = "Day 1 of my first cycle was Monday 7 December. On what date does my dose go up to 28 micrograms?"
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(dated, "ask_plan_step_up"))
    assert slots_set(events)["plan_personal"] is True


def test_a_general_question_with_a_start_told_stays_general_when_it_asks_how_long():
    from actions.plan_form import states_own_plan

    asked = "Starting my first cycle on Monday. The nurse said to take paracetamol at the start - for how long?"
    assert states_own_plan(asked, tracker_for(asked, "ask_premedication")) is None


def test_a_general_question_with_a_start_told_stays_general_when_it_asks_which_medicine():
    from actions.plan_form import states_own_plan

    asked = "my wife's starting blina next tuesday, what's the pre-med they give her before it starts?"
    assert states_own_plan(asked, tracker_for(asked, "ask_premedication")) is None
    when = "my wife's starting blina next tuesday, when does she get the pre-med?"
    assert states_own_plan(when, tracker_for(when, "ask_premedication"))[0] == "ask_plan_premedication"


def test_an_ambiguous_date_is_read_the_clinics_way_and_said_back():
    tracker = tracker_for("07/12/2026", "inform_plan_facts", active_loop="plan_form",
                          slots={"requested_slot": "plan_start"})
    messages, events = run_action(ActionExtractPlanFacts(), tracker)
    assert slots_set(events)["plan_start"] == "2026-07-12"  # US clinic: month first
    assert "Sunday 12 July 2026" in messages[0]["text"]


def test_a_negative_weight_is_refused_and_nothing_is_set():
    tracker = tracker_for("he weighs -30 kg", "inform_plan_facts", active_loop="plan_form",
                          slots={"requested_slot": "weight_kg"})
    messages, events = run_action(ActionExtractPlanFacts(), tracker)
    assert "more than zero" in messages[0]["text"] and "weight_kg" not in slots_set(events)


def test_a_changed_fact_must_be_confirmed_again():
    tracker = tracker_for("that's wrong, it was the 8th", "inform_plan_facts", slots=PLAN)
    _, events = run_action(ActionExtractPlanFacts(), tracker)
    assert slots_set(events) == {"plan_start": "2026-12-08", "plan_confirmed": None}


def test_a_red_flag_never_fills_the_form():
    tracker = tracker_for("I had a seizure yesterday", "red_flag", active_loop="plan_form",
                          slots={"requested_slot": "plan_start"})
    assert run_action(ActionExtractPlanFacts(), tracker) == ([], [])


def required(**slots):
    tracker = tracker_for("", "inform_plan_facts", slots=slots)
    return asyncio.run(ValidatePlanForm().required_slots([], CollectingDispatcher(), tracker, {}))


def test_weight_and_height_are_asked_only_for_a_small_patient():
    assert required(indication="relapsed-refractory") == ["indication", "plan_start", "plan_cycle", "plan_confirmed"]
    assert "height_cm" in required(indication="relapsed-refractory", weight_kg=30)  # under 45 kg
    assert "weight_kg" in required(small_patient=True)
    assert "weight_kg" not in required(indication="relapsed-refractory", weight_kg=70)


def test_no_at_the_confirmation_starts_again():
    result = ValidatePlanForm().validate_plan_confirmed(False, CollectingDispatcher(), tracker_for("no", "deny"), {})
    assert result["plan_start"] is None and result["indication"] is None and result["plan_confirmed"] is None


def test_yes_with_a_changed_fact_is_not_a_confirmation():
    candidates = [{"event": "user", "text": "yes, but it started on the 8th"},
                  {"event": "slot", "name": "plan_start", "value": "2026-12-08"},
                  {"event": "slot", "name": "plan_confirmed", "value": True},
                  {"event": "action", "name": "plan_form"},
                  {"event": "slot", "name": "plan_confirmed", "value": True}]
    tracker = tracker_for("yes, but it started on the 8th", "affirm", active_loop="plan_form", events=candidates)
    result = ValidatePlanForm().validate_plan_confirmed(True, CollectingDispatcher(), tracker, {})
    assert result == {"plan_confirmed": None}


def test_a_confirmed_plan_stays_confirmed_when_the_form_starts_again():
    # A new personal question: the form re-checks the facts it already has, after its own action event.
    events = [{"event": "user", "text": "when do I go home?"},
              {"event": "slot", "name": "plan_question", "value": "ask_plan_discharge"},
              {"event": "action", "name": "plan_form"},
              {"event": "slot", "name": "plan_start", "value": "2026-12-07"},
              {"event": "slot", "name": "plan_confirmed", "value": True}]
    tracker = tracker_for("when do I go home?", "ask_plan_discharge", active_loop="plan_form", events=events)
    assert ValidatePlanForm().validate_plan_confirmed(True, CollectingDispatcher(), tracker, {}) == {
        "plan_confirmed": True}


def test_a_cycle_beyond_the_regimen_is_refused():
    dispatcher = CollectingDispatcher()
    result = ValidatePlanForm().validate_plan_cycle(7, dispatcher, tracker_for("cycle 7", "inform_plan_facts",
                                                                              slots={"indication": "mrd-positive"}), {})
    assert result == {"plan_cycle": None} and "at most 4" in dispatcher.messages[0]["text"]


def test_the_confirmation_repeats_the_facts_with_weekdays():
    messages, _ = run_action(ActionAskPlanConfirmed(), tracker_for("", "ask_plan_dose", slots=PLAN))
    assert "Monday 7 December 2026" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/affirm", "/deny"]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("ask_plan_step_up", ["Monday 14 December 2026", "9 to 28 mcg/day"]),
        ("ask_plan_dose", ["Thursday 10 December 2026", "cycle 1, day 4", "9 mcg/day"]),
        ("ask_plan_bag_change", ["Friday 11 December 2026", "Monday 14 December 2026"]),
        ("ask_plan_discharge", ["Tuesday 15 December 2026", "Wednesday 16 December 2026"]),
        ("ask_plan_break", ["Monday 4 January 2027"]),
        ("ask_plan_last_infusion", ["Sunday 3 January 2027"]),
        ("ask_plan_next_cycle", ["Cycle 2 starts on Monday 18 January 2027"]),
        ("ask_plan_bloods", ["Thursday 14 January 2027", "Sunday 17 January 2027"]),
        ("ask_plan_premedication", ["Monday 14 December 2026", "dexamethasone"]),
    ],
)
def test_personal_answers_name_the_dates_and_cite_the_protocol(question, expected):
    text = ask(question)
    for fragment in expected:
        assert fragment in text
    assert "care team's own plan is final" in text
    assert text.splitlines()[-1].startswith("Source: clinical-protocol")


def test_mrd_positive_has_no_step_up():
    assert "doesn't step up: it is 28 mcg/day" in ask("ask_plan_step_up", indication="mrd-positive")


def test_under_45_kg_the_dose_follows_body_surface_area():
    # Mosteller: sqrt(130 cm x 30 kg / 3600) = 1.04 m2; 5 mcg/m2/day x 1.04 = 5.2 mcg/day (cap 9)
    text = ask("ask_plan_dose", weight_kg=30, height_cm=130)
    assert "5.2 mcg/day" in text and "prescribing-information" in text


def test_a_long_interruption_is_discontinued_by_the_protocol():
    # 15 days is more than the protocol's 14: treatment stops permanently
    text = ask("ask_plan_interruption", interruptions=["2026-12-08:15"])
    assert "stops the treatment permanently" in text


def test_the_whole_plan_week_by_week():
    text = ask("ask_plan_summary")
    assert "Monday 7 December 2026 to Sunday 13 December 2026" in text
    assert "bag changes Mon 7, Fri 11" in text


# --- facts from statements, the subject from the question (issue: the question's own words) -------

def extract(text, intent, **slots):
    return slots_set(run_action(ActionExtractPlanFacts(), tracker_for(text, intent, slots=slots))[1])


def test_the_cycle_a_question_asks_about_is_not_taken_as_the_cycle_that_started():
    found = extract("My first blincyto cycle started on 7 December 2026 for relapsed ALL. "
                    "When does my second cycle start?", "ask_plan_next_cycle")
    assert found["plan_start"] == "2026-12-07" and found["plan_cycle"] == 1
    assert found["plan_question_cycle"] == 2 and found["plan_question"] == "ask_plan_next_cycle"


def test_started_blincyto_means_cycle_1():
    found = extract("I started blincyto for relapsed leukaemia on 7 December 2026, when does the dose go up?",
                    "ask_plan_step_up")
    assert (found["plan_start"], found["plan_cycle"]) == ("2026-12-07", 1)


def test_a_day_of_a_cycle_gives_that_cycles_start():
    # Today is Thursday 10 December: day 5 of cycle 2 means cycle 2 started on Sunday 6 December.
    found = extract("I'm on day 5 of cycle 2, when is my next bag change?", "ask_plan_bag_change")
    assert (found["plan_start"], found["plan_cycle"]) == ("2026-12-06", 2)


def test_a_named_cycle_in_the_form_is_not_overridden_by_started():
    found = extract("it started on the 7th", "inform_plan_facts", plan_cycle=2)
    assert found["plan_start"] == "2026-12-07" and "plan_cycle" not in found


def test_facts_and_a_question_classified_as_facts_still_wait_for_the_question():
    found = extract("MRD-positive, started my first cycle on 9 Nov 2026. when does cycle 2 start?", "inform_plan_facts")
    assert found["plan_question"] == "ask_plan_next_cycle" and found["plan_question_cycle"] == 2


@pytest.mark.parametrize("question,cycle,expected", [
    ("ask_plan_next_cycle", 2, "Cycle 2 starts on Monday 18 January 2027"),
    # 7 Dec + 42 + 42 days: cycle 3, consolidation, which the care team decides
    ("ask_plan_next_cycle", 3, "Cycle 3 starts on Monday 1 March 2027. Cycles after the first 2 are consolidation"),
    ("ask_plan_bloods", 2, "between Thursday 14 January 2027 and Sunday 17 January 2027"),
    # cycle 2 runs 28 days from 18 January: last infusion Sunday 14 February, break from Monday 15 February
    ("ask_plan_last_infusion", 2, "The last infusion day of cycle 2 is Sunday 14 February 2027"),
    ("ask_plan_break", 2, "Monday 15 February 2027"),
    # later cycles have no 9 mcg week: 28 mcg/day from day 1 (protocol, regimen details)
    ("ask_plan_dose", 2, "28 mcg/day"),
])
def test_a_question_about_a_later_cycle_is_answered_for_that_cycle(question, cycle, expected):
    assert expected in ask(question, plan_question_cycle=cycle)


def test_a_cycle_beyond_the_protocol_gets_the_protocols_limit():
    text = ask("ask_plan_next_cycle", plan_question_cycle=6)
    assert "at most 5 cycles" in text and "complete remission" in text  # protocol: 2, then up to 3 more


def test_a_start_and_an_interruption_in_one_message_are_both_kept():
    text = "relapsed ALL, my first cycle started 30 November. They stopped it on the 3rd of December for 2 days."
    tracker = tracker_for(text, "inform_plan_facts")
    _, events = run_action(ActionExtractPlanFacts(), tracker)
    facts = slots_set(events)
    assert (facts["plan_start"], facts["plan_cycle"], facts["interruptions"]) == ("2026-11-30", 1, ["2026-12-03:2"])


def test_the_next_cycle_after_the_last_planned_one_is_worked_out():
    # MRD-positive plans 1 cycle; asked for the next one: cycle 2 starts 7 December 2026 + 42 days,
    # Monday 18 January 2027 (a consolidation cycle, which the care team decides).
    text = ask("ask_plan_next_cycle", indication="mrd-positive")
    assert "Cycle 2 starts on Monday 18 January 2027" in text


def test_a_child_said_to_weigh_45_kg_or_more_is_not_asked_for_a_height():
    from actions.plan_form import needs_body_size

    said_small = {"indication": "ph-positive", "small_patient": True}
    assert not needs_body_size(tracker_for("my son", "inform_plan_facts", slots={**said_small, "weight_kg": 70}))
    assert needs_body_size(tracker_for("my son", "inform_plan_facts", slots={**said_small, "weight_kg": 30}))
    assert needs_body_size(tracker_for("my son", "inform_plan_facts", slots=said_small))


def test_a_childs_height_is_asked_only_when_the_answer_gives_a_dose():
    from actions.plan_form import needs_body_size

    child = {"indication": "relapsed-refractory", "small_patient": True, "weight_kg": 20}
    assert not needs_body_size(tracker_for("when is cycle 2?", "ask_plan_next_cycle",
                                           slots={**child, "plan_question": "ask_plan_next_cycle"}))
    assert needs_body_size(tracker_for("what dose is he on?", "ask_plan_dose",
                                       slots={**child, "plan_question": "ask_plan_dose"}))


def test_only_a_start_said_as_one_makes_a_general_question_personal():
    from actions.plan_form import states_own_plan

    bloods = "validity window for FBC / U+Es / LFTs before C1? pt had them done 10 days ago"
    assert states_own_plan(bloods, tracker_for(bloods, "ask_blood_tests")) is None
    started = "my husband started blina on 10 november, when do his bloods need doing before cycle 2?"
    question, facts = states_own_plan(started, tracker_for(started, "ask_blood_tests"))
    assert question == "ask_plan_bloods" and facts["plan_start"].endswith("-11-10")


def test_a_bag_hung_with_its_length_is_answered_from_that_bag_without_the_form():
    from actions.answers import ActionAnswerQuestion

    text = "The nurse put a new 48-hour bag up on Friday 26 February 2027 in the morning. What day will the next bag change be?"
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(text, "ask_plan_bag_change"))
    assert slots_set(events)["plan_personal"] is False and "plan_question" not in slots_set(events)
    messages, _ = run_action(ActionAnswerQuestion(), tracker_for(text, "ask_bag_change"))
    answer = messages[0]["text"]
    assert "due to be changed on the morning of Sunday 28 February 2027" in answer  # Friday + 48 hours
    assert "within 4 hours" in answer  # clinical-protocol, Administration
    assert answer.splitlines()[-1] == "Source: prescribing-information, Infusion bags; clinical-protocol, Administration"


@pytest.mark.parametrize("told, hung_on, hours", [
    ("the nurse put a 48 hour bag on my wife's pump this morning (10 july 2026). what day is the next bag change",
     dt.date(2026, 7, 10), 48),
    ("The nurse put a new 48-hour bag up on Friday 26 February 2027. What day will the next bag change be?",
     dt.date(2027, 2, 26), 48),
])
def test_a_bag_hung_is_read_however_the_carer_tells_it(told, hung_on, hours):
    from actions.told_events import BagHung, find_bag_hung

    assert find_bag_hung(told, dt.date(2026, 7, 10)) == BagHung(hung_on, hours)
    assert find_bag_hung("the nurse put the bag in the fridge on 10 july 2026. when is the next bag change",
                         dt.date(2026, 7, 10)) is None


def test_a_bag_question_without_a_bag_hung_keeps_the_general_answer():
    from actions.answers import ActionAnswerQuestion

    messages, _ = run_action(ActionAnswerQuestion(), tracker_for("is a 48 hour bag changed at the weekend?",
                                                                 "ask_bag_change"))
    assert "due to be changed" not in messages[0]["text"] and "weekends" in messages[0]["text"]


def test_a_cycle_that_starts_on_a_day_told_is_the_patients_own():
    from actions.plan_form import states_own_plan

    text = "My second cycle of blinatumomab for relapsed ALL starts on 8 March 2027. Until what date am I expected to stay in hospital?"
    assert states_own_plan(text, tracker_for(text, "ask_hospital_stay")) == (
        "ask_plan_discharge", {"plan_start": "2027-03-08", "plan_cycle": 2})


@pytest.mark.parametrize("question, rule", [
    ("ask_plan_discharge", "The protocol plans the first 9 days of cycle 1 in hospital."),
    ("ask_plan_last_infusion", "Sunday 3 January 2027, after 28 days of continuous infusion"),
    ("ask_plan_next_cycle", "Each cycle is 42 days: 28 days of continuous infusion, then 14 days without treatment."),
])
def test_a_personal_date_comes_with_the_rule_it_follows(question, rule):
    assert rule in ask(question)


def test_a_childs_dose_on_the_day_asked_comes_with_its_step_up():
    # Mosteller: sqrt(120 cm x 30 kg / 3600) = 1.0 m2; day 8 = Monday 8 March 2027: 15 x 1.0 = 15 mcg/day (from 5)
    text = ("our Maisie (she's 7) has relapsed ALL and is starting her first cycle of blinatumomab on Monday 1st "
            "March 2027. she was 120cm and 30kg. what dose will she be on from day 8 and which date is day 8??")
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(text, "ask_plan_dose"))
    facts = slots_set(events)
    assert facts["plan_question_date"] == "2027-03-08" and facts["plan_start"] == "2027-03-01"
    answer = ask("ask_plan_dose", plan_start="2027-03-01", plan_question_date="2027-03-08", weight_kg=30.0,
                 height_cm=120.0)
    assert "On Monday 8 March 2027 (cycle 1, day 8) the dose is 15 mcg/day" in answer
    assert "the dose goes up from 5 to 15 mcg/day" in answer


def test_a_stop_told_by_two_dates_moves_the_end_of_the_infusion(monkeypatch):
    monkeypatch.setenv("BLINA_TODAY", "2027-02-18")
    # Start Monday 1 February 2027; stopped 15 Feb, restarted 18 Feb: 3 days off, so day 28 moves from
    # Sunday 28 February to Wednesday 3 March 2027.
    text = ("I'm on cycle 1 of blinatumomab for relapsed ALL. It started on the morning of Monday 1 February 2027. "
            "The infusion was stopped on the morning of Monday 15 February, and it was restarted on the morning of "
            "Thursday 18 February. On what date will my infusion now finish?")
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(text, "ask_plan_last_infusion"))
    assert slots_set(events)["interruptions"] == ["2027-02-15:3"]
    answer = ask("ask_plan_last_infusion", plan_start="2027-02-01", interruptions=["2027-02-15:3"])
    assert "The last infusion day of cycle 1 is Wednesday 3 March 2027" in answer


def test_a_restart_after_a_toxicity_is_answered_with_the_day_the_dose_goes_back_up(monkeypatch):
    from actions.answers import ActionAnswerQuestion

    monkeypatch.setenv("BLINA_TODAY", "2027-01-23")
    text = "pt had G3 CRS, blina restarted at 9 mcg/day on 20 Jan 2027 and no recurrence so far - what date can we escalate to 28?"
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(text, "ask_plan_step_up"))
    assert slots_set(events)["plan_personal"] is False
    messages, _ = run_action(ActionAnswerQuestion(), tracker_for(text, "ask_dose_modifications"))
    answer = messages[0]["text"]
    assert "gives 9 mcg/day for 7 days, then escalates to 28 mcg/day" in answer
    assert "the dose would go up on Wednesday 27 January 2027" in answer  # 20 January + 7 days
    assert answer.splitlines()[-1] == "Source: clinical-protocol, Dose modifications"
    general = "after grade 3 CRS, when does the dose go back up?"  # no restart day told: the rule itself
    messages, _ = run_action(ActionAnswerQuestion(), tracker_for(general, "ask_dose_modifications"))
    assert "would go up on" not in messages[0]["text"]


def test_a_question_every_type_answers_alike_does_not_ask_the_type():
    # Both regimens infuse 28 days a cycle: cycle 2 from Monday 7 December 2026 ends on day 28, Sunday 3 January 2027.
    alike = {"plan_question": "ask_plan_last_infusion", "plan_start": "2026-12-07", "plan_cycle": 2}
    assert required(**alike) == ["plan_start", "plan_cycle", "plan_confirmed"]
    answer = ask("ask_plan_last_infusion", **{**alike, "indication": None})
    assert "The last infusion day of cycle 2 is Sunday 3 January 2027" in answer
    assert "clinical-protocol, Cycle frequency" in answer and "prescribing-information, MRD-positive B-ALL" in answer
    # Cycle 1's hospital stay differs (9 days relapsed/refractory, 3 days MRD-positive): the type is asked.
    assert required(**{**alike, "plan_question": "ask_plan_discharge", "plan_cycle": 1})[0] == "indication"


def test_a_childs_doses_come_with_their_rule_per_square_metre():
    # Mosteller: sqrt(120 cm x 30 kg / 3600) = 1.00 m2; 5 then 15 mcg/m2/day give 5 then 15 mcg/day (caps 9, 28).
    answer = ask("ask_plan_step_up", weight_kg=30.0, height_cm=120.0)
    assert "Your dose goes up on Monday 14 December 2026: the dose goes up from 5 to 15 mcg/day." in answer
    assert "each dose comes from body surface area: 5 then 15 mcg/m²/day for 1.00 m²" in answer
    assert "body surface area" not in ask("ask_plan_step_up")  # an adult's flat doses have no such rule


def test_a_stop_of_more_than_7_days_starts_a_new_cycle_and_the_answer_says_so():
    # Stopped Wednesday 9 December for 10 days: more than the protocol's 7, so a new cycle starts on the restart
    # day, Saturday 19 December 2026, and its 28th infusion day is Friday 15 January 2027.
    answer = ask("ask_plan_last_infusion", interruptions=["2026-12-09:10"])
    assert "for 10 days: more than 7 days, so a new cycle (cycle 2) starts on the restart day, Saturday 19 December 2026" in answer
    assert "The last infusion day of cycle 2 is Friday 15 January 2027, after 28 days of continuous infusion" in answer


@pytest.mark.parametrize("today, text, facts", [
    # A relative clause tells the start; it does not ask.
    ("2027-06-21", "I am on my second cycle for relapsed ALL, which started on the morning of Monday 7 June 2027. "
                   "The infusion was stopped on Thursday 17 June and restarted on Monday 21 June 2027. On what date "
                   "will this cycle's infusion finish?",
     {"plan_start": "2027-06-07", "plan_cycle": 2, "interruptions": ["2027-06-17:4"]}),
    # "Off from ... until ...": 10 to 13 April is 3 days without infusion.
    ("2027-04-14", "My wife's 2nd cycle (relapsed ALL) started on Thursday 1 April 2027. The infusion was off from "
                   "Saturday 10 April until Tuesday 13 April. When does the infusion end now?",
     {"plan_start": "2027-04-01", "plan_cycle": 2, "interruptions": ["2027-04-10:3"]}),
    # Off for 2 days and back on today, Friday 12 February: it stopped on Wednesday 10 February.
    ("2027-02-12", "His first blina cycle started on Monday 1 February 2027, then it was off for 2 days and went "
                   "back on today, Friday 12 February. When is his last infusion day now?",
     {"plan_start": "2027-02-01", "plan_cycle": 1, "interruptions": ["2027-02-10:2"]}),
])
def test_a_stop_told_in_carers_words_is_read_with_its_days(monkeypatch, today, text, facts):
    monkeypatch.setenv("BLINA_TODAY", today)
    _, events = run_action(ActionExtractPlanFacts(), tracker_for(text, "ask_plan_last_infusion"))
    found = slots_set(events)
    assert {slot: found.get(slot) for slot in facts} == facts


def test_a_childs_step_up_date_needs_no_height_and_gives_the_doses_per_square_metre():
    # Cycle 1 from Monday 7 December 2026: the step-up is day 8, Monday 14 December; under 45 kg the
    # prescribing information doses 5 then 15 mcg/m2/day, which needs the height to turn into mcg/day.
    slots = {"indication": "relapsed-refractory", "weight_kg": 20.0, "plan_question": "ask_plan_step_up"}
    assert "height_cm" not in required(**slots)
    answer = ask("ask_plan_step_up", weight_kg=20.0)
    assert "Your dose goes up on Monday 14 December 2026. Under 45 kg the dose comes from body surface area: " \
           "5 then 15 mcg/m²/day" in answer
    assert "9" not in answer.split("Source:")[0]  # never an adult's 9 or 28 mcg/day for a child


def test_on_a_cycles_first_morning_the_bag_change_asked_about_is_the_one_after_its_first_bag(monkeypatch):
    monkeypatch.setenv("BLINA_TODAY", "2026-12-07")  # cycle 1's first morning: its first bag goes up (docstring)
    answer = ask("ask_plan_bag_change")
    assert ("The first bag goes up on the morning of Monday 7 December 2026, when the cycle starts; the first bag "
            "change after it is on the morning of Friday 11 December 2026.") in answer
    assert "within 4 hours of the planned time" in answer  # protocol: changed within 4 hours of the planned time


def test_a_numeric_date_plausible_only_the_other_way_round_is_read_so_and_said_back(monkeypatch):
    from actions.plan_form import read_plan_facts

    monkeypatch.setenv("BLINA_TODAY", "2027-04-20")
    # Month first (the clinic's order), 12/04/2027 is 4 December 2027: more than the clinic's 120 days ahead.
    told = "pt R/R ALL, C2 D1 was 12/04/2027, no interruptions. date for C3 D1?"
    facts = read_plan_facts(told, tracker_for(told, "ask_plan_next_cycle"), "ask_plan_next_cycle")
    assert facts["plan_start"] == "2027-04-12" and facts["_ambiguous"] == dt.date(2027, 4, 12)
    assert facts["plan_cycle"] == 2 and facts["plan_question_cycle"] == 3 and "plan_question_date" not in facts
    monkeypatch.setenv("BLINA_TODAY", "2027-11-20")  # now both are plausible: the clinic's order wins
    assert read_plan_facts(told, tracker_for(told, "ask_plan_next_cycle"), "ask_plan_next_cycle")[
        "plan_start"] == "2027-12-04"


def test_a_cycle_that_begins_on_a_day_is_a_start_told(monkeypatch):
    from actions.plan_form import states_own_plan

    monkeypatch.setenv("BLINA_TODAY", "2026-12-02")
    told = "My second cycle of blina for relapsed ALL begins on Monday 14 December 2026. What date will it finish?"
    question, facts = states_own_plan(told, tracker_for(told, "ask_cycles"))
    assert question == "ask_plan_last_infusion" and facts == {"plan_start": "2026-12-14", "plan_cycle": 2}
