"""Actions that answer questions about the medicine from the knowledge base."""
from typing import Any, Dict, List, Text

from rasa_sdk.events import SlotSet

from actions.common import SafeAction, audience, entity_ids, knowledge_base, latest_intent
from knowledge.answers import compose_answer
from knowledge.clinic import clinic_settings
from knowledge.texts import render_text

QUESTION_PREFIX = "ask_"
TERM_LABELS = ("side_effect", "medicine", "test", "equipment")


def indication_of(tracker) -> str:
    """The indication named in this message, else the one the patient gave earlier."""
    named = entity_ids(tracker, "indication")
    return named[0] if named else tracker.get_slot("indication")


def indication_events(tracker, indication) -> List[Dict[Text, Any]]:
    """Keeps the indication; one that differs from a confirmed plan's unconfirms it, as any changed plan fact does."""
    events = [SlotSet("indication", indication)]
    if indication != tracker.get_slot("indication") and tracker.get_slot("plan_confirmed") is not None:
        events.append(SlotSet("plan_confirmed", None))
    return events


def first_term(tracker):
    for label in TERM_LABELS:
        found = entity_ids(tracker, label)
        if found:
            return found[0]
    return None


def say(dispatcher, answer) -> None:
    dispatcher.utter_message(text=answer.text, buttons=list(answer.buttons))


class ActionAnswerQuestion(SafeAction):
    """Answers `ask_<topic>`; after `inform_indication` answers the last topic for that indication."""

    def name(self) -> Text:
        return "action_answer_question"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        kb = knowledge_base()
        intent = latest_intent(tracker) or ""
        indication = indication_of(tracker)
        if intent.startswith(QUESTION_PREFIX):
            topic = intent[len(QUESTION_PREFIX):]
        else:
            topic = tracker.get_slot("last_topic")
        if topic is None:
            label = kb.indication_label(indication) if indication else "your answer"
            dispatcher.utter_message(text=render_text("indication_noted.j2", label=label))
            return indication_events(tracker, indication)
        say(dispatcher, compose_answer(kb, topic, audience(tracker), indication, first_term(tracker)))
        return indication_events(tracker, indication) + [SlotSet("last_topic", topic)]


class ActionReportSymptom(SafeAction):
    """A non-urgent symptom: tell the care team promptly, and what the documents say about it."""

    def name(self) -> Text:
        return "action_report_symptom"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        answer = compose_answer(
            knowledge_base(), "side_effects", audience(tracker), None, first_term(tracker)
        )
        advice = render_text("symptom.j2", clinic=clinic_settings())
        dispatcher.utter_message(text=f"{advice}\n\n{answer.text}")
        return []
