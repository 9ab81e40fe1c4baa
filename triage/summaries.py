"""Pre-visit triage summaries: what the patient reported, kept in SQLite for the staff console."""
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Tuple, Union

import sqlite_utils

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = ROOT / "build" / "triage.db"
TABLE = "triage"
URGENCIES = ("emergency", "urgent", "today", "routine")


def default_db_path() -> Path:
    """$BLINA_TRIAGE_DB when set (read at call time, so servers and tests can point elsewhere)."""
    return Path(os.environ.get("BLINA_TRIAGE_DB") or DEFAULT_DB)


@dataclass(frozen=True)
class TriageSummary:
    """One finished pre-visit check, as the clinician reads it before the visit."""

    sender_id: str
    created: str  # ISO datetime, e.g. 2025-03-04T09:15:00+00:00
    treatment_day: Optional[str]
    symptoms: Tuple[str, ...]
    severity: Optional[str]
    new_medicines: Optional[str]
    questions: Optional[str]
    urgency: str  # "emergency" | "urgent" (call the clinic now) | "today" | "routine"
    reason: str

    def __post_init__(self):
        if self.urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {', '.join(URGENCIES)}, not {self.urgency!r}")
        _sort_key(self.created)  # refuses a created that is not an ISO datetime
        # A list from a form slot becomes a tuple, so the summary stays hashable and frozen.
        object.__setattr__(self, "symptoms", tuple(str(s) for s in (self.symptoms or ())))


def _sort_key(created: str) -> str:
    """created as UTC, so summaries written with different offsets still sort by real time."""
    try:
        moment = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        raise ValueError(f"created must be an ISO datetime, not {created!r}") from None
    if moment.tzinfo is None:  # naive times are taken as UTC, the server's convention
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat()


class TriageStore:
    """The `triage` table: the lead's triage form adds to it, the staff console lists it."""

    def __init__(self, db_path: Union[str, Path, None] = None):
        self.db_path = Path(db_path) if db_path else default_db_path()

    def _open(self) -> sqlite_utils.Database:
        # One connection per call: the store is used from more than one process and thread.
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(self.db_path)
        if TABLE not in db.table_names():
            db[TABLE].create(
                {
                    "id": int, "sender_id": str, "created": str, "created_utc": str,
                    "treatment_day": str, "symptoms": str, "severity": str,
                    "new_medicines": str, "questions": str, "urgency": str, "reason": str,
                },
                pk="id",
                not_null={"sender_id", "created", "created_utc", "urgency", "reason"},
                if_not_exists=True,
            )
            db[TABLE].create_index(["created_utc"], if_not_exists=True)
        return db

    def add(self, summary: TriageSummary) -> int:
        """Stores one summary and returns its row id."""
        db = self._open()
        try:
            row = {
                "sender_id": summary.sender_id,
                "created": summary.created,
                "created_utc": _sort_key(summary.created),
                "treatment_day": summary.treatment_day,
                "symptoms": json.dumps(list(summary.symptoms)),
                "severity": summary.severity,
                "new_medicines": summary.new_medicines,
                "questions": summary.questions,
                "urgency": summary.urgency,
                "reason": summary.reason,
            }
            return db[TABLE].insert(row).last_pk
        finally:
            db.close()

    def get(self, row_id: int) -> Optional[TriageSummary]:
        """One summary by the row id `add` returned, or None."""
        if not self.db_path.exists():
            return None
        db = self._open()
        try:
            row = next(db[TABLE].rows_where("id = ?", [int(row_id)], limit=1), None)
            return _summary(row) if row else None
        finally:
            db.close()

    def recent(self, limit: int = 50) -> List[TriageSummary]:
        """The newest summaries first (by the time they were created, then by arrival)."""
        return [summary for _, summary in self.listing(limit)]

    def listing(self, limit: int = 50) -> List[Tuple[int, TriageSummary]]:
        """(row id, summary) of the newest summaries first, as recent() orders them."""
        return self._rows(None, [], limit)

    def get(self, row_id: int) -> Optional[TriageSummary]:
        """One summary by its row id, or None."""
        rows = self._rows("id = ?", [int(row_id)], 1)
        return rows[0][1] if rows else None

    def _rows(self, where: Optional[str], values: list, limit: int) -> List[Tuple[int, TriageSummary]]:
        if not self.db_path.exists():
            return []
        db = self._open()
        try:
            rows = db[TABLE].rows_where(where, values, order_by="created_utc desc, id desc", limit=max(0, int(limit)))
            return [(row["id"], _summary(row)) for row in rows]
        finally:
            db.close()


    def forget(self, sender_id: str) -> int:
        """Deletes every summary of one conversation (the patient asked); returns how many went."""
        return self._delete("sender_id = ?", [sender_id])

    def purge(self, before: datetime) -> int:
        """Deletes the summaries created before a moment (the retention period); returns how many went."""
        if before.tzinfo is None:
            before = before.replace(tzinfo=timezone.utc)
        return self._delete("created_utc < ?", [before.astimezone(timezone.utc).isoformat()])

    def _delete(self, where: str, values: list) -> int:
        if not self.db_path.exists():
            return 0
        db = self._open()
        try:
            with db.conn:
                return db.execute(f"DELETE FROM {TABLE} WHERE {where}", values).rowcount
        finally:
            db.close()


def _summary(row: dict) -> TriageSummary:
    return TriageSummary(
        sender_id=row["sender_id"],
        created=row["created"],
        treatment_day=row["treatment_day"],
        symptoms=tuple(json.loads(row["symptoms"] or "[]")),
        severity=row["severity"],
        new_medicines=row["new_medicines"],
        questions=row["questions"],
        urgency=row["urgency"],
        reason=row["reason"],
    )
