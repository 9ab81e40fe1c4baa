"""Who may log in to the staff console: scrypt password hashes, the accounts (SQLite, managed with
`blina staff`), and the throttling of failed logins per account and per client address."""
import hashlib
import hmac
import math
import secrets
import time
from base64 import b64decode, b64encode
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, List, Optional, Union

import sqlite_utils

from assistant.paths import staff_db_path
from assistant.web.audit import AuditLog
from assistant.web.staff_db import open_staff_db

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 16 MB and a few tens of ms per check


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """A password as `scrypt$n$r$p$salt$hash` (base64), as the accounts table keeps it."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=b64encode(salt).decode(), digest=b64encode(digest).decode()
    )


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches the stored hash; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
_DECOY_HASH = hash_password(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class ConsolePolicy:
    """The staff console's limits (assistant/clinic.yml, `staff_console`)."""

    failures_per_account: int = 5
    failures_per_address: int = 20
    failure_window_minutes: float = 15
    lockout_minutes: float = 5
    lockout_max_minutes: float = 240
    session_idle_minutes: float = 30
    session_absolute_hours: float = 10
    password_min_length: int = 12
    behind_proxy: bool = False

    @classmethod
    def from_settings(cls, settings: dict) -> "ConsolePolicy":
        given = settings.get("staff_console") or {}
        return cls(**{name: given[name] for name in cls.__dataclass_fields__ if name in given})


class AccountError(ValueError):
    """An account cannot be added or changed; the text says why."""


@dataclass(frozen=True)
class Account:
    username: str
    name: str
    disabled: bool
    created: str


class AccountStore:
    """Staff accounts in the `accounts` table; read at every login, so a change needs no restart."""

    TABLE = "accounts"

    def __init__(self, db_path: Union[str, Path, None] = None):
        self.db_path = Path(db_path) if db_path else staff_db_path()

    def _open(self) -> sqlite_utils.Database:
        db = open_staff_db(self.db_path)
        db[self.TABLE].create({"username": str, "name": str, "password": str, "disabled": int, "created": str},
                              pk="username", not_null={"name", "password", "disabled", "created"},
                              if_not_exists=True)
        return db

    def add(self, username: str, name: str, password: str, min_length: int) -> Account:
        username = username.strip()
        if not username or any(ch.isspace() for ch in username) or len(username) > 64:
            raise AccountError("a user name is 1-64 characters without spaces")
        if len(password) < min_length:
            raise AccountError(f"the password must be at least {min_length} characters")
        db = self._open()
        try:
            if db[self.TABLE].count_where("username = ?", [username]):
                raise AccountError(f"there is already an account {username!r}")
            created = datetime.now(timezone.utc).isoformat(timespec="seconds")
            with db.conn:
                db[self.TABLE].insert({"username": username, "name": name.strip() or username,
                                       "password": hash_password(password), "disabled": 0, "created": created})
        finally:
            db.close()
        return Account(username, name.strip() or username, False, created)

    def disable(self, username: str) -> None:
        """Nobody can log in as this account any more; its open sessions end (sessions.SessionStore)."""
        db = self._open()
        try:
            with db.conn:
                changed = db.execute(f"UPDATE {self.TABLE} SET disabled = 1 WHERE username = ?",
                                     [username]).rowcount
        finally:
            db.close()
        if not changed:
            raise AccountError(f"there is no account {username!r}")

    def accounts(self) -> List[Account]:
        if not self.db_path.exists():
            return []
        db = self._open()
        try:
            return [Account(row["username"], row["name"], bool(row["disabled"]), row["created"])
                    for row in db[self.TABLE].rows_where(order_by="username")]
        finally:
            db.close()

    def check(self, username: str, password: str) -> Optional[Account]:
        """The account when the user name and password match an enabled account, else None."""
        row = None
        if self.db_path.exists():
            db = self._open()
            try:
                row = next(db[self.TABLE].rows_where("username = ?", [username.strip()]), None)
            finally:
                db.close()
        matches = verify_password(password, row["password"] if row else _DECOY_HASH)
        if row and matches and not row["disabled"]:
            return Account(row["username"], row["name"], False, row["created"])
        return None

    def exists(self, username: str) -> bool:
        if not self.db_path.exists():
            return False
        db = self._open()
        try:
            return bool(db[self.TABLE].count_where("username = ?", [username.strip()]))
        finally:
            db.close()


