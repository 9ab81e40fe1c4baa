"""The front desk's queue of call-back and telemedicine requests, in SQLite beside the triage summaries
(the same file): the chat writes a request, staff change its status and add notes, and every change
records who made it and when. The patient's name and phone number are kept here and nowhere else."""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple, Union

import sqlite_utils

from triage.summaries import default_db_path

REQUESTS, CHANGES = "requests", "request_changes"
DRAFT = "draft"  # still being filled in by the chat: not in the queue
STATUSES = ("new", "called", "booked", "closed", "unreachable")
URGENCIES = ("emergency", "urgent", "routine")  # emergency and urgent: a red flag was given as the reason
DRAFT_FIELDS = ("kind", "name", "phone", "phone_said", "best_time", "reason", "urgency")
NOTE_MOST_CHARS = 500
DRAFT_KEPT_HOURS = 24  # an unfinished request's details are deleted after this long
PATIENT = "the patient, in the chat"


class RequestError(ValueError):
    """A change the store refuses (unknown request or status, a note too long), with the reason."""


@dataclass(frozen=True)
class Change:
    at: str  # ISO datetime, UTC
    who: str
    status: str
    note: Optional[str]


@dataclass(frozen=True)
class Request:
    reference: str
    sender_id: str
    status: str
    urgency: str
    kind: Optional[str]
    name: Optional[str]
    phone: Optional[str]  # E.164, for the tel: link
    phone_said: Optional[str]  # in the clinic's format, as the patient was told it
    best_time: Optional[str]
    reason: Optional[str]
    triage_id: Optional[int]
    created: str  # ISO datetime, UTC
    changes: Tuple[Change, ...] = ()

    @property
    def urgent(self) -> bool:
        return self.urgency != "routine"


