"""Retention of patients' data: conversations (the tracker store), triage summaries and requests to the
front desk older than the clinic's period are deleted by `blina purge` and whenever `blina serve` starts; the audit log says how many went."""
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional

from knowledge.clinic import clinic_settings
from frontdesk.request_store import RequestStore
from triage.summaries import TriageStore

BUSY_TIMEOUT_S = 30.0  # Rasa may be writing a turn at the same moment


@dataclass(frozen=True)
class Purged:
    before: datetime
    events: int
    summaries: int
    requests: int = 0


def retention_days(settings: Optional[dict] = None) -> int:
    days = (settings or clinic_settings()).get("retention_days")
    if not isinstance(days, int) or isinstance(days, bool) or days < 1:
        raise ValueError(f"retention_days in the clinic settings must be a whole number of days, 1 or more, not {days!r}")
    return days


def purge(tracker_db: Path, triage_db: Optional[Path], audit, days: int, now: Optional[datetime] = None,
          by: str = "system") -> Purged:
    """Deletes the tracker store's events and the triage summaries from before now - days."""
    before = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    events = 0
    if Path(tracker_db).exists():
        with sqlite3.connect(tracker_db, timeout=BUSY_TIMEOUT_S) as db:
            has_events = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events'").fetchone()
            if has_events:  # Rasa's own table: timestamp is the event's Unix time
                events = db.execute("DELETE FROM events WHERE timestamp < ?", (before.timestamp(),)).rowcount
    summaries = TriageStore(triage_db).purge(before)
    requests = RequestStore(triage_db).purge(before)
    audit.record("purge", user=by, detail=f"older than {days} days (before {before.isoformat(timespec='seconds')}): "
                                          f"{events} conversation events, {summaries} triage summaries, "
                                          f"{requests} requests")
    return Purged(before, events, summaries, requests)
