"""The audit log: who did what, when and from where, in an append-only SQLite table.

This module offers adding an entry and reading entries, nothing else; triggers in the database refuse
any UPDATE or DELETE of a row, whoever tries. Entries never hold message text: a search keeps its
query (what the member of staff typed), a summary view its row id, a deletion its counts.
"""
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import List, Optional, Union

import sqlite_utils

from assistant.paths import staff_db_path
from assistant.web.staff_db import open_staff_db

TABLE = "audit"
ACTIONS = (
    "login", "logout", "login-failure", "lockout", "unlock", "view-triage-summary", "build-plan",
    "download-ics", "search", "purge", "delete-conversation", "account-added", "account-disabled",
    "view-requests", "change-request",
)
# The database itself keeps the table append-only; RAISE aborts the statement that tried.
_GUARDS = (
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
)


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str  # ISO datetime, UTC
    user: str  # the staff user name, or "patient" / "system"
    action: str
    address: Optional[str]  # the client's address, when it came over HTTP
    target: Optional[str]  # what it was done to: a summary's id, a conversation id, an account
    detail: Optional[str]  # a search's query, a plan's inputs, counts; never message text


class AuditLog:
    """The `audit` table of the staff database: `record` adds to it, `entries` reads it."""

    def __init__(self, db_path: Union[str, Path, None] = None):
        self.db_path = Path(db_path) if db_path else staff_db_path()
        self._ready = False  # the table and its guards are known to be in the file

    def _open(self) -> sqlite_utils.Database:
        db = open_staff_db(self.db_path)
        if self._ready:
            return db
        if TABLE not in db.table_names():
            db[TABLE].create(
                {"id": int, "at": str, "user": str, "action": str, "address": str, "target": str, "detail": str},
                pk="id", not_null={"at", "user", "action"}, if_not_exists=True,
            )
            db[TABLE].create_index(["at"], if_not_exists=True)
        for guard in _GUARDS:
            db.execute(guard)
        self._ready = True
        return db

    def record(self, action: str, user: str, address: Optional[str] = None, target: Optional[str] = None,
               detail: Optional[str] = None, at: Optional[datetime] = None) -> int:
        """Adds one entry and returns its id."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        moment = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        db = self._open()
        try:
            with db.conn:
                return db[TABLE].insert({
                    "at": moment.isoformat(timespec="seconds"), "user": str(user), "action": action,
                    "address": address, "target": None if target is None else str(target),
                    "detail": None if detail is None else str(detail)[:500],
                }).last_pk
        finally:
            db.close()

    def entries(self, since: Optional[datetime] = None, user: Optional[str] = None,
                limit: Optional[int] = None) -> List[AuditEntry]:
        """Entries, newest first; since a moment (UTC when naive) and of one user when given."""
        if not self.db_path.exists():
            return []
        where, values = [], []
        if since is not None:
            since = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
            where.append("at >= ?")
            values.append(since.astimezone(timezone.utc).isoformat(timespec="seconds"))
        if user is not None:
            where.append("user = ?")
            values.append(user)
        db = self._open()
        try:
            rows = db[TABLE].rows_where(" AND ".join(where) or None, values, order_by="id desc",
                                        limit=None if limit is None else max(0, int(limit)))
            return [AuditEntry(**row) for row in rows]
        finally:
            db.close()
