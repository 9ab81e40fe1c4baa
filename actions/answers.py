"""Actions that answer questions about the medicine from the knowledge base."""
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk.events import FollowupAction, SlotSet

from actions import parsing
from actions.common import SafeAction, audience, entity_ids, fact_index, knowledge_base, latest_intent
from actions.plan_answers import bag_due_text, per_m2, toxicity_escalation_text
from actions.plan_form import FORM as PLAN_FORM, SMALL_PATIENT_WORDS, states_own_plan
from knowledge.answers import (AMOUNT, FOLLOW_UP_WORDS, Question, answer_question, compose_answer, for_indication,
                               is_follow_up, more_about)
from knowledge.clinic import clinic_settings
from knowledge.regimens import indications, load_regimen
from knowledge.texts import render_text
from scheduling.dosing import format_dose
from scheduling.model import PlanError
from scheduling.planner import cycle_doses

QUESTION_PREFIX = "ask_"
TERM_LABELS = ("side_effect", "medicine", "test", "equipment")
MORE_INTENT = "ask_more"
UNCOVERED_TOPIC = "uncovered"  # ask_uncovered: a subject the documents don't cover
PLAN_PREFIX = "ask_plan_"
# A schedule question asked in general is answered from the topic that explains that part of the schedule.
PLAN_QUESTION_TOPICS = {
    "dose": "dosing", "step_up": "dosing", "bag_change": "bag_change", "discharge": "hospital_stay",
    "break": "cycles", "next_cycle": "cycles", "bloods": "blood_tests", "premedication": "premedication",
    "last_infusion": "cycles", "interruption": "interruption", "summary": "cycles",
}
OWN_DATES_BUTTON = "Work out my own dates"
OWN_PLAN_PAYLOAD = "/ask_plan_summary"
SCHEDULE_TOPICS = frozenset(PLAN_QUESTION_TOPICS.values()) - {"dosing"}
INDICATION_INTENT = "inform_indication"
PLAN_FACTS_INTENT = "inform_plan_facts"
DOSE_INTENTS = ("ask_dosing", "ask_plan_dose", "ask_plan_step_up")


def _stated_weight(text: str) -> Optional[float]:
    """The weight the text states, or None; an unusable one ("-5 kg") is for the plan form to explain."""
    try:
        return parsing.find_weight_kg(text)
    except parsing.PlanInputError:
        return None


def with_size_threshold(text: str, indication: Optional[str]) -> str:
    """"pt 31 kg restarting after G3 TLS": a weight under the body-surface-area threshold is matched as
    "under 45 kg" too, the words the facts are written in, not each weight."""
    weight = _stated_weight(text)
    threshold = load_regimen(indication or indications()[0]).bsa_threshold_kg
    return f"{text} (under {format_dose(threshold)} kg)" if weight is not None and weight < threshold else text


def general_follow_up(text: str, tracker) -> bool:
    """"And in cycle 2?", "and <45kg?" or "pt is 40 kg?" after a general answer, with no plan of one's own
    begun: the same general question for another cycle or size, not a plan fact told."""
    if tracker.get_slot("plan_start") is not None or tracker.get_slot("last_topic") is None:
        return False
    # "pt is 31kg" after the restart dose: a size alone, asked or not, is the same question for that size.
    if len(text.split()) <= FOLLOW_UP_WORDS and _stated_weight(text) is not None:
        return True
    return text.rstrip().endswith("?") and (parsing.asks_about_another_cycle(text)
                                            or bool(parsing.WEIGHT_THRESHOLD.search(text)))


