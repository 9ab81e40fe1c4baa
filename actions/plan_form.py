"""The personal-plan form: reads the facts a plan needs from any message, asks only for what is
missing, one thing at a time, and has the patient confirm them before anything is answered."""
import datetime as dt
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction

from actions import parsing
from actions.common import SafeAction, entity_ids, knowledge_base, latest_intent, long_date, today
from knowledge.clinic import clinic_settings
from knowledge.regimens import load_regimen
from knowledge.texts import render_text

FORM = "plan_form"
PLAN_FACT_SLOTS = (
    "indication", "plan_start", "plan_cycle", "weight_kg", "height_cm", "small_patient", "interruptions",
)
PLAN_QUESTION_PREFIX = "ask_plan_"
PLAN_INTENTS_PREFIXES = (PLAN_QUESTION_PREFIX, "inform_plan_facts", "inform_indication")
STARTED_WORDS = ("start", "began", "begun", "first day", "day 1", "day one")
STOPPED_WORDS = ("stopped", "paused", "interrupted", "held", "off the drip", "taken off", "break in")
SMALL_PATIENT_WORDS = ("child", "son", "daughter", "kid", "baby", "toddler", "under 45", "less than 45")
INDICATIONS = ("relapsed-refractory", "ph-positive", "mrd-positive")


def interruption_text(start, days: int, toxicity: bool) -> str:
    return f"{start.isoformat()}:{days}" + (":toxicity" if toxicity else "")


def read_interruption(entry: str) -> Tuple[dt.date, int, bool]:
    """(start, days, toxicity) from an `interruptions` slot entry "YYYY-MM-DD:DAYS[:toxicity]"."""
    first, days, *rest = entry.split(":")
    return dt.date.fromisoformat(first), int(days), bool(rest)


def read_plan_facts(text: str, tracker: Tracker, intent: str) -> Dict[str, Any]:
    """The plan facts this message gives, as slot values; raises PlanInputError with a reason.

    A date in a personal question ("what dose am I on on Friday?") is the date asked about, unless
    the patient says it is when treatment started.
    """
    settings = clinic_settings()
    now = today()
    lowered = text.lower()
    facts: Dict[str, Any] = {}
    asks_about_a_day = intent.startswith(PLAN_QUESTION_PREFIX) and not any(w in lowered for w in STARTED_WORDS)
    found = parsing.find_date(text, now, settings["date_order"], prefer_future=asks_about_a_day)
    stopped_days = parsing.find_interruption_days(text)
    if stopped_days is not None or any(word in lowered for word in STOPPED_WORDS):
        if stopped_days is not None:
            # Without a date, it stopped `stopped_days` ago and restarts today: said back to confirm.
            start = found.date if found else now - dt.timedelta(days=stopped_days)
            entry = interruption_text(start, stopped_days, parsing.mentions_side_effect(text))
            kept = [i for i in tracker.get_slot("interruptions") or [] if not i.startswith(start.isoformat())]
            facts["interruptions"] = kept + [entry]
    elif found and asks_about_a_day:
        facts["plan_question_date"] = found.date.isoformat()
    elif found:
        window = settings["plan_dates"]
        facts["plan_start"] = parsing.within_range(
            found.date, now, window["past_days"], window["future_days"]
        ).isoformat()
        if found.ambiguous:
            facts["_ambiguous"] = found.date
    cycle = parsing.find_cycle(text)
    if cycle is not None:
        facts["plan_cycle"] = cycle
    weight = parsing.find_weight_kg(text)
    if weight is not None:
        facts["weight_kg"] = weight
    height = parsing.find_height_cm(text)
    if height is not None:
        facts["height_cm"] = height
    return facts


class ActionExtractPlanFacts(SafeAction):
    """Fills the plan slots from a plan message or any message inside the plan form (domain.yml's mappings)."""

    def name(self) -> Text:
        return "action_extract_plan_facts"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        intent = latest_intent(tracker) or ""
        if intent == "red_flag":  # a red flag must never be taken as an answer to the form
            return []
        events = []
        named = entity_ids(tracker, "indication")
        facts: Dict[str, Any] = {"indication": named[0]} if named else {}
        if intent.startswith(PLAN_QUESTION_PREFIX):
            events.append(SlotSet("plan_question", intent))
        in_form = tracker.active_loop_name == FORM and tracker.get_slot("requested_slot")
        text = tracker.latest_message.get("text") or ""
        if (in_form or intent.startswith(PLAN_INTENTS_PREFIXES)) and not text.startswith("/"):
            try:
                facts.update(read_plan_facts(text, tracker, intent))
            except parsing.PlanInputError as refused:
                dispatcher.utter_message(text=render_text("plan_input_refused.j2", reason=str(refused)))
            if any(word in text.lower() for word in SMALL_PATIENT_WORDS):
                facts["small_patient"] = True
        ambiguous = facts.pop("_ambiguous", None)
        if ambiguous:
            dispatcher.utter_message(
                text=render_text("plan_date_read_as.j2", date=long_date(ambiguous),
                                 order=clinic_settings()["date_order"])
            )
        changed = {slot: value for slot, value in facts.items() if tracker.get_slot(slot) != value}
        events += [SlotSet(slot, value) for slot, value in changed.items()]
        if set(changed) & set(PLAN_FACT_SLOTS) and tracker.get_slot("plan_confirmed") is not None:
            events.append(SlotSet("plan_confirmed", None))
        return events


