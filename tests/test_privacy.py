"""Retention and deletion of patients' data: `blina purge` removes exactly what is past the clinic's period,
and a confirmed "delete my conversation" leaves nothing of that sender in the tracker or triage store."""
import asyncio
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.privacy import ActionDeleteConversation
from assistant.tracker_store import SQLiteTrackerStore
from assistant.web.audit import AuditLog
from frontdesk.request_store import RequestStore
from knowledge.clinic import clinic_settings
from tests.trackers import run_action, tracker_for
from triage.summaries import TriageStore, TriageSummary

ROOT = Path(__file__).resolve().parent.parent
BLINA = Path(sys.executable).parent / "blina"
DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet, affirm, delete_conversation]\n')
DAY = 86400.0


def turn(text, at, custom=None):
    return [UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=at),
            ActionExecuted("action_answer_question", timestamp=at + 0.1),
            BotUttered("an answer", data={"custom": custom} if custom else {}, timestamp=at + 0.2),
            ActionExecuted("action_listen", timestamp=at + 0.3)]


def events_by_sender(db):
    with sqlite3.connect(db) as connection:
        return dict(connection.execute("SELECT sender_id, count(*) FROM events GROUP BY sender_id").fetchall())


def summary(sender, created: datetime):
    return TriageSummary(sender, created.isoformat(), "cycle 1, day 2", ("headache",), "mild", None, None,
                         "routine", "mild headache")


# --- retention ---------------------------------------------------------------------------------------


def test_blina_purge_removes_exactly_the_rows_past_the_retention_period(tmp_path):
    days = clinic_settings()["retention_days"]
    now = time.time()
    tracker_db, triage_db, staff_db = tmp_path / "trackers.db", tmp_path / "triage.db", tmp_path / "staff.db"
    store = SQLiteTrackerStore(DOMAIN, db=str(tracker_db))
    # One conversation entirely past the period, one straddling it, one recent.
    old, straddling, recent = now - (days + 5) * DAY, now - (days + 1) * DAY, now - DAY
    asyncio.run(store.save(DialogueStateTracker.from_events("old", turn("hi", old), DOMAIN.slots)))
    asyncio.run(store.save(DialogueStateTracker.from_events(
        "straddling", turn("hi", straddling) + turn("again", now - (days - 1) * DAY), DOMAIN.slots)))
    asyncio.run(store.save(DialogueStateTracker.from_events("recent", turn("hi", recent), DOMAIN.slots)))
    triage = TriageStore(triage_db)
    moment = datetime.now(timezone.utc)
    triage.add(summary("old", moment - timedelta(days=days, hours=1)))
    kept = triage.add(summary("recent", moment - timedelta(days=days - 1)))
    requests = RequestStore(triage_db)
    for sender, age in (("old", timedelta(days=days, hours=1)), ("recent", timedelta(days=days - 1))):
        requests.update_draft(sender, kind="call back", reason="my bloods")
        made = requests.submit(sender)
        with sqlite3.connect(triage_db) as db:  # as if it had been made `age` ago
            db.execute("UPDATE requests SET created = ? WHERE reference = ?",
                       ((moment - age).isoformat(timespec="seconds"), made.reference))
        requests.change(made.reference, "called", None, "Front desk")

    done = subprocess.run([str(BLINA), "purge", "--tracker-db", str(tracker_db), "--triage-db", str(triage_db)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, "BLINA_STAFF_DB": str(staff_db)})
    assert done.returncode == 0, done.stderr
    assert f"older than {days} days" in done.stdout
    assert "8 conversation events, 1 triage summaries, 1 requests" in done.stdout
    # The old conversation's 4 events and the straddling one's first 4 are gone; nothing newer is.
    assert events_by_sender(tracker_db) == {"straddling": 4, "recent": 4}
    assert [s.sender_id for s in triage.recent()] == ["recent"] and triage.get(kept) is not None
    assert [r.sender_id for r in requests.queue()] == ["recent"]
    with sqlite3.connect(triage_db) as db:  # the old request's changes went with it
        assert db.execute("SELECT COUNT(*) FROM request_changes").fetchone() == (2,)
    (entry,) = AuditLog(staff_db).entries()
    assert entry.action == "purge" and "8 conversation events, 1 triage summaries" in entry.detail