def cycle_doses_text(text: str, intent: str, indication, tracker) -> Optional[Tuple[str, Dict[str, float]]]:
    """(the answer, the size it used) for a dose question that names the cycle ("on my 3rd cycle") or gives a
    small patient's weight and height ("he's 98 cm and 18 kilos"), or a follow-up naming another cycle after
    such an answer ("and in cycle 2?"): that cycle's doses, from body surface area under the weight threshold.
    None when the message gives neither, the indication is not known, or a child's size is missing."""
    after_doses = tracker.get_slot("last_topic") == "dosing" and is_follow_up(text)
    if not (intent in DOSE_INTENTS or after_doses) or not indication:
        return None
    try:
        weight, height = parsing.find_weight_kg(text), parsing.find_height_cm(text)
        cycle = parsing.find_cycle(text)
        if after_doses and weight is None and height is None:
            weight, height = tracker.get_slot("weight_kg"), tracker.get_slot("height_cm")
        if not ((weight is not None and height is not None) or cycle):
            return None
        if weight is None and any(word in text.lower() for word in SMALL_PATIENT_WORDS):
            return None  # a child's dose depends on their size: the general answer explains how
        doses = cycle_doses(load_regimen(indication), cycle or 1, weight, height)
    except (parsing.PlanInputError, PlanError):
        return None  # the ordinary answer, which explains the rule, serves better than a refusal here
    regimen = load_regimen(indication)
    steps = [{"first_day": s.first_day, "last_day": s.last_day, "dose": format_dose(s.dose),
              "by_size": per_m2(regimen, doses.bsa_m2, s.dose)} for s in doses.steps]
    by_size = doses.bsa_m2 is not None
    text = render_text("cycle_doses.j2", cycle=doses.cycle, steps=steps, unit=doses.unit, sources=doses.sources,
                       **{name: format_dose(value) if by_size else None
                          for name, value in (("bsa", doses.bsa_m2), ("weight", weight), ("height", height))})
    return text, ({"weight_kg": float(weight), "height_cm": float(height)} if by_size else {})


def indication_of(tracker) -> str:
    """The indication named in this message, else the one the patient gave earlier."""
    named = entity_ids(tracker, "indication")
    return named[0] if named else tracker.get_slot("indication")


def plan_fact_events(tracker, facts: Dict[str, Any]) -> List[Dict[Text, Any]]:
    """Keeps the plan facts that changed (the indication, a weight); a change unconfirms a confirmed plan."""
    # Every event is replayed and saved on every later turn, so none is sent for nothing.
    events = [SlotSet(slot, value) for slot, value in facts.items() if tracker.get_slot(slot) != value]
    if events and tracker.get_slot("plan_confirmed") is not None:
        events.append(SlotSet("plan_confirmed", None))
    return events


def first_term(tracker):
    for label in TERM_LABELS:
        found = entity_ids(tracker, label)
        if found:
            return found[0]
    return None


def all_terms(tracker) -> List[str]:
    return [term for label in TERM_LABELS for term in entity_ids(tracker, label)]


def topic_belief(tracker) -> Dict[str, float]:
    """The classifier's confidence in each knowledge topic, from the latest message's intent ranking."""
    belief: Dict[str, float] = {}
    intent = tracker.latest_message.get("intent") or {}
    for ranked in tracker.latest_message.get("intent_ranking") or [intent]:
        name = ranked.get("name") or ""
        if name.startswith(QUESTION_PREFIX) and name != MORE_INTENT:
            belief[name[len(QUESTION_PREFIX):]] = float(ranked.get("confidence") or 0.0)
    return belief


def looks_uncovered(belief: Dict[str, float]) -> bool:
    return bool(belief) and max(belief, key=belief.get) == UNCOVERED_TOPIC


def say(dispatcher, answer) -> None:
    dispatcher.utter_message(text=answer.text, buttons=list(answer.buttons))


