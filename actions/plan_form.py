"""The personal-plan form: reads the facts a plan needs from any message, asks only for what is
missing, one thing at a time, and has the patient confirm them before anything is answered."""
import datetime as dt
import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction

from actions import parsing, told_events
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
SMALL_PATIENT_WORDS = ("child", "son", "daughter", "kid", "baby", "toddler", "under 45", "less than 45", "<45", "< 45")
INDICATIONS = ("relapsed-refractory", "ph-positive", "mrd-positive")


def interruption_text(start, days: int, toxicity: bool) -> str:
    return f"{start.isoformat()}:{days}" + (":toxicity" if toxicity else "")


def read_interruption(entry: str) -> Tuple[dt.date, int, bool]:
    """(start, days, toxicity) from an `interruptions` slot entry "YYYY-MM-DD:DAYS[:toxicity]"."""
    first, days, *rest = entry.split(":")
    return dt.date.fromisoformat(first), int(days), bool(rest)


def read_plan_facts(text: str, tracker: Tracker, intent: str) -> Dict[str, Any]:
    """The plan facts this message gives, as slot values; raises PlanInputError with a reason.

    Facts come from what the message states ("I started blincyto on 7 December", "I'm on day 5 of
    cycle 2", "they stopped it on the 8th for 5 days"); the question's own words ("when does my second
    cycle start?", "what dose on Friday?") name what is asked, never a fact about the start.
    """
    settings = clinic_settings()
    now = today(tracker)
    said = parsing.statement_and_question(text)
    stated, asked = (said.stated, said.asked) if said.stated else ("", text)
    a_question = parsing.QUESTION_OPENING.search(asked) or (asked.endswith("?") and len(asked.split()) > 3)
    if not intent.startswith(PLAN_QUESTION_PREFIX) and not a_question:
        stated, asked = text, ""  # an answer to the form, or facts alone: everything is stated
    facts: Dict[str, Any] = {}
    order = settings["date_order"]
    start_part, stop_part = parsing.stated_start_and_stop(stated)
    found = parsing.find_date(start_part, now, order) if start_part.strip() else None
    # A date inside the question is the day asked about, unless it says treatment started then.
    if not found and any(w in asked.lower() for w in STARTED_WORDS) and parsing.find_date(asked, now, order):
        stated, asked = text, ""
        found = parsing.find_date(stated, now, order)
    stopped_days = (parsing.find_interruption_days(stop_part) or told_events.days_stopped_between(stop_part, now, order)
                    if stop_part else None)
    if stopped_days is not None:
        # Without a date, it stopped `stopped_days` ago and restarts today: said back to confirm.
        restart = told_events.RESTARTED.search(stop_part)
        stopped_on = parsing.find_date(stop_part[:restart.start()] if restart else stop_part, now, order)
        restarted_on = parsing.find_date(stop_part[restart.start():], now, order) if restart else None
        # "off for 2 days and went back on today, Friday 12 February": the day it went back on dates the stop.
        start = (stopped_on.date if stopped_on else
                 (restarted_on.date if restarted_on else now) - dt.timedelta(days=stopped_days))
        entry = interruption_text(start, stopped_days, parsing.mentions_side_effect(text))
        kept = [i for i in tracker.get_slot("interruptions") or [] if not i.startswith(start.isoformat())]
        facts["interruptions"] = kept + [entry]
    elif not found and stop_part:  # "stopped" said of something else ("they stopped his steroids"): one date, the start
        found = parsing.find_date(stated, now, order)
    if found:
        window = settings["plan_dates"]
        plausible = lambda day: now - dt.timedelta(days=window["past_days"]) <= day <= now + dt.timedelta(
            days=window["future_days"])
        swapped = dt.date(found.date.year, found.date.day, found.date.month) if found.ambiguous else None
        if swapped and not plausible(found.date) and plausible(swapped):
            found = parsing.ParsedDate(swapped, ambiguous=True)  # "12/04/2027": only 12 April is plausible
        facts["plan_start"] = parsing.within_range(
            found.date, now, window["past_days"], window["future_days"]
        ).isoformat()
        if found.ambiguous:
            facts["_ambiguous"] = found.date
    on_day = parsing.find_cycle_day(stated)
    if on_day is not None:  # "I'm on day 5 of cycle 2": day 1 was 4 days ago; "cycle 1 day 1 was 18 Jan"
        facts["plan_cycle"], day = on_day
        that_day = found.date if found and "plan_start" in facts else now
        facts["plan_start"] = (that_day - dt.timedelta(days=day - 1)).isoformat()
    cycle = parsing.cycle_of_the_start(stated, now, order)
    if cycle is not None and on_day is None:
        facts["plan_cycle"] = cycle
    elif ("plan_start" in facts and "plan_cycle" not in facts and tracker.get_slot("plan_cycle") is None
          and parsing.first_cycle_started(stated, tracker.get_slot("requested_slot") is not None)):
        facts["plan_cycle"] = 1
    if asked:
        day_asked = parsing.find_date(asked, now, order, prefer_future=True)
        if day_asked:
            facts["plan_question_date"] = day_asked.date.isoformat()
        day_number = parsing.find_day_asked(asked)
        cycle_asked = parsing.find_cycle(asked)
        other_cycle = cycle_asked not in (None, facts.get("plan_cycle"))  # "date for C3 D1?" is not this cycle's
        if day_number and not day_asked and not other_cycle and "plan_start" in facts:  # "which date is day 8?"
            day_one = dt.date.fromisoformat(facts["plan_start"])
            facts["plan_question_date"] = (day_one + dt.timedelta(days=day_number - 1)).isoformat()
        if cycle_asked is not None:
            facts["plan_question_cycle"] = cycle_asked
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
        in_form = tracker.active_loop_name == FORM and tracker.get_slot("requested_slot")
        text = tracker.latest_message.get("text") or ""
        if (in_form or intent.startswith(PLAN_INTENTS_PREFIXES)) and not text.startswith("/"):
            try:
                facts.update(read_plan_facts(text, tracker, intent))
            except parsing.PlanInputError as refused:
                dispatcher.utter_message(text=render_text("plan_input_refused.j2", reason=str(refused)))
            if any(word in text.lower() for word in SMALL_PATIENT_WORDS):
                facts["small_patient"] = True
        if (intent == "inform_plan_facts" or intent.startswith(PLAN_QUESTION_PREFIX)) and not text.startswith("/"):
            # Facts and a question in one message: the question's own words say what is asked.
            asked = parsing.statement_and_question(text).asked
            intent = (parsing.plan_question_intent(asked) or intent) if asked else intent
        if intent.startswith(PLAN_QUESTION_PREFIX):
            personal = is_personal(text, tracker, facts, intent)
            events.append(SlotSet("plan_personal", personal))
            if personal:
                events.append(SlotSet("plan_question", intent))
        ambiguous = facts.pop("_ambiguous", None)
        if ambiguous:
            dispatcher.utter_message(
                text=render_text("plan_date_read_as.j2", date=long_date(ambiguous),
                                 order=clinic_settings()["date_order"])
            )
        changed = {slot: value for slot, value in facts.items() if tracker.get_slot(slot) != value}
        events += [SlotSet(slot, value) for slot, value in changed.items()]
        if "interruptions" in changed and intent == "inform_plan_facts":
            events.append(SlotSet("plan_question", "ask_plan_interruption"))  # a stop reported alone: what it changes
        if set(changed) & set(PLAN_FACT_SLOTS) and tracker.get_slot("plan_confirmed") is not None:
            events.append(SlotSet("plan_confirmed", None))
        return events


