"""End to end: personal-plan conversations through the REST channel on the real servers, with
today fixed to Thursday 10 December 2026 (conftest.E2E_TODAY).

Hand-worked from the protocol (relapsed/refractory, cycle 1 starting Monday 7 December 2026):
9 mcg/day on days 1-7, 28 mcg/day from day 8 = Monday 14 December; in hospital for the first 9
days (7-15 December), home from Wednesday 16 December; the first bag runs at most 96 hours, so
the bag started on Monday 7 is changed on Friday 11 December."""
import uuid

import pytest

from tests.test_e2e_rest import say, texts

pytestmark = pytest.mark.slow


def conversation(servers):
    sender = uuid.uuid4().hex
    return lambda text: texts(say(servers, text, sender))


def test_everything_in_one_message_is_confirmed_then_answered(servers):
    chat = conversation(servers)
    confirm = chat("My ALL relapsed and I started my first cycle on 7 December 2026. When will my dose go up?")
    assert "Monday 7 December 2026" in confirm and "Is that right?" in confirm
    assert "14 December" not in confirm  # nothing is answered before the patient confirms
    answer = chat("yes")
    assert "Monday 14 December 2026" in answer
    assert "Source: clinical-protocol" in answer and "care team" in answer


def test_one_fact_at_a_time_gives_the_same_dates(servers):
    chat = conversation(servers)
    assert "which type of leukaemia" in chat("when is my next bag change?").lower()
    assert "date" in chat('/inform_indication{"indication": "relapsed-refractory"}').lower()
    assert "Which cycle started on Monday 7 December 2026" in chat("it started last Monday")
    assert "Is that right?" in chat("cycle 1")
    answer = chat("yes")
    assert "Friday 11 December 2026" in answer


def test_follow_up_questions_reuse_the_plan_and_a_correction_is_confirmed_again(servers):
    chat = conversation(servers)
    chat("My ALL relapsed and I started my first cycle on 7 December 2026. When will my dose go up?")
    chat("yes")
    home = chat("when do I go home from hospital?")
    assert "Tuesday 15 December 2026" in home and "Wednesday 16 December 2026" in home
    dose = chat("what dose am I on today?")
    assert "9 mcg/day" in dose and "cycle 1, day 4" in dose
    reconfirm = chat("that's wrong, it was the 8th")
    assert "Tuesday 8 December 2026" in reconfirm and "Is that right?" in reconfirm
    assert "cycle 1, day 3" in chat("yes")  # the waiting question (today's dose), from the 8th
    assert "Tuesday 15 December 2026" in chat("when does my dose go up?")  # day 8 from the 8th


def test_an_interruption_for_a_reaction_restarts_low_and_extends_the_cycle(servers):
    chat = conversation(servers)
    chat("My ALL relapsed and I started my first cycle on 7 December 2026. When will my dose go up?")
    chat("yes")
    # Stopped on day 2 (8 Dec) for 5 days: restart Sunday 13 December at the restart dose; 1 infusion
    # day before + 27 after = 28, so cycle 1's last infusion moves to Friday 8 January 2027.
    reconfirm = chat("it was stopped on 8 December for 5 days because of a reaction, what happens now?")
    assert "because of a side effect" in reconfirm
    answer = chat("yes")
    assert "Sunday 13 December 2026" in answer and "Friday 8 January 2027" in answer


def test_an_impossible_date_is_refused_with_a_reason(servers):
    chat = conversation(servers)
    chat("when is my next bag change?")
    chat('/inform_indication{"indication": "mrd-positive"}')
    assert "there is no day 31 in February" in chat("it started on 31 February 2026")


def test_start_again_forgets_the_details(servers):
    chat = conversation(servers)
    chat("My ALL relapsed and I started my first cycle on 7 December 2026. When will my dose go up?")
    chat("yes")
    assert "forgotten" in chat("start again, forget my details")
    assert "which type of leukaemia" in chat("when is my next bag change?").lower()


def test_a_red_flag_during_triage_is_escalated_and_listed_as_an_emergency(servers):
    from triage.summaries import TriageStore

    sender = uuid.uuid4().hex
    say(servers, "I have a video appointment tomorrow, can we do the pre-visit check?", sender)
    reply = say(servers, "my wife can't breathe properly", sender)
    assert any(m.get("custom", {}).get("urgency") == "emergency" for m in reply)
    stored = [s for s in TriageStore(servers.triage_path).recent() if s.sender_id == sender]
    assert stored and stored[0].urgency == "emergency"


def test_a_triage_ends_with_a_stored_summary(servers):
    from triage.summaries import TriageStore

    sender = uuid.uuid4().hex
    for text in ["pre-visit check please", "cycle 1 day 12", "I've had a fever and a headache",
                 "mild", "none", "can I shower with the line?"]:
        reply = say(servers, text, sender)
    assert "call the clinic today" in texts(reply)  # fever is a sign of cytokine release syndrome
    stored = [s for s in TriageStore(servers.triage_path).recent() if s.sender_id == sender]
    assert stored[0].urgency == "today" and stored[0].treatment_day == "cycle 1 day 12"


def test_the_question_names_the_cycle_asked_about_not_the_one_that_started(servers):
    # Cycle 1 from Monday 7 December 2026: cycle 2 starts 42 days later, Monday 18 January 2027, and
    # its bloods are within 96 hours before it: Thursday 14 to Sunday 17 January.
    chat = conversation(servers)
    confirm = chat("My first blincyto cycle started on 7 December 2026 for relapsed ALL. When does my second cycle start?")
    assert "cycle 1 starts (or started) on Monday 7 December 2026" in confirm
    assert "Relapsed or refractory B-cell ALL" in confirm  # the label as the clinic writes it
    assert "Cycle 2 starts on Monday 18 January 2027" in chat("yes")
    bloods = chat("by when do I need bloods before cycle 2?")
    assert "Thursday 14 January 2027" in bloods and "Sunday 17 January 2027" in bloods
    # Cycle 3: 18 January + 42 days = Monday 1 March 2027, so its bloods are Thursday 25 to Sunday 28
    # February; it is consolidation, which the care team decides.
    third = chat("what about cycle 3?")
    assert "Thursday 25 February 2027" in third and "Sunday 28 February 2027" in third
    start = chat("and when does my third cycle start?")
    assert "Cycle 3 starts on Monday 1 March 2027" in start and "care team decides" in start
    # The one after cycle 3: 1 March + 42 days = Monday 12 April 2027.
    assert "Cycle 4 starts on Monday 12 April 2027" in chat("and the one after?")


def test_an_interruption_reported_later_is_said_back_and_changes_the_plan(servers):
    # Cycle 1 from Monday 7 December 2026, stopped on Thursday 10 December for 5 days: 3 infusion days,
    # restart Tuesday 15 December, 25 more days to Friday 8 January 2027; the cycle's 42 days end 5
    # days late, on Friday 22 January, so cycle 2 starts on Saturday 23 January 2027.
    chat = conversation(servers)
    chat("My first blincyto cycle for relapsed ALL started on 7 December 2026. When does my second cycle start?")
    assert "Monday 18 January 2027" in chat("yes")
    confirm = chat("they stopped it on the 10th of december for 5 days")
    assert "cycle 1 starts (or started) on Monday 7 December 2026" in confirm
    assert "Thursday 10 December 2026" in confirm and "5 days" in confirm
    changed = chat("yes")
    assert "Cycle 1: last infusion Friday 8 January 2027" in changed
    assert "Cycle 2 starts on Saturday 23 January 2027" in chat("when does cycle 2 start now?")
