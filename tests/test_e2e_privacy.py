"""End to end: "delete my conversation" through the real Rasa and action server, then the tracker store."""
import json
import sqlite3
import uuid
from datetime import datetime, timezone

import pytest
import requests

from assistant.web.audit import AuditLog
from triage.summaries import TriageStore, TriageSummary

pytestmark = pytest.mark.slow


def say(servers, sender, text):
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                          timeout=60)
    reply.raise_for_status()
    return reply.json()


def stored_events(servers, sender):
    with sqlite3.connect(servers.tracker_db) as db:
        return [json.loads(data)["event"] for (data,) in
                db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,))]


def test_delete_my_conversation_after_confirmation_leaves_no_events_for_that_sender(servers):
    sender, bystander = uuid.uuid4().hex, uuid.uuid4().hex
    TriageStore(servers.triage_path).add(TriageSummary(
        sender, datetime.now(timezone.utc).isoformat(), "cycle 1, day 2", ("headache",), "mild", None, None,
        "routine", "mild headache"))
    say(servers, bystander, "how often is the bag changed?")
    say(servers, sender, "how often is the bag changed?")
    asked = say(servers, sender, "delete my conversation")
    assert "cannot be undone" in asked[0]["text"]
    assert [b["title"] for b in asked[0]["buttons"]] == ["Yes, delete it", "No, keep it"]
    assert "user" in stored_events(servers, sender)  # nothing is deleted before the yes

    done = say(servers, sender, "yes")
    assert "deleted" in done[0]["text"]
    assert any((m.get("custom") or {}).get("forget_conversation") is True for m in done)
    assert stored_events(servers, sender) == []
    assert [s.sender_id for s in TriageStore(servers.triage_path).recent() if s.sender_id == sender] == []
    assert stored_events(servers, bystander)  # someone else's conversation is untouched
    entry = next(e for e in AuditLog(servers.staff_path).entries() if e.target == sender)
    assert entry.action == "delete-conversation" and "1 triage summaries" in entry.detail
    assert "bag" not in entry.detail

    # The same sender id starts afresh: Rasa reads the (now empty) store, it keeps nothing in memory.
    assert "Source:" in "\n".join(m.get("text", "") for m in say(servers, sender, "what are the side effects?"))
    assert "delete" not in json.dumps(stored_events(servers, sender))


def test_no_to_the_question_deletes_nothing(servers):
    sender = uuid.uuid4().hex
    say(servers, sender, "please delete this chat")
    kept = say(servers, sender, "no")
    assert "Nothing was deleted" in kept[0]["text"]
    assert len(stored_events(servers, sender)) > 4


def test_delete_my_conversation_in_the_middle_of_the_triage_form_stops_it_and_asks_first(servers):
    sender = uuid.uuid4().hex
    say(servers, sender, "I have a video appointment tomorrow")  # the triage form asks the treatment day
    asked = say(servers, sender, "delete my conversation")
    # Not taken as the treatment day: the form stops and the deletion is confirmed first.
    assert "cannot be undone" in asked[0]["text"]
    say(servers, sender, "yes")
    assert stored_events(servers, sender) == []
    assert not [s for s in TriageStore(servers.triage_path).recent() if s.sender_id == sender]