# "blina C1D1 premed - drug + dose?", "bloods before C2D1?": the cycle day names what is asked about, not today.
DAY_AS_LABEL = re.compile(r"\bc\d\s*d\d{1,2}\s+(?:premed\w*|pre-med\w*|doses?|dosing|dex\w*|steroids?|bloods?)\b"
                          r"|\b(?:before|after|until|by|for)\s+c\d\s*d\d{1,2}\b", re.I)
# "C1D12 ALT G3 on blina. hold? restart dose?": a graded toxicity's dose is the table's rule, not a day of the plan.
TOXICITY_GRADE = re.compile(r"\b(?:g|grade\s*)[1-4]\b", re.I)


def states_own_plan(text: str, tracker: Tracker) -> Optional[Tuple[str, Dict[str, Any]]]:
    """(the personal question, the facts) when a message classified as a general question is about the
    patient's own dates: it states their start ("I started blina on 4 Jan, when does it go up?"), or a
    plan is confirmed and it asks when ("by when do I need bloods before cycle 2?")."""
    said = parsing.statement_and_question(text)
    # "... when I come out of hospital after cycle 2 - which day should she book?": the asking words may name nothing.
    question = parsing.plan_question_intent(said.asked) or (
        parsing.plan_question_intent(text) if parsing.asks_a_date(said.asked) else None)
    previous = tracker.get_slot("plan_question") if tracker.get_slot("plan_confirmed") else None
    another_cycle = bool(previous) and parsing.asks_about_another_cycle(text)
    if another_cycle and question in (None, "ask_plan_next_cycle"):
        question = previous  # "what about cycle 3?" after the bloods before cycle 2: cycle 3's bloods
    if question is None:
        return None
    try:
        facts = read_plan_facts(text, tracker, question)
    except parsing.PlanInputError:
        return None
    follows_plan = bool(previous) and (parsing.asks_about_own_dates(text) or another_cycle)
    # "pt had bloods done 10 days ago" dates the bloods; only a start said as one starts the plan.
    start_said = bool(said.stated) and bool(parsing.STARTED.search(said.stated) or parsing.FIRST_CYCLE_START.search(
        said.stated) or (parsing.find_cycle_day(said.stated) is not None and not DAY_AS_LABEL.search(said.stated)))
    if not (start_said and "plan_start" in facts) and not follows_plan:
        return None
    if not follows_plan and (parsing.asks_amount_not_date(text)
                             or (question == "ask_plan_dose" and TOXICITY_GRADE.search(said.stated))):
        return None
    answered = tracker.get_slot("plan_answered_cycle")
    if another_cycle and answered and parsing.asks_about_the_next_one(text):
        facts["plan_question_cycle"] = int(answered) + 1
    return question, facts


