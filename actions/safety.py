"""The red-flag action: the emergency answer at once; a form in progress is stopped, a triage in
progress is stored as an emergency for the clinician, and a request to the front desk (in progress or
asked for in the message) goes into the queue marked with the flag's tier."""
from typing import Any, Dict, List, Text

from rasa_sdk.events import ActiveLoop, SlotSet

from actions.common import SafeAction, audience
from actions.request_form import asks_for_request, clear_slots, file_emergency
from actions.triage_form import FORM as TRIAGE_FORM, TRIAGE_SLOTS, store_summary
from frontdesk.texts import render_text
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
        events = []
        if audience(tracker) == "patient" and asks_for_request(tracker):
            request = file_emergency(tracker, tracker.latest_message.get("text") or "", tier)
            dispatcher.utter_message(text=render_text("request_emergency.j2", reference=request.reference,
                                                      urgency=tier))
            events += clear_slots()
        if not tracker.active_loop_name:
            return events
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        if tracker.active_loop_name == TRIAGE_FORM:
            labels = [flag.label for flag in found.flags]
            store_summary(tracker, tier, "a red flag was reported: " + ", ".join(labels), labels)
            events += [SlotSet(slot, None) for slot in TRIAGE_SLOTS]
        return events
