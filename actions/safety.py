"""The red-flag action: the emergency answer at once; a form in progress is stopped, and a triage in
progress is stored as an emergency for the clinician."""
from typing import Any, Dict, List, Text

from rasa_sdk.events import ActiveLoop, SlotSet

from actions.common import SafeAction, audience
from actions.triage_form import FORM as TRIAGE_FORM, TRIAGE_SLOTS, store_summary
from triage.emergency import emergency_message, staff_note
from triage.redflags import check


class ActionRedFlag(SafeAction):
    def name(self) -> Text:
        return "action_red_flag"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        found = check(tracker.latest_message.get("text") or "")
        tier = found.tier or "emergency"  # the classifier's own red_flag intent, with nothing recognised
        # Staff relaying a caller get a note on what to tell the caller, never the patient's script.
        text = staff_note(found) if audience(tracker) == "staff" else emergency_message(found)
        dispatcher.utter_message(text=text, json_message={"urgency": tier})
        if not tracker.active_loop_name:
            return []
        events = [ActiveLoop(None), SlotSet("requested_slot", None)]
        if tracker.active_loop_name == TRIAGE_FORM:
            labels = [flag.label for flag in found.flags]
            store_summary(tracker, tier, "a red flag was reported: " + ", ".join(labels), labels)
            events += [SlotSet(slot, None) for slot in TRIAGE_SLOTS]
        return events
