"""Rasa's conversation locks in a SQLite file, so several Rasa worker processes on one machine share them."""
import abc
import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import Callable, Optional, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore

from assistant.paths import BUILD

DEFAULT_LOCKS_DB = BUILD / "locks.db"
BUSY_TIMEOUT_S = 30.0
SCHEMA = "CREATE TABLE IF NOT EXISTS conversation_locks (conversation_id TEXT PRIMARY KEY, lock TEXT NOT NULL)"

Result = TypeVar("Result")


class AtomicLockStore(LockStore, abc.ABC):
    """Rasa's ticket-lock steps, each done as one atomic change of the stored lock.

    Rasa's base LockStore reads a lock, changes it in memory and writes it back in separate steps,
    which is safe only inside one process. A subclass provides `_atomically(conversation_id,
    change)`: run change(lock or None) -> (lock to save, or None to delete; result) as one step.
    """

    @abc.abstractmethod
    def _atomically(self, conversation_id: str,
                    change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Result]]) -> Result:
        """Every store says how it makes one change of a lock atomic."""

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock):
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._atomically(conversation_id, issue)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock):
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Rasa's cleanup checks "is someone waiting" and deletes in two steps; a ticket issued
        # between them would be deleted with the lock, so both happen in one transaction here.
        def release(lock):
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._atomically(conversation_id, release)


class SQLiteLockStore(AtomicLockStore):
    """Ticket locks kept in SQLite; every read-modify-write of a lock is one `BEGIN IMMEDIATE` transaction.

    Rasa's base LockStore reads a lock, changes it in memory and writes it back in separate steps,
    which is safe only inside one process; here the whole step holds SQLite's write lock, so two
    worker processes can never both be served the same conversation. The endpoints file names it:
    `lock_store: {type: assistant.locks.SQLiteLockStore, db: path/to/locks.db}`.
    """

    def __init__(self, endpoint_config=None, db: Optional[str] = None,
                 busy_timeout: float = BUSY_TIMEOUT_S, **_ignored) -> None:
        if endpoint_config is not None:
            settings = endpoint_config.kwargs or {}
            db = settings.get("db", db)
            busy_timeout = float(settings.get("busy_timeout", busy_timeout))
        self.path = Path(db) if db else DEFAULT_LOCKS_DB
        self.busy_timeout = busy_timeout
        self._guard = threading.Lock()  # one connection per process, shared by its threads one at a time
        self._connection: Optional[sqlite3.Connection] = None
        self._pid: Optional[int] = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._guard:
            self._connect()
        super().__init__()

    def _connect(self) -> sqlite3.Connection:
        # A connection must not cross a fork (Sanic forks its workers): each process opens its own.
        if self._connection is None or self._pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None,
                                         check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")  # locks live seconds; a power cut may lose them
            connection.execute(SCHEMA)
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _atomically(self, conversation_id: str,
                    change: Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Result]]) -> Result:
        """Runs change(lock or None) -> (lock to save, or None to delete; result) in one write transaction."""
        with self._guard:
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT lock FROM conversation_locks WHERE conversation_id = ?",
                                 (conversation_id,)).fetchone()
                lock = TicketLock.from_dict(json.loads(row[0])) if row else None
                new_lock, result = change(lock)
                if new_lock is None:
                    db.execute("DELETE FROM conversation_locks WHERE conversation_id = ?", (conversation_id,))
                else:
                    db.execute("INSERT OR REPLACE INTO conversation_locks (conversation_id, lock) VALUES (?, ?)",
                               (conversation_id, new_lock.dumps()))
                db.execute("COMMIT")
                return result
            except BaseException:
                db.execute("ROLLBACK")
                raise

    # --- what Rasa's LockStore calls ---------------------------------------------------------------

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        with self._guard:
            row = self._connect().execute(
                "SELECT lock FROM conversation_locks WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        return TicketLock.from_dict(json.loads(row[0])) if row else None

    def delete_lock(self, conversation_id: str) -> None:
        with self._guard:
            deleted = self._connect().execute(
                "DELETE FROM conversation_locks WHERE conversation_id = ?", (conversation_id,)
            ).rowcount
        self._log_deletion(conversation_id, deleted > 0)

    def save_lock(self, lock: TicketLock) -> None:
        with self._guard:
            self._connect().execute(
                "INSERT OR REPLACE INTO conversation_locks (conversation_id, lock) VALUES (?, ?)",
                (lock.conversation_id, lock.dumps()),
            )

    def clear(self) -> None:
        """Drops every lock: for a server start, when no process can still be holding one."""
        with self._guard:
            self._connect().execute("DELETE FROM conversation_locks")

    def close(self) -> None:
        with self._guard:
            if self._connection is not None and self._pid == os.getpid():
                self._connection.close()
            self._connection = None

