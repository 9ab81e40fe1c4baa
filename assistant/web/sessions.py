"""Logged-in staff: sessions by random token, with their expiry."""
import secrets
import time
from dataclasses import dataclass
from typing import Dict, Optional

SESSION_COOKIE = "blina_staff"
SESSION_HOURS = 10  # one clinic shift; then the desk logs in again


@dataclass
class StaffSession:
    username: str
    name: str
    expires: float  # time.monotonic() deadline


class StaffSessions:
    """Logged-in staff by random session token, in memory: a restart logs everyone out."""

    def __init__(self, hours: float = SESSION_HOURS):
        self.seconds = hours * 3600
        self._sessions: Dict[str, StaffSession] = {}

    def start(self, username: str, name: str) -> str:
        token = secrets.token_urlsafe(32)
        self._sessions[token] = StaffSession(username, name, time.monotonic() + self.seconds)
        return token

    def get(self, token: Optional[str]) -> Optional[StaffSession]:
        session = self._sessions.get(token or "")
        if session and session.expires < time.monotonic():
            self._sessions.pop(token, None)
            return None
        return session

    def end(self, token: Optional[str]) -> None:
        self._sessions.pop(token or "", None)
