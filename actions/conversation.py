"""Conversation actions that are not clinical answers: asking back when the classifier is unsure."""
from typing import Any, Dict, List, Text

from actions.common import SafeAction
from actions.answers import QUESTION_PREFIX
from knowledge.texts import render_text

MAX_SUGGESTIONS = 3


def suggestions(intent_ranking: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """Buttons for the most likely knowledge questions, best first."""
    buttons = []
    for ranked in intent_ranking:
        name = ranked.get("name") or ""
        if name.startswith(QUESTION_PREFIX) and len(buttons) < MAX_SUGGESTIONS:
            title = name[len(QUESTION_PREFIX):].replace("_", " ").capitalize()
            buttons.append({"title": title, "payload": f"/{name}"})
    return buttons


class ActionClarify(SafeAction):
    """When the classifier is unsure, offer the likeliest topics instead of guessing."""

    def name(self) -> Text:
        return "action_clarify"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        buttons = suggestions(tracker.latest_message.get("intent_ranking") or [])
        if not buttons:
            dispatcher.utter_message(response="utter_out_of_scope")
            return []
        buttons.append({"title": "Something else: talk to a person", "payload": "/ask_contact"})
        dispatcher.utter_message(text=render_text("clarify.j2"), buttons=buttons)
        return []
