"""actions/safety.py: the emergency answer."""
import pytest

from actions.safety import ActionRedFlag
from tests.trackers import run_action, tracker_for

pytestmark = pytest.mark.usefixtures("built_knowledge")


def test_a_red_flag_calls_the_emergency_number_first():
    messages, events = run_action(ActionRedFlag(), tracker_for("he's having a fit", "red_flag"))
    text = messages[0]["text"]
    assert text.index("911") < text.index("469-391-0070")
    assert messages[0]["custom"] == {"urgency": "emergency"}
    assert events == []


def test_a_red_flag_stops_a_form_in_progress():
    tracker = tracker_for("I can't breathe", "red_flag", active_loop="plan_form")
    _, events = run_action(ActionRedFlag(), tracker)
    assert {"event": "active_loop", "timestamp": None, "name": None} in events


def test_a_red_flag_during_triage_is_stored_as_an_emergency(tmp_path, monkeypatch):
    from triage.summaries import TriageStore

    monkeypatch.setenv("BLINA_TRIAGE_DB", str(tmp_path / "triage.db"))
    run_action(ActionRedFlag(), tracker_for("I can't breathe", "red_flag", active_loop="triage_form"))
    [stored] = TriageStore(tmp_path / "triage.db").recent()
    assert stored.urgency == "emergency" and "trouble breathing" in stored.reason


def test_a_pump_problem_gets_the_urgent_answer_and_tier():
    messages, _ = run_action(ActionRedFlag(), tracker_for("the pump is alarming and the line is leaking", "red_flag"))
    assert messages[0]["text"].startswith("Call the clinic now on 469-391-0070")
    assert messages[0]["custom"] == {"urgency": "urgent"}


def test_staff_relaying_a_caller_get_a_note_for_the_caller_not_the_patient_script():
    tracker = tracker_for("caller says her husband is having a seizure right now", "red_flag",
                          metadata={"audience": "staff"})
    text = run_action(ActionRedFlag(), tracker)[0][0]["text"]
    assert text.startswith("The caller describes a red flag now: a seizure (fit)")
    assert "Tell them to call 911 now" in text and "Please don't wait for a reply here" not in text
