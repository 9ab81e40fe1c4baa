"""actions/answers.py: knowledge answers through a rasa_sdk Tracker and CollectingDispatcher."""
import pytest

from actions.answers import ActionAnswerQuestion, ActionReportSymptom
from tests.trackers import entity, run_action, tracker_for

pytestmark = pytest.mark.usefixtures("built_knowledge")


def only_text(messages):
    assert len(messages) == 1
    return messages[0]["text"]


def test_a_question_is_answered_with_its_source_last():
    messages, events = run_action(ActionAnswerQuestion(), tracker_for("how much is it", "ask_cost"))
    text = only_text(messages)
    assert "178,000" in text  # patient page: about $178,000 for a 30-day supply
    assert text.splitlines()[-1].startswith("Source: patient-information-page")
    assert {"event": "slot", "timestamp": None, "name": "last_topic", "value": "cost"} in events


def test_dosing_without_an_indication_offers_each_and_three_buttons():
    messages, _ = run_action(ActionAnswerQuestion(), tracker_for("what's the dose", "ask_dosing"))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == [
        '/inform_indication{"indication":"relapsed-refractory"}',
        '/inform_indication{"indication":"ph-positive"}',
        '/inform_indication{"indication":"mrd-positive"}',
    ]


def test_a_named_indication_in_lay_words_narrows_the_answer():
    tracker = tracker_for("dose for MRD?", "ask_dosing", entities=[entity("indication", "MRD")])
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    assert "28" in only_text(messages) and not messages[0]["buttons"]  # 28 mcg/day, days 1-28
    assert {"event": "slot", "timestamp": None, "name": "indication", "value": "mrd-positive"} in events


def test_another_indication_unconfirms_a_confirmed_plan():
    tracker = tracker_for("dose for MRD?", "ask_dosing", entities=[entity("indication", "MRD")],
                          slots={"indication": "relapsed-refractory", "plan_confirmed": True})
    _, events = run_action(ActionAnswerQuestion(), tracker)
    assert {"event": "slot", "timestamp": None, "name": "plan_confirmed", "value": None} in events


def test_the_same_indication_keeps_the_plan_confirmed():
    tracker = tracker_for("dose for MRD?", "ask_dosing", entities=[entity("indication", "MRD")],
                          slots={"indication": "mrd-positive", "plan_confirmed": True})
    _, events = run_action(ActionAnswerQuestion(), tracker)
    assert not [e for e in events if e["name"] == "plan_confirmed"]


def test_choosing_the_indication_answers_the_pending_topic():
    tracker = tracker_for("/inform_indication", "inform_indication",
                          entities=[entity("indication", "mrd-positive")], slots={"last_topic": "dosing"})
    messages, _ = run_action(ActionAnswerQuestion(), tracker)
    assert "28" in only_text(messages) and "Source:" in messages[0]["text"]


def test_staff_get_protocol_detail_patients_do_not():
    staff, _ = run_action(ActionAnswerQuestion(),
                          tracker_for("blood limits", "ask_blood_limits", metadata={"audience": "staff"}))
    patient, _ = run_action(ActionAnswerQuestion(), tracker_for("blood limits", "ask_blood_limits"))
    assert "100" in staff[0]["text"]  # platelets > 100 x 10^9/L (protocol, staff detail)
    assert staff[0]["text"] != patient[0]["text"]


def test_a_symptom_report_says_contact_the_care_team_and_cites():
    tracker = tracker_for("I've got a headache", "report_symptom", entities=[entity("side_effect", "headache")])
    text = only_text(run_action(ActionReportSymptom(), tracker)[0])
    assert "469-391-0070" in text and "Source:" in text


def test_a_broken_knowledge_base_gives_a_clear_message_not_silence(monkeypatch):
    import actions.answers

    def broken(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(actions.answers, "compose_answer", broken)
    text = only_text(run_action(ActionAnswerQuestion(), tracker_for("cost?", "ask_cost"))[0])
    assert "can't look that up" in text and "469-391-0070" in text
