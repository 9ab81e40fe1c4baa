"""The red-flag action: the emergency answer at once; a form in progress is stopped, and a triage in
progress is stored as an emergency for the clinician."""
from typing import Any, Dict, List, Text

from rasa_sdk.events import ActiveLoop, SlotSet

from actions.common import SafeAction
from actions.triage_form import FORM as TRIAGE_FORM, TRIAGE_SLOTS, store_summary
from triage.emergency import emergency_message
from triage.redflags import check


class ActionRedFlag(SafeAction):
    def name(self) -> Text:
        return "action_red_flag"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        found = check(tracker.latest_message.get("text") or "")
        dispatcher.utter_message(text=emergency_message(found), json_message={"urgency": "emergency"})
        if not tracker.active_loop_name:
            return []
        events = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if tracker.active_loop_name == TRIAGE_FORM:
            labels = [flag.label for flag in found.flags]
            store_summary(tracker, "emergency", "a red flag was reported: " + ", ".join(labels), labels)
            events += [SlotSet(slot, None) for slot in TRIAGE_SLOTS]
        return events
