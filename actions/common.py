"""What every action shares: the knowledge base opened once, who is asking, the entities of a
message in canonical form, and a base class that turns any failure into a clear message."""
import abc
import datetime as dt
import functools
import logging
import os
from typing import Any, Dict, List, Optional, Text
from zoneinfo import ZoneInfo

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from knowledge.clinic import clinic_settings
from knowledge.matching import FactIndex
from knowledge.meaning import SentenceEncoder
from knowledge.store import KnowledgeBase
from knowledge.texts import render_text

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    return KnowledgeBase()


@functools.lru_cache(maxsize=1)
def fact_index() -> FactIndex:
    kb = knowledge_base()
    return FactIndex(kb.all_facts(), kb.terms_of_facts(), SentenceEncoder())


def audience(tracker: Tracker) -> str:
    """Staff see protocol detail; the staff console marks its messages with metadata."""
    metadata = tracker.latest_message.get("metadata") or {}
    return "staff" if metadata.get("audience") == "staff" else "patient"


def entity_ids(tracker: Tracker, label: str) -> List[str]:
    """Canonical term ids of the latest message's entities with this label, in order."""
    kb = knowledge_base()
    found = []
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") != label:
            continue
        term = kb.term_id(str(entity.get("value", "")), label)
        if term and term not in found:
            found.append(term)
    return found


def latest_intent(tracker: Tracker) -> Optional[str]:
    return (tracker.latest_message.get("intent") or {}).get("name")


class SafeAction(Action, abc.ABC):
    """An action whose failures reach the user as "call the clinic", never as silence or a trace."""

    @abc.abstractmethod
    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        """Answer the latest message; return the events to apply."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain) -> List[Dict]:
        try:
            return self.respond(dispatcher, tracker, domain)
        except Exception as error:  # the user must hear something useful whatever went wrong
            # The type only at the default level: a message could carry what the patient typed.
            logger.error("action %s failed: %s", self.name(), type(error).__name__)
            logger.debug("action %s failed", self.name(), exc_info=True)
            dispatcher.utter_message(text=render_text("cannot_look_up.j2", clinic=clinic_settings()))
            return []


def _metadata(tracker: Optional[Tracker]) -> dict:
    """The latest message's metadata, read for "today" and "now" only under `make eval` and the tests that
    fix the time ($BLINA_TODAY_FROM_METADATA=1)."""
    if tracker is None or os.environ.get("BLINA_TODAY_FROM_METADATA") != "1":
        return {}
    return tracker.latest_message.get("metadata") or {}


def today(tracker: Optional[Tracker] = None) -> "dt.date":
    """The clinic's today; $BLINA_TODAY (YYYY-MM-DD) fixes it for tests and demonstrations.

    Only under `make eval` ($BLINA_TODAY_FROM_METADATA=1) may a message's metadata name its own day.
    """
    given = _metadata(tracker)
    fixed = given.get("today") or str(given.get("now") or "")[:10] or os.environ.get("BLINA_TODAY")
    if not fixed and os.environ.get("BLINA_NOW"):
        return now(tracker).date()
    return dt.date.fromisoformat(fixed) if fixed else dt.date.today()


def now(tracker: Optional[Tracker] = None) -> "dt.datetime":
    """The clinic's local time now (for the front desk's hours); $BLINA_NOW (YYYY-MM-DDTHH:MM, clinic time)
    fixes it, as may a message's metadata "now" where metadata may name the day. With only today fixed,
    it is that day at the real time of day."""
    zone = ZoneInfo(clinic_settings()["timezone"])
    fixed = _metadata(tracker).get("now") or os.environ.get("BLINA_NOW")
    if fixed:
        moment = dt.datetime.fromisoformat(str(fixed))
        return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)
    real = dt.datetime.now(zone)
    return dt.datetime.combine(today(tracker), real.timetz())


def long_date(day: "dt.date") -> str:
    """A date as patients read it, with its weekday: "Monday 14 December 2026"."""
    return f"{day:%A} {day.day} {day:%B %Y}"
