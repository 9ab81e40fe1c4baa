"""A patient's "delete my conversation": after they confirm, their triage summaries go, and the reply tells
the tracker store and the widget to forget the rest (the conversation itself and the chat window)."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker

from actions.common import SafeAction
from triage.summaries import TriageStore

ASK_ACTION = "utter_ask_delete_conversation"
# The reply's custom payload that the tracker store (assistant/tracker_store.py) and the widget act on.
FORGET = "forget_conversation"


def asked_to_confirm(tracker: Tracker) -> bool:
    """Whether the latest message answers the deletion question with a yes."""
    if (tracker.latest_message.get("intent") or {}).get("name") != "affirm":
        return False
    return last_bot_action(tracker.events) == ASK_ACTION


def last_bot_action(events: List[Dict[Text, Any]]) -> Optional[str]:
    """The last action before the latest user message, other than listening."""
    seen_user = False
    for event in reversed(events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


class ActionDeleteConversation(SafeAction):
    def name(self) -> Text:
        return "action_delete_conversation"

    def respond(self, dispatcher, tracker: Tracker, domain) -> List[Dict[Text, Any]]:
        if not asked_to_confirm(tracker):  # the rules say so too; a deletion never runs on a guess
            dispatcher.utter_message(response="utter_conversation_kept")
            return []
        summaries = TriageStore().forget(tracker.sender_id)
        dispatcher.utter_message(
            text="Done: this conversation and its pre-visit summaries are deleted, and this chat window is cleared.",
            json_message={FORGET: True, "triage_summaries": summaries},
        )
        return []
