"""actions/plan_form.py and actions/plan_answers.py, with today fixed to Thursday 10 December 2026.

Hand-worked (relapsed/refractory, cycle 1 from Monday 7 December 2026, US clinic): 9 mcg/day on
days 1-7, step-up to 28 on day 8 = Monday 14 December; bags: Mon 7, Fri 11 (96 hours), Mon 14
(dose change), Fri 18; 28 infusion days end Sunday 3 January 2027; 14 days off from Monday 4 January;
cycle 2 on Monday 18 January 2027, its bloods within 96 hours: Thursday 14 to Sunday 17 January."""
import asyncio

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
                                 "plan_start": "2026-12-07", "plan_cycle": 1}
    assert messages == []


def test_a_day_asked_about_is_not_taken_as_the_start():
    _, events = run_action(ActionExtractPlanFacts(), tracker_for("what dose am I on on Friday?", "ask_plan_dose"))
    assert slots_set(events) == {"plan_question": "ask_plan_dose", "plan_question_date": "2026-12-11"}


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
