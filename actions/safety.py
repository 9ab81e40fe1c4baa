"""The red-flag action: the emergency answer at once, and any form in progress is stopped."""
from typing import Any, Dict, List, Text

from rasa_sdk.events import ActiveLoop, SlotSet

from actions.common import SafeAction
from triage.emergency import emergency_message
from triage.redflags import check


class ActionRedFlag(SafeAction):
    def name(self) -> Text:
        return "action_red_flag"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(
            text=emergency_message(check(tracker.latest_message.get("text") or "")),
            json_message={"urgency": "emergency"},
        )
        if tracker.active_loop_name:
            return [ActiveLoop(None), SlotSet("requested_slot", None)]
        return []
