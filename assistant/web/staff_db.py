"""The staff database (accounts, sessions, login failures, audit log): how every user of it opens the file."""
from pathlib import Path

import sqlite_utils


def open_staff_db(path: Path) -> sqlite_utils.Database:
    """One connection per call: the web server, Rasa's tracker store and `blina` all write to the file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 10000")  # wait for another writer instead of failing
    # WAL: one fsync per commit, and readers never wait for a writer. FULL keeps every committed
    # audit entry through a power cut.
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    return db
