"""assistant/tracker_store.py: reads and writes exactly what Rasa's own SQL tracker store does."""
import asyncio
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from assistant.tracker_store import SQLiteTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, ask_dosing]
slots:
  indication:
    type: text
    mappings:
      - type: custom
""")


def turn(text, intent, answer, at):
    return [UserUttered(text, {"name": intent, "confidence": 1.0}, timestamp=at),
            ActionExecuted("action_answer_question", timestamp=at + 0.1),
            BotUttered(answer, timestamp=at + 0.2), SlotSet("indication", "mrd-positive", timestamp=at + 0.3),
            ActionExecuted("action_listen", timestamp=at + 0.4)]


def stores(tmp_path):
    db = str(tmp_path / "trackers.db")
    return SQLiteTrackerStore(DOMAIN, db=db), SQLTrackerStore(DOMAIN, dialect="sqlite", db=db)


def events_of(tracker):
    return [event.as_dict() for event in tracker.events]


def rows(tmp_path, sender):
    with sqlite3.connect(tmp_path / "trackers.db") as db:
        return db.execute("SELECT type_name, intent_name, action_name FROM events WHERE sender_id = ? ORDER BY id",
                          (sender,)).fetchall()


def test_a_conversation_saved_turn_by_turn_reads_back_the_same_in_rasas_store(tmp_path):
    ours, rasas = stores(tmp_path)
    first = DialogueStateTracker.from_events("patient", turn("hi", "greet", "Hello!", 100.0), DOMAIN.slots)
    asyncio.run(ours.save(first))  # a new conversation
    tracker = asyncio.run(ours.retrieve("patient"))
    for event in turn("what dose?", "ask_dosing", "28 mcg/day", 200.0):
        tracker.update(event)
    asyncio.run(ours.save(tracker))
    asyncio.run(ours.save(tracker))  # saving again adds nothing
    read_back = asyncio.run(rasas.retrieve("patient"))
    assert events_of(read_back) == events_of(tracker) and len(read_back.events) == 10
    assert rows(tmp_path, "patient")[5] == ("user", "ask_dosing", None)  # the columns Rasa fills
    assert rows(tmp_path, "patient")[6] == ("action", None, "action_answer_question")


def test_only_the_latest_session_is_read_as_rasa_reads_it(tmp_path):
    ours, rasas = stores(tmp_path)
    old = turn("hi", "greet", "Hello!", 100.0)
    new = [ActionExecuted("action_session_start", timestamp=300.0), SessionStarted(timestamp=300.0),
           ActionExecuted("action_listen", timestamp=300.1)] + turn("what dose?", "ask_dosing", "28", 400.0)
    asyncio.run(rasas.save(DialogueStateTracker.from_events("patient", old + new, DOMAIN.slots)))
    ours_read, rasas_read = asyncio.run(ours.retrieve("patient")), asyncio.run(rasas.retrieve("patient"))
    assert events_of(ours_read) == events_of(rasas_read) == [e.as_dict() for e in new]
    assert asyncio.run(ours.retrieve("nobody")) is None


def test_a_session_started_during_a_turn_is_saved_once(tmp_path):
    ours, _ = stores(tmp_path)
    asyncio.run(ours.save(DialogueStateTracker.from_events("patient", turn("hi", "greet", "Hello!", 100.0),
                                                           DOMAIN.slots)))
    tracker = asyncio.run(ours.retrieve("patient"))
    for event in [ActionExecuted("action_session_start", timestamp=5000.0), SessionStarted(timestamp=5000.0),
                  ActionExecuted("action_listen", timestamp=5000.1)]:
        tracker.update(event)
    asyncio.run(ours.save(tracker))
    assert len(rows(tmp_path, "patient")) == 8
    assert [e.as_dict() for e in asyncio.run(ours.retrieve("patient")).events][0]["event"] == "action"


@pytest.mark.parametrize("pragma, expected", [("journal_mode", "wal"), ("synchronous", 1)])
def test_connections_use_wal_and_commit_without_fsync_per_turn(tmp_path, pragma, expected):
    ours, _ = stores(tmp_path)
    with ours.engine.connect() as connection:
        assert connection.exec_driver_sql(f"PRAGMA {pragma}").scalar() == expected