def is_personal(text: str, tracker: Tracker, facts: Dict[str, Any], question: str = "") -> bool:
    """A schedule question is about the patient's own dates when it says so, gives a plan fact, comes
    from a button, or follows a plan already given; otherwise it gets the general answer."""
    if text.startswith("/"):
        return True
    order = clinic_settings()["date_order"]
    if told_events.find_bag_hung(text, today(tracker), order) or told_events.find_toxicity_restart(text, today(tracker), order):
        return False  # one bag's, or one restart's, own day answers it (actions.plan_answers)
    if tracker.get_slot("plan_start") or tracker.get_slot("plan_confirmed"):
        return True
    if parsing.asks_amount_not_date(text):
        return False  # "started on Monday, what does it go up to?": the rule's amount, with the offer of dates
    dating = {"plan_start", "plan_question_date"} | ({"plan_cycle"} if question not in CYCLE_DOSE_QUESTIONS else set())
    if set(facts) & dating:
        return True
    # "it was stopped for 6 days, does he still get the full 28?" is the rule's question; "when does it end now?" his own.
    return parsing.asks_about_own_dates(text)


# "Do I get the 9 microgram week again on my 3rd cycle?": a cycle's doses need no dates, only its number.
CYCLE_DOSE_QUESTIONS = frozenset({"ask_plan_dose", "ask_plan_step_up"})
# Questions whose answers name days and never a dose, so a child's height is not needed for them.
DATES_ONLY = frozenset({"ask_plan_next_cycle", "ask_plan_last_infusion", "ask_plan_break", "ask_plan_bloods",
                        "ask_plan_discharge", "ask_plan_bag_change", "ask_plan_interruption"})


def needs_body_size(tracker: Tracker) -> bool:
    """Weight and height are asked only for a patient said to be small or under the BSA threshold, and
    only when the answer gives a dose."""
    if tracker.get_slot("plan_question") in DATES_ONLY | {"ask_plan_step_up"}:
        return False  # a step-up is a date; without the size its doses are said per m² (actions.plan_answers)
    weight = tracker.get_slot("weight_kg")
    indication = tracker.get_slot("indication")
    if weight is None or indication not in INDICATIONS:
        return bool(tracker.get_slot("small_patient"))
    return float(weight) < load_regimen(indication).bsa_threshold_kg  # "my son, 70 kg": no height needed


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
        from actions.plan_answers import reply_for_every_type  # the answers' module builds on this one

        # A question every type of ALL answers alike ("when does my cycle 2 end?") does not ask the type.
        wanted = ([] if reply_for_every_type(tracker) else ["indication"]) + ["plan_start", "plan_cycle"]
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
        stopped, days, toxicity = read_interruption(entry)
        stops.append({"start": long_date(stopped), "days": days, "toxicity": toxicity})
    return {
        "indication": knowledge_base().indication_label(indication) if indication else None,
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
