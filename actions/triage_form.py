"""The pre-visit triage form: treatment day, symptoms from the documents' checklist, severity, new
medicines and questions, ending in a ranked summary stored for the clinician."""
import datetime as dt
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.forms import FormValidationAction

from actions.common import SafeAction, long_date, today
from actions.plan_answers import plan_request
from actions.request_form import attach_triage
from knowledge.clinic import clinic_settings
from knowledge.regimens import load_regimen
from knowledge.texts import render_text
from scheduling import queries
from scheduling.model import PlanError
from scheduling.planner import make_plan
from triage import redflags
from triage.summaries import TriageStore, TriageSummary
from triage.urgency import decide_urgency, triage_rules

FORM = "triage_form"
TRIAGE_SLOTS = ("triage_day", "triage_symptoms", "triage_severity", "triage_medicines", "triage_questions")
NOTHING = re.compile(r"^\s*(no|none|nothing|nope|no symptoms|nothing new|n/a|not really)\b", re.I)


def treatment_day_from_plan(tracker: Tracker) -> Optional[str]:
    """Today's cycle and day from a confirmed personal plan, so the patient is not asked again."""
    if not tracker.get_slot("plan_confirmed"):
        return None
    try:
        plan = make_plan(load_regimen(tracker.get_slot("indication")), plan_request(tracker))
    except PlanError:
        return None
    day = queries.day_on(plan, today(tracker))
    return f"cycle {day.cycle}, day {day.cycle_day} ({long_date(day.date)})" if day else None


def reported(symptoms_text: Optional[str]) -> redflags.RedFlagCheck:
    return redflags.check("" if not symptoms_text or NOTHING.match(symptoms_text) else symptoms_text)


def store_summary(tracker: Tracker, urgency: str, reason: str, symptoms: List[str]) -> TriageSummary:
    summary = TriageSummary(
        sender_id=tracker.sender_id,
        created=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        treatment_day=treatment_day_from_plan(tracker) or tracker.get_slot("triage_day"),
        symptoms=tuple(symptoms),
        severity=tracker.get_slot("triage_severity"),
        new_medicines=tracker.get_slot("triage_medicines"),
        questions=tracker.get_slot("triage_questions"),
        urgency=urgency,
        reason=reason,
    )
    attach_triage(tracker, TriageStore().add(summary))
    return summary


class ValidateTriageForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_triage_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> List[Text]:
        if treatment_day_from_plan(tracker):
            return [slot for slot in domain_slots if slot != "triage_day"]
        return domain_slots

    def validate_triage_severity(self, value, dispatcher, tracker, domain) -> Dict[Text, Any]:
        said = str(value or "").strip().lower()
        chosen = next((s for s in triage_rules().severities if s in said), None)
        if chosen is None:
            dispatcher.utter_message(text=render_text("triage_severity_again.j2"))
        return {"triage_severity": chosen}


class ActionAskTriageSymptoms(SafeAction):
    def name(self) -> Text:
        return "action_ask_triage_symptoms"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        labels = [redflags.describe(i).label for i in triage_rules().checklist]
        dispatcher.utter_message(text=render_text("triage_ask_symptoms.j2", labels=labels))
        return []


class ActionAskTriageSeverity(SafeAction):
    def name(self) -> Text:
        return "action_ask_triage_severity"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=render_text("triage_ask_severity.j2"),
            buttons=[{"title": s.capitalize(), "payload": s} for s in triage_rules().severities],
        )
        return []


class ActionTriageSummary(SafeAction):
    """Ranks what was reported, stores it for the clinician and shows the patient the summary."""

    def name(self) -> Text:
        return "action_triage_summary"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        check = reported(tracker.get_slot("triage_symptoms"))
        rules = triage_rules()
        symptoms = [f.id for f in check.flags] + list(check.symptoms)
        urgency, reason = decide_urgency(
            [f.id for f in check.flags], check.symptoms, tracker.get_slot("triage_severity"), rules
        )
        labels = [redflags.describe(i).label for i in symptoms]
        summary = store_summary(tracker, urgency, reason, labels)
        dispatcher.utter_message(
            text=render_text("triage_summary.j2", summary=summary, clinic=clinic_settings(),
                             sources=[rules.today_source if urgency == "today" else rules.advice_source]),
            json_message={"urgency": urgency},
        )
        return [SlotSet(slot, None) for slot in TRIAGE_SLOTS]
