"""assistant/nlu_components.py: the follow-up and red-flag overrides that run after the classifier."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from assistant.nlu_components import FollowUpClassifier, RedFlagClassifier, RequestClassifier, follow_up_question


def parsed(text, intent, ranking, metadata=None):
    message = Message(data={"text": text, "metadata": metadata or {}})
    message.set("intent", {"name": intent, "confidence": ranking[0][1]})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return message


@pytest.mark.parametrize("text,intent,follows", [
    ("and after that?", "thank", True),
    ("neuts?", "affirm", True),
    ("dex on restart?", "restart_plan", True),
    ("and the NICE TA?", "thank", True),
    ("thanks", "thank", False),
    ("yes", "affirm", False),
    ("start again?", "restart_plan", False),  # a real request to start the plan again
    ("hello there", "greet", False),
    ("who are you?", "bot_challenge", False),  # asks about the assistant, not a follow-up
    ("what r u?", "bot_challenge", False),
    ("who made you?", "bot_challenge", False),
    ("and the dose?", "ask_dosing", False),  # already a knowledge question
])
def test_a_short_follow_up_heard_as_small_talk_is_told_apart(text, intent, follows):
    assert follow_up_question(text, intent) is follows


def test_a_follow_up_gets_the_likeliest_knowledge_question():
    message = parsed("and after that?", "thank", [("thank", 0.5), ("ask_plan_dose", 0.2), ("ask_dosing", 0.1)])
    [out] = FollowUpClassifier().process([message])
    assert out.get("intent")["name"] == "ask_dosing"  # a general topic, never a personal-plan question
    assert out.get("intent_ranking")[0]["name"] == "ask_dosing"


@pytest.mark.parametrize("text,entities,becomes", [
    ("CrCl is 18 though", [("test", "CrCl")], "ask_supportive_medicines"),  # adds to "allopurinol dose?"
    ("he's 30 kg on allopurinol", [("medicine", "allopurinol")], "inform_plan_facts"),  # a weight: a plan fact
    ("started on the 18th", [], "inform_plan_facts"),
])
def test_a_term_with_no_plan_fact_is_a_detail_for_the_question_before(text, entities, becomes):
    message = parsed(text, "inform_plan_facts", [("inform_plan_facts", 0.8), ("ask_supportive_medicines", 0.1)])
    message.set("entities", [{"entity": label, "value": value} for label, value in entities])
    [out] = FollowUpClassifier().process([message])
    assert out.get("intent")["name"] == becomes


@pytest.mark.parametrize("text,intent,becomes", [
    ("if it's 12 days?", "inform_plan_facts", "ask_interruption"),  # after the rule for a stop of 7 days or less
    ("and 3 wks?", "ask_plan_interruption", "ask_interruption"),
    ("it was stopped for 12 days", "inform_plan_facts", "inform_plan_facts"),  # told: the patient's own stop
])
def test_a_bare_length_asked_about_is_a_detail_for_the_question_before(text, intent, becomes):
    message = parsed(text, intent, [(intent, 0.8), ("ask_interruption", 0.1)])
    [out] = FollowUpClassifier().process([message])
    assert out.get("intent")["name"] == becomes


@pytest.mark.parametrize("text,intent,becomes", [
    # a side effect reported now, heard as the patient's own plan because a start is told: the symptom reply
    ("I keep getting dizzy when I stand up since starting blinatumomab three days ago.", "ask_plan_dose",
     "report_symptom"),
    ("I've had a rash since starting on Monday", "inform_plan_facts", "report_symptom"),
    # the plan question is still answered when it asks a date
    ("started on monday and I've had a headache since, when is my next bag change?", "ask_plan_bag_change",
     "ask_plan_bag_change"),
    ("does blina cause a rash? I started on Monday", "ask_plan_dose", "ask_plan_dose"),  # asked, not reported
])
def test_a_symptom_reported_with_a_start_is_a_symptom_report_not_a_plan_question(text, intent, becomes):
    [out] = RedFlagClassifier().process([parsed(text, intent, [(intent, 0.8)])])
    assert out.get("intent")["name"] == becomes


def test_a_staff_protocol_question_is_not_escalated_but_a_patients_report_is():
    staff = parsed("pt had grade 4 CRS, can they restart?", "ask_dose_modifications",
                   [("ask_dose_modifications", 0.8)], metadata={"audience": "staff"})
    patient = parsed("I can't breathe", "ask_side_effects", [("ask_side_effects", 0.6)])
    classifier = RedFlagClassifier()
    staff_out, patient_out = classifier.process([staff, patient])
    assert staff_out.get("intent")["name"] == "ask_dose_modifications"
    assert patient_out.get("intent")["name"] == "red_flag"


def test_a_call_back_request_stays_one_when_the_classifier_is_sure_of_its_topic():
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    message = parsed("Can someone call me back? My number is 312-555-0177, about my next bag change",
                     "ask_plan_bag_change", [("ask_plan_bag_change", 0.99), ("ask_plan_interruption", 0.01)])
    [out] = RequestClassifier().process([message])
    fallback = FallbackClassifier({"threshold": 0.3, "ambiguity_threshold": 0.02})
    [out] = fallback.process([out])
    assert out.get("intent")["name"] == "request_callback"