def utc_now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class RequestStore:
    def __init__(self, db_path: Union[str, Path, None] = None):
        self.db_path = Path(db_path) if db_path else default_db_path()

    def _open(self) -> sqlite_utils.Database:
        # One connection per call: the action server and the web server both use the file.
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(self.db_path)
        if REQUESTS not in db.table_names():
            db[REQUESTS].create(
                {"id": int, "reference": str, "sender_id": str, "status": str, "urgency": str, "kind": str,
                 "name": str, "phone": str, "phone_said": str, "best_time": str, "reason": str,
                 "triage_id": int, "created": str, "updated": str},
                pk="id", not_null={"reference", "sender_id", "status", "urgency", "created", "updated"},
                if_not_exists=True,
            )
            db[REQUESTS].create_index(["reference"], unique=True, if_not_exists=True)
            db[REQUESTS].create_index(["sender_id", "status"], if_not_exists=True)
        if CHANGES not in db.table_names():
            db[CHANGES].create(
                {"id": int, "request_id": int, "at": str, "who": str, "status": str, "note": str},
                pk="id", not_null={"request_id", "at", "who", "status"},
                foreign_keys=[("request_id", REQUESTS, "id")], if_not_exists=True,
            )
            db[CHANGES].create_index(["request_id"], if_not_exists=True)
        return db

    # --- the chat's side ---------------------------------------------------------------------------

    def draft(self, sender_id: str) -> Optional[Request]:
        """The conversation's unfinished request, or None."""
        if not self.db_path.exists():
            return None
        db = self._open()
        try:
            row = next(db[REQUESTS].rows_where("sender_id = ? AND status = ?", [sender_id, DRAFT], limit=1), None)
            return _request(row) if row else None
        finally:
            db.close()

    def update_draft(self, sender_id: str, **fields) -> Request:
        """Adds what the patient gave to the conversation's unfinished request, starting one if needed."""
        unknown = set(fields) - set(DRAFT_FIELDS)
        if unknown:
            raise RequestError(f"not a request field: {', '.join(sorted(unknown))}")
        db = self._open()
        try:
            now = utc_now()
            self._purge_drafts(db)
            row = next(db[REQUESTS].rows_where("sender_id = ? AND status = ?", [sender_id, DRAFT], limit=1), None)
            if row is None:
                row = {"reference": _new_reference(db), "sender_id": sender_id, "status": DRAFT,
                       "urgency": "routine", "created": now}
            row.update(fields, updated=now)
            if "id" in row:
                db[REQUESTS].update(row["id"], row)
            else:
                db[REQUESTS].insert(row)
            return self._get(db, row["reference"])
        finally:
            db.close()

    def discard_draft(self, sender_id: str) -> None:
        """Forgets an unfinished request and the details in it (the patient cancelled)."""
        if not self.db_path.exists():
            return
        db = self._open()
        try:
            db[REQUESTS].delete_where("sender_id = ? AND status = ?", [sender_id, DRAFT])
        finally:
            db.close()

    def submit(self, sender_id: str) -> Request:
        """Puts the conversation's unfinished request in the queue, as new."""
        db = self._open()
        try:
            row = next(db[REQUESTS].rows_where("sender_id = ? AND status = ?", [sender_id, DRAFT], limit=1), None)
            if row is None:
                raise RequestError("this conversation has no request to send")
            self._record(db, row["id"], PATIENT, "new", None)
            return self._get(db, row["reference"])
        finally:
            db.close()

    def attach_triage(self, reference: str, triage_id: int) -> None:
        """Links a pre-visit triage summary (triage.summaries row id) to the request."""
        db = self._open()
        try:
            db[REQUESTS].update(self._row(db, reference)["id"], {"triage_id": int(triage_id), "updated": utc_now()})
        finally:
            db.close()

    # --- the front desk's side ---------------------------------------------------------------------

    def queue(self, limit: int = 200) -> List[Request]:
        """Requests in the order the desk works them: open before closed, urgent first, then the oldest."""
        if not self.db_path.exists():
            return []
        db = self._open()
        try:
            rows = db[REQUESTS].rows_where(
                "status != ?", [DRAFT], limit=max(0, int(limit)),
                order_by="status = 'closed', urgency = 'routine', created, id",
            )
            return [_request(row, self._changes(db, row["id"])) for row in rows]
        finally:
            db.close()

    def get(self, reference: str) -> Request:
        """A request in the queue (never one still being filled in)."""
        db = self._open()
        try:
            row = self._row(db, reference, drafts=False)
            return _request(row, self._changes(db, row["id"]))
        finally:
            db.close()

    def change(self, reference: str, status: str, note: Optional[str], who: str) -> Request:
        """A staff member's change: a status from STATUSES and an optional short note, with who and when."""
        if status not in STATUSES:
            raise RequestError(f"status must be one of {', '.join(STATUSES)}")
        note = (note or "").strip() or None
        if note and len(note) > NOTE_MOST_CHARS:
            raise RequestError(f"a note can have at most {NOTE_MOST_CHARS} characters")
        if not who.strip():
            raise RequestError("a change needs the name of who made it")
        db = self._open()
        try:
            self._record(db, self._row(db, reference, drafts=False)["id"], who.strip(), status, note)
            return self._get(db, reference)
        finally:
            db.close()

    def purge(self, before: dt.datetime) -> int:
        """Deletes the requests made before `before`, with their changes; returns how many went."""
        if not self.db_path.exists():
            return 0
        db = self._open()
        try:
            cutoff = before.astimezone(dt.timezone.utc).isoformat(timespec="seconds")
            old = [row["id"] for row in db[REQUESTS].rows_where("created < ?", [cutoff], select="id")]
            with db.conn:
                for request_id in old:
                    db[CHANGES].delete_where("request_id = ?", [request_id])
                    db[REQUESTS].delete(request_id)
            return len(old)
        finally:
            db.close()

    # --- inside ----------------------------------------------------------------------------------

    @staticmethod
    def _row(db, reference: str, drafts: bool = True) -> dict:
        row = next(db[REQUESTS].rows_where("reference = ?", [reference], limit=1), None)
        if row is None or (row["status"] == DRAFT and not drafts):
            raise RequestError(f"no request {reference}")
        return row

    def _get(self, db, reference: str) -> Request:
        row = self._row(db, reference)
        return _request(row, self._changes(db, row["id"]))

    @staticmethod
    def _changes(db, request_id: int) -> Tuple[Change, ...]:
        rows = db[CHANGES].rows_where("request_id = ?", [request_id], order_by="at, id")
        return tuple(Change(r["at"], r["who"], r["status"], r["note"]) for r in rows)

    @staticmethod
    def _record(db, request_id: int, who: str, status: str, note: Optional[str]) -> None:
        now = utc_now()
        with db.conn:  # the status and its change are written together or not at all
            db[REQUESTS].update(request_id, {"status": status, "updated": now})
            db[CHANGES].insert({"request_id": request_id, "at": now, "who": who, "status": status, "note": note})

    @staticmethod
    def _purge_drafts(db) -> None:
        cutoff = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=DRAFT_KEPT_HOURS)).isoformat(timespec="seconds")
        db[REQUESTS].delete_where("status = ? AND updated < ?", [DRAFT, cutoff])


def _new_reference(db) -> str:
    """"R-4821": short enough to say on the phone; random, so it tells nothing about other requests."""
    digits = 4
    while True:
        for _ in range(20):
            reference = f"R-{secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1)}"
            if not db.execute(f"SELECT 1 FROM {REQUESTS} WHERE reference = ?", [reference]).fetchone():
                return reference
        digits += 1  # four digits are getting used up


def _request(row: dict, changes: Tuple[Change, ...] = ()) -> Request:
    return Request(
        reference=row["reference"], sender_id=row["sender_id"], status=row["status"], urgency=row["urgency"],
        kind=row["kind"], name=row["name"], phone=row["phone"], phone_said=row["phone_said"],
        best_time=row["best_time"], reason=row["reason"], triage_id=row["triage_id"], created=row["created"],
        changes=changes,
    )