def test_start_up_purges_too(tmp_path):
    from assistant.serve import Servers

    tracker_db = tmp_path / "trackers.db"
    store = SQLiteTrackerStore(DOMAIN, db=str(tracker_db))
    asyncio.run(store.save(DialogueStateTracker.from_events("old", turn("hi", time.time() - 400 * DAY),
                                                            DOMAIN.slots)))
    servers = Servers(tracker_db=tracker_db, log_dir=tmp_path / "logs")
    servers.purge()  # what Servers.start does before any server starts
    assert events_by_sender(tracker_db) == {}
    assert [e.action for e in AuditLog(servers.staff_path).entries()] == ["purge"]
    assert servers.staff_path == tmp_path / "staff.db"


@pytest.mark.parametrize("days", [0, -3, "30", None, True])
def test_a_retention_setting_that_is_not_a_number_of_days_is_refused(days):
    from assistant.retention import retention_days

    with pytest.raises(ValueError, match="retention_days"):
        retention_days({"retention_days": days})


# --- "delete my conversation" ------------------------------------------------------------------------


def test_the_tracker_store_deletes_a_conversation_whose_reply_says_forget(tmp_path, monkeypatch):
    monkeypatch.setenv("BLINA_STAFF_DB", str(tmp_path / "staff.db"))
    store = SQLiteTrackerStore(DOMAIN, db=str(tmp_path / "trackers.db"))
    asyncio.run(store.save(DialogueStateTracker.from_events("other", turn("hi", 100.0), DOMAIN.slots)))
    asyncio.run(store.save(DialogueStateTracker.from_events("patient", turn("hi", 100.0), DOMAIN.slots)))
    tracker = asyncio.run(store.retrieve("patient"))
    for event in turn("yes", 200.0, custom={"forget_conversation": True, "triage_summaries": 2}):
        tracker.update(event)
    asyncio.run(store.save(tracker))
    assert events_by_sender(tmp_path / "trackers.db") == {"other": 4}
    assert asyncio.run(store.retrieve("patient")) is None
    (entry,) = AuditLog(tmp_path / "staff.db").entries()
    assert (entry.action, entry.user, entry.target) == ("delete-conversation", "patient", "patient")
    # The 4 stored events went; the 4 of the deleting turn were never written. Counts only, no text.
    assert entry.detail == "4 stored events, 2 triage summaries"
    # A reply without the payload is saved as before.
    other = asyncio.run(store.retrieve("other"))
    for event in turn("hello", 300.0, custom={"urgency": "routine"}):
        other.update(event)
    asyncio.run(store.save(other))
    assert events_by_sender(tmp_path / "trackers.db") == {"other": 8}


ASKED = [{"event": "user", "text": "delete my conversation"},
         {"event": "action", "name": "utter_ask_delete_conversation"},
         {"event": "bot", "text": "Shall I delete this conversation?"},
         {"event": "action", "name": "action_listen"},
         {"event": "user", "text": "yes"}]


@pytest.fixture
def triage(tmp_path, monkeypatch):
    monkeypatch.setenv("BLINA_TRIAGE_DB", str(tmp_path / "triage.db"))
    store = TriageStore(tmp_path / "triage.db")
    store.add(summary("test-patient", datetime.now(timezone.utc)))
    store.add(summary("someone-else", datetime.now(timezone.utc)))
    return store


def test_a_yes_to_the_question_deletes_the_patients_summaries_and_asks_to_forget(triage):
    messages, events = run_action(ActionDeleteConversation(), tracker_for("yes", "affirm", events=ASKED))
    assert [s.sender_id for s in triage.recent()] == ["someone-else"]
    assert messages[0]["custom"] == {"forget_conversation": True, "triage_summaries": 1}
    assert "deleted" in messages[0]["text"] and events == []


@pytest.mark.parametrize("intent,events", [
    ("affirm", ASKED[3:]),  # a yes, but not to the deletion question
    ("deny", ASKED),  # a no to it
])
def test_without_a_yes_to_the_question_nothing_is_deleted(triage, intent, events):
    messages, _ = run_action(ActionDeleteConversation(), tracker_for("yes", intent, events=events))
    assert len(triage.recent()) == 2
    assert messages[0]["response"] == "utter_conversation_kept" and not messages[0]["custom"]
