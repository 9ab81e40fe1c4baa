"""Builds rasa_sdk Trackers and runs actions the way the action server does, for action tests."""
import asyncio
from typing import Dict, Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker_for(
    text: str,
    intent: str,
    entities: Iterable[Dict] = (),
    slots: Optional[Dict] = None,
    metadata: Optional[Dict] = None,
    ranking: Optional[List[Dict]] = None,
    active_loop: Optional[str] = None,
    events: Optional[List[Dict]] = None,
) -> Tracker:
    return Tracker(
        sender_id="test-patient",
        slots=dict(slots or {}),
        latest_message={
            "text": text,
            "intent": {"name": intent, "confidence": 1.0},
            "entities": list(entities),
            "intent_ranking": list(ranking or []),
            "metadata": dict(metadata or {}),
        },
        events=list(events or []),
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run_action(action, tracker: Tracker, domain: Optional[Dict] = None):
    """Returns (messages, events) as the action server would send them back."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher.messages, events


def entity(label: str, value: str) -> Dict:
    return {"entity": label, "value": value, "extractor": "SpacyEntityExtractor"}
