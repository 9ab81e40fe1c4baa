"""Logged-in staff: sessions kept in SQLite (so a restart logs nobody out), with idle and absolute timeouts.

The cookie carries a random token; the table keeps only its SHA-256, so a copy of the database opens
no session. Each session has its own CSRF token, which every state-changing staff POST must carry.
"""
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from assistant.web.staff_db import open_staff_db

SESSION_COOKIE = "blina_staff"
TOUCH_EVERY_S = 30  # last use is written at most this often: a page's requests need not each write


@dataclass(frozen=True)
class StaffSession:
    username: str
    name: str
    csrf_token: str
    token: str = ""  # the cookie's value; set only on the session just started


class SessionStore:
    """The `sessions` table of the staff database."""

    TABLE = "sessions"

    def __init__(self, db_path: Path, idle_minutes: float, absolute_hours: float,
                 clock: Callable[[], float] = time.time):
        self.db_path = Path(db_path)
        self.idle_s, self.absolute_s, self.clock = idle_minutes * 60, absolute_hours * 3600, clock

    def _open(self):
        db = open_staff_db(self.db_path)
        db[self.TABLE].create({"token_hash": str, "username": str, "name": str, "csrf_token": str,
                               "created": float, "last_used": float}, pk="token_hash", if_not_exists=True)
        return db

    def start(self, username: str, name: str) -> StaffSession:
        """A new session with a new token (never one the browser brought along)."""
        token, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), self.clock()
        db = self._open()
        try:
            with db.conn:
                db[self.TABLE].insert({"token_hash": _digest(token), "username": username, "name": name,
                                       "csrf_token": csrf, "created": now, "last_used": now})
        finally:
            db.close()
        return StaffSession(username, name, csrf, token)

    def get(self, token: Optional[str]) -> Optional[StaffSession]:
        """The live session of a cookie, or None (unknown, idle too long, or past its absolute limit)."""
        if not token:
            return None
        now, key = self.clock(), _digest(token)
        db = self._open()
        try:
            row = next(db[self.TABLE].rows_where("token_hash = ?", [key]), None)
            if row is None:
                return None
            if now - row["last_used"] > self.idle_s or now - row["created"] > self.absolute_s:
                with db.conn:
                    db.execute(f"DELETE FROM {self.TABLE} WHERE token_hash = ?", [key])
                return None
            if now - row["last_used"] >= TOUCH_EVERY_S:
                with db.conn:
                    db.execute(f"UPDATE {self.TABLE} SET last_used = ? WHERE token_hash = ?", [now, key])
            return StaffSession(row["username"], row["name"], row["csrf_token"])
        finally:
            db.close()

    def end(self, token: Optional[str]) -> None:
        self._delete("token_hash = ?", [_digest(token or "")])

    def end_all(self, username: str) -> int:
        """Ends every session of one account (it was disabled); returns how many."""
        return self._delete("username = ?", [username])

    def end_expired(self) -> int:
        now = self.clock()
        return self._delete("last_used < ? OR created < ?", [now - self.idle_s, now - self.absolute_s])

    def _delete(self, where: str, values: list) -> int:
        db = self._open()
        try:
            with db.conn:
                return db.execute(f"DELETE FROM {self.TABLE} WHERE {where}", values).rowcount
        finally:
            db.close()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_matches(session: StaffSession, sent: Optional[str]) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf_token.encode(), str(sent).encode())