def needs_body_size(tracker: Tracker) -> bool:
    """Weight and height are asked only for a patient said to be small or under the BSA threshold."""
    if tracker.get_slot("small_patient"):
        return True
    weight = tracker.get_slot("weight_kg")
    indication = tracker.get_slot("indication")
    if weight is None or indication not in INDICATIONS:
        return False
    return float(weight) < load_regimen(indication).bsa_threshold_kg


def facts_changed_by_latest_message(tracker: Tracker) -> bool:
    """Whether the latest message itself set a plan fact: its slot events come before the form runs
    (the facts a form re-checks when it starts come after, and are not new)."""
    since_message = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        since_message.append(event)
    for event in reversed(since_message):
        if event.get("event") == "action":
            return False
        if event.get("event") == "slot" and event.get("name") in PLAN_FACT_SLOTS:
            return True
    return False


class ValidatePlanForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_plan_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        wanted = ["indication", "plan_start", "plan_cycle"]
        if needs_body_size(tracker):
            wanted += ["weight_kg", "height_cm"]
        return wanted + ["plan_confirmed"]

    def validate_plan_cycle(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        indication = tracker.get_slot("indication")
        if indication in INDICATIONS:
            most = load_regimen(indication).max_cycles
            if not 1 <= int(value) <= most:
                dispatcher.utter_message(text=render_text("plan_cycle_refused.j2", cycle=value, most=most))
                return {"plan_cycle": None}
        return {"plan_cycle": int(value)}

    def validate_plan_confirmed(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if value and facts_changed_by_latest_message(tracker):
            return {"plan_confirmed": None}  # "yes, but it started on the 8th": confirm the changed facts
        if value is False:
            dispatcher.utter_message(text=render_text("plan_start_again.j2"))
            return {**{slot: None for slot in PLAN_FACT_SLOTS}, "plan_confirmed": None}
        return {"plan_confirmed": value}


class ActionAskIndication(SafeAction):
    def name(self) -> Text:
        return "action_ask_indication"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        buttons = [
            {"title": knowledge_base().indication_label(i),
             "payload": f'/inform_indication{{"indication":"{i}"}}'}
            for i in INDICATIONS
        ]
        dispatcher.utter_message(text=render_text("plan_ask_indication.j2"), buttons=buttons)
        return []


class ActionAskPlanCycle(SafeAction):
    def name(self) -> Text:
        return "action_ask_plan_cycle"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        most = load_regimen(tracker.get_slot("indication")).max_cycles
        buttons = [{"title": f"Cycle {n}", "payload": f"cycle {n}"} for n in range(1, most + 1)]
        started = dt.date.fromisoformat(tracker.get_slot("plan_start"))
        dispatcher.utter_message(
            text=render_text("plan_ask_cycle.j2", start=long_date(started)), buttons=buttons
        )
        return []


def describe_facts(tracker: Tracker) -> Dict[str, Any]:
    """The collected facts in words, for the confirmation and for answers."""
    indication = tracker.get_slot("indication")
    start = dt.date.fromisoformat(tracker.get_slot("plan_start"))
    stops = []
    for entry in tracker.get_slot("interruptions") or []:
        start, days, toxicity = read_interruption(entry)
        stops.append({"start": long_date(start), "days": days, "toxicity": toxicity})
    return {
        "indication": knowledge_base().indication_label(indication),
        "cycle": tracker.get_slot("plan_cycle"),
        "start": long_date(start),
        "weight_kg": tracker.get_slot("weight_kg"),
        "height_cm": tracker.get_slot("height_cm"),
        "interruptions": stops,
    }


class ActionAskPlanConfirmed(SafeAction):
    def name(self) -> Text:
        return "action_ask_plan_confirmed"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=render_text("plan_confirm.j2", **describe_facts(tracker)),
            buttons=[{"title": "Yes, that's right", "payload": "/affirm"},
                     {"title": "No, start again", "payload": "/deny"}],
        )
        return []


class ActionRestartPlan(SafeAction):
    def name(self) -> Text:
        return "action_restart_plan"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=render_text("plan_forgotten.j2"))
        return [SlotSet(slot, None) for slot in (*PLAN_FACT_SLOTS, "plan_confirmed", "plan_question")]