class ActionAnswerQuestion(SafeAction):
    """Answers a question with the facts that answer it, or says honestly that the documents don't.

    Also "tell me more" (the rest of the last topic) and an indication given after a question
    that depends on it (the waiting question is answered for that indication).
    """

    def name(self) -> Text:
        return "action_answer_question"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        kb = knowledge_base()
        intent = latest_intent(tracker) or ""
        indication = indication_of(tracker)
        last_topic = tracker.get_slot("last_topic")
        text = tracker.latest_message.get("text") or ""
        if intent == PLAN_FACTS_INTENT and not general_follow_up(text, tracker):
            return [FollowupAction(PLAN_FORM)]  # facts or a correction go through the form, to be confirmed
        # "and more than two weeks?" asks about a new amount, not for more of the topic.
        if intent == MORE_INTENT and last_topic and not AMOUNT.search(text):
            reply = more_about(kb, last_topic, audience(tracker), indication, tracker.get_slot("last_facts") or [])
            say(dispatcher, reply.answer)
            return [SlotSet("last_facts", reply.facts)]
        due = None if text.startswith("/") else (bag_due_text(text, indication, tracker)
                                                  or toxicity_escalation_text(text, indication, tracker))
        if due:  # one bag's own length and day, or one restart's day, answer it; no plan is needed
            dispatcher.utter_message(text=due)
            return plan_fact_events(tracker, {"indication": indication})
        own_plan = None if intent.startswith(PLAN_PREFIX) or text.startswith("/") else states_own_plan(text, tracker)
        if own_plan:  # the classifier heard a general question; the words give the patient's own start
            question, facts = own_plan
            facts.pop("_ambiguous", None)
            facts.update({"indication": indication} if indication else {})
            return [*(SlotSet(slot, value) for slot, value in facts.items()), SlotSet("plan_question", question),
                    SlotSet("plan_personal", True), FollowupAction(PLAN_FORM)]
        worked_out = None if text.startswith("/") else cycle_doses_text(text, intent, indication, tracker)
        if worked_out:
            doses, size = worked_out
            dispatcher.utter_message(text=doses)
            # The size is kept for a follow-up about another cycle, and for the plan form if it follows.
            kept = {"last_topic": "dosing", "last_facts": [], "last_question": text}
            return plan_fact_events(tracker, {"indication": indication, **size}) + [
                SlotSet(slot, value) for slot, value in kept.items() if tracker.get_slot(slot) != value]
        if intent == INDICATION_INTENT:
            if last_topic is None:
                label = kb.indication_label(indication) if indication else "your answer"
                dispatcher.utter_message(text=render_text("indication_noted.j2", label=label))
                return plan_fact_events(tracker, {"indication": indication})
            text = tracker.get_slot("last_question") or "/"  # no words kept: the topic's answer, as its button gives
            text = for_indication(kb, text, indication) if indication else text
            belief = {last_topic: 1.0}
        elif intent.startswith(PLAN_PREFIX):
            belief = {PLAN_QUESTION_TOPICS[intent[len(PLAN_PREFIX):]]: 1.0}
        else:
            belief = topic_belief(tracker)
        previous = None if intent == INDICATION_INTENT else tracker.get_slot("last_question")  # it is the question
        if previous and indication:
            previous = for_indication(kb, previous, indication)  # "and for MRD?" after a question about relapsed ALL
        question = Question(with_size_threshold(text, indication), audience(tracker), belief, all_terms(tracker),
                            entity_ids(tracker, "uncovered"), indication, looks_uncovered(belief),
                            previous, last_topic, tracker.get_slot("last_facts") or (),
                            for_indication=bool(entity_ids(tracker, "indication")) and (
                                intent == INDICATION_INTENT or is_follow_up(text)))
        reply = answer_question(kb, fact_index(), question, clinic_settings())
        if reply.topic in SCHEDULE_TOPICS and audience(tracker) == "patient":
            # The general answer about the schedule, and the offer to work out the patient's own dates.
            offer = f"/{intent}" if intent.startswith(PLAN_PREFIX) else OWN_PLAN_PAYLOAD
            reply.answer.buttons.insert(0, {"title": OWN_DATES_BUTTON, "payload": offer})
        say(dispatcher, reply.answer)
        events = plan_fact_events(tracker, {"indication": indication})
        if reply.topic:
            kept = {"last_topic": reply.topic, "last_facts": reply.facts, "last_question": reply.read_as or text}
            events += [SlotSet(slot, value) for slot, value in kept.items() if tracker.get_slot(slot) != value]
        return events


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
