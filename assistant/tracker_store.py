"""Rasa's SQL tracker store, for one SQLite file shared by the Rasa worker processes on one machine.

The same tables and rows as Rasa's `type: SQL` store, so either can read what the other wrote. What
differs is what a turn costs (measured with py-spy under `make bench`): connections stay open with
WAL mode and a busy timeout set on each, a save inserts the turn's new events in one statement
instead of first counting the stored ones, and a read is one plain query. What it stores is masked
(assistant/privacy.py): no patient's phone number or name from a request to the front desk. The
endpoints file names it:
`tracker_store: {type: assistant.tracker_store.SQLiteTrackerStore, db: path/to/trackers.db}`.

A turn whose reply carries the `forget_conversation` payload (actions/privacy.py, after the patient
confirmed) is not saved: the conversation's stored events are deleted instead, inside Rasa's lock
for that conversation, and the audit log says so (without any message text).
"""
import itertools
import json
from pathlib import Path
from typing import Any, Dict, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from assistant.privacy import masked_events

# A worker waits this long for the other's write instead of failing with "database is locked", which
# Rasa's fail-safe store would answer by keeping the turn in memory only.
BUSY_TIMEOUT_S = 30.0
# Rasa's query for a conversation's latest session (SQLTrackerStore._event_query), as plain SQL: the
# events from its latest session_started on, or all of them before the first one.
LATEST_SESSION = sa.text(
    "SELECT data FROM events WHERE sender_id = :sender_id AND ("
    " timestamp >= (SELECT max(timestamp) FROM events WHERE sender_id = :sender_id AND type_name = 'session_started')"
    " OR NOT EXISTS (SELECT 1 FROM events WHERE sender_id = :sender_id AND type_name = 'session_started'))"
    " ORDER BY id"
)
# Set on a tracker this store read or wrote: how many of its events the table holds.
STORED_EVENTS = "_blina_stored_events"
FORGET = "forget_conversation"  # actions/privacy.py's reply payload


def forget_requested(events) -> Optional[dict]:
    """The forget payload of a bot reply among these events (the confirmed deletion), else None."""
    for event in events:
        custom = (getattr(event, "data", None) or {}).get("custom") if isinstance(event, BotUttered) else None
        if isinstance(custom, dict) and custom.get(FORGET):
            return custom
    return None


class ForgettingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store (any dialect: SQLite, PostgreSQL) that deletes a conversation its
    patient asked to delete, instead of saving its last turn."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        stored = getattr(tracker, STORED_EVENTS, None) or 0
        request = forget_requested(itertools.islice(tracker.events, stored, None))
        if request is None:
            await self._save(tracker)
            return
        removed = self.forget(tracker.sender_id)
        setattr(tracker, STORED_EVENTS, len(tracker.events))  # saving it again adds nothing
        from assistant.web.audit import AuditLog

        AuditLog().record("delete-conversation", user="patient", target=tracker.sender_id,
                          detail=f"{removed} stored events, {int(request.get('triage_summaries') or 0)} triage summaries")

    async def _save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)

    def forget(self, sender_id: Text) -> int:
        """Deletes every stored event of one conversation; returns how many went."""
        with self.session_scope() as session:
            removed = session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == sender_id).delete()
            session.commit()
        return removed


class SQLiteTrackerStore(ForgettingSQLTrackerStore):
    def __init__(self, domain=None, host: Optional[Text] = None, db: Text = "rasa.db",
                 busy_timeout: float = BUSY_TIMEOUT_S, event_broker=None, **kwargs: Any) -> None:
        Path(db).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        url = self.engine.url
        self.engine.dispose()
        # SQLAlchemy 1.4 opens a new SQLite connection for every session; one kept open per worker is enough.
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4,
                                       connect_args={"timeout": float(busy_timeout), "check_same_thread": False})
        sa.event.listen(self.engine, "connect", _prepare_connection)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        with self.engine.connect():  # WAL is in the file before any reader opens it
            pass

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        with self.engine.connect() as connection:
            rows = connection.execute(LATEST_SESSION, {"sender_id": sender_id}).fetchall()
        if not (self.domain and rows):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [json.loads(data) for (data,) in rows],
                                                 self.domain.slots)
        setattr(tracker, STORED_EVENTS, len(rows))
        return tracker

    async def _save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        stored = getattr(tracker, STORED_EVENTS, None)
        if stored is None:  # not read by this store (a new conversation): count what is stored, as Rasa does
            with self.session_scope() as session:
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
        rows = [_event_row(tracker.sender_id, data) for data in masked_events(tracker.events, stored)]
        if rows:
            with self.session_scope() as session:
                session.execute(self.SQLEvent.__table__.insert(), rows)
                session.commit()
        setattr(tracker, STORED_EVENTS, len(tracker.events))


def _prepare_connection(connection, _record) -> None:
    # WAL: a reader never blocks the other worker's write. NORMAL: a commit survives a crash of Rasa,
    # not a power cut, and skips the fsync on every turn.
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")


def _event_row(sender_id: Text, data: Dict[Text, Any]) -> Dict[Text, Any]:
    """One row of Rasa's `events` table, filled as SQLTrackerStore.save fills it."""
    return {
        "sender_id": sender_id,
        "type_name": data["event"],
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