class LoginThrottle:
    """Failed logins counted per account and per client address, with a lockout that doubles each time.

    `blocked` says until when a login is refused (whatever the password); lockouts and their ends go
    in the audit log under `who` (the account's name, or a stand-in when no such account exists).
    """

    TABLE = "login_failures"

    def __init__(self, db_path: Path, policy: ConsolePolicy, audit: AuditLog,
                 clock: Callable[[], float] = time.time):
        self.db_path, self.policy, self.audit, self.clock = Path(db_path), policy, audit, clock

    def _open(self) -> sqlite_utils.Database:
        db = open_staff_db(self.db_path)
        db[self.TABLE].create({"key": str, "failures": int, "first_failure": float, "last_failure": float,
                               "lockouts": int, "locked_until": float}, pk="key", if_not_exists=True)
        return db

    @staticmethod
    def keys(username: str, address: str) -> List[str]:
        return [f"account:{username.strip()}", f"address:{address}"]

    def blocked(self, username: str, address: str, who: str) -> Optional[float]:
        """The time (time.time()) until which this login is refused, or None; ends lapsed lockouts."""
        now, until = self.clock(), None
        db = self._open()
        try:
            for key in self.keys(username, address):
                row = next(db[self.TABLE].rows_where("key = ?", [key]), None)
                if not row or row["locked_until"] is None:
                    continue
                if row["locked_until"] > now:
                    until = max(until or 0.0, row["locked_until"])
                    continue
                with db.conn:
                    db[self.TABLE].update(key, {"locked_until": None, "failures": 0})
                self.audit.record("unlock", user=who, address=address, target=_kind(key),
                                  detail="the lockout ended at " + _iso(row["locked_until"]))
        finally:
            db.close()
        return until

    def failed(self, username: str, address: str, who: str) -> Optional[float]:
        """Counts one failed login; returns the end of the lockout it caused, if it caused one."""
        now, policy, until = self.clock(), self.policy, None
        limits = (policy.failures_per_account, policy.failures_per_address)
        db = self._open()
        try:
            for key, limit in zip(self.keys(username, address), limits):
                row = next(db[self.TABLE].rows_where("key = ?", [key]), None) or {
                    "key": key, "failures": 0, "first_failure": now, "last_failure": now, "lockouts": 0,
                    "locked_until": None}
                if now - row["last_failure"] > policy.lockout_max_minutes * 60:
                    row["lockouts"] = 0  # a long quiet time forgives earlier lockouts
                if now - row["first_failure"] > policy.failure_window_minutes * 60:
                    row["failures"], row["first_failure"] = 0, now
                row["failures"] += 1
                row["last_failure"] = now
                if row["failures"] >= limit:
                    minutes = min(policy.lockout_minutes * 2 ** row["lockouts"], policy.lockout_max_minutes)
                    row.update(failures=0, lockouts=row["lockouts"] + 1, locked_until=now + minutes * 60)
                    until = max(until or 0.0, row["locked_until"])
                    self.audit.record("lockout", user=who, address=address, target=_kind(key),
                                      detail=f"{limit} failed logins; locked until {_iso(row['locked_until'])}")
                with db.conn:
                    db[self.TABLE].upsert(row, pk="key")
        finally:
            db.close()
        return until

    def succeeded(self, username: str) -> None:
        """A right password outside a lockout: the account's count starts again."""
        db = self._open()
        try:
            with db.conn:
                db.execute(f"DELETE FROM {self.TABLE} WHERE key = ?", [self.keys(username, "")[0]])
        finally:
            db.close()

    def unlock(self, username: str, by: str) -> bool:
        """Ends an account's lockout before its time (`blina staff unlock`); False when it had none."""
        db = self._open()
        try:
            with db.conn:
                removed = db.execute(f"DELETE FROM {self.TABLE} WHERE key = ? AND locked_until IS NOT NULL",
                                     [self.keys(username, "")[0]]).rowcount
        finally:
            db.close()
        if removed:
            self.audit.record("unlock", user=username, target="account", detail=f"unlocked by command ({by})")
        return bool(removed)


def _kind(key: str) -> str:
    """"account" or "address": what a lockout applies to (the key itself may hold a mistyped password)."""
    return key.split(":", 1)[0]


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(math.ceil(moment), timezone.utc).isoformat(timespec="seconds")
