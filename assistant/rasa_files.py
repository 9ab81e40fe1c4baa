"""The files each Rasa server of `blina serve` is started with: endpoints, channel credentials, the lock store."""
from pathlib import Path
from typing import List, Optional, Sequence

import yaml

from assistant.paths import ROOT


def locks_path(tracker_db: Path) -> Path:
    """The conversation locks' SQLite file, beside (and named after) the tracker store's."""
    tracker_db = Path(tracker_db)
    return tracker_db.with_name(f"{tracker_db.stem}-locks.db")


def write_endpoints(path: Path, host: str, actions_port: int, tracker_db: Path) -> Path:
    endpoints = {
        "action_endpoint": {"url": f"http://{host}:{actions_port}/webhook"},
        "tracker_store": {"type": "assistant.tracker_store.SQLiteTrackerStore", "db": str(tracker_db)},
        # A lock store shared by processes is what lets Rasa run several Sanic workers.
        "lock_store": {"type": "assistant.locks.SQLiteLockStore", "db": str(locks_path(tracker_db))},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False))
    return path


# The project's channels: the same webhooks as Rasa's, plus input checks and the action-server apology.
CHANNEL_CLASSES = {"rest": "assistant.channels.RestInput", "socketio": "assistant.channels.SocketIOInput"}
SOCKETIO_CHANNEL = CHANNEL_CLASSES["socketio"]


def channel_settings(source: Path = ROOT / "credentials.yml") -> dict:
    """credentials.yml's channels, with Rasa's stock REST and socket.io channels named as the project's."""
    channels = yaml.safe_load(source.read_text()) or {}
    return {CHANNEL_CLASSES.get(name, name): settings or {} for name, settings in channels.items()}


def loopback_origins(origin: str) -> List[str]:
    """The origin and, when its host is 127.0.0.1, the same with `localhost`: how a browser may name it."""
    return [origin] + ([origin.replace("//127.0.0.1:", "//localhost:")] if "//127.0.0.1:" in origin else [])


def write_credentials(path: Path, socketio: Optional[bool] = False, default_origins: Sequence[str] = (),
                      origins: Optional[Sequence[str]] = None, source: Path = ROOT / "credentials.yml") -> Path:
    """Rasa's credentials for one server: the socket.io channel alone (socketio=True), every other
    channel (False), or all of them (None).

    The socket.io channel's allowed origins: `origins` if given, else its `cors_allowed_origins` in
    credentials.yml, else `default_origins`.
    """
    channels = channel_settings(source)
    written = {name: settings for name, settings in channels.items()
               if socketio is None or (name == SOCKETIO_CHANNEL) == socketio}
    if SOCKETIO_CHANNEL in written or socketio:
        settings = written.get(SOCKETIO_CHANNEL, {})
        allowed = origins if origins is not None else settings.get("cors_allowed_origins") or default_origins
        written[SOCKETIO_CHANNEL] = {**settings, "cors_allowed_origins": list(allowed)}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(written, sort_keys=False))
    return path


def prepare_lock_store(tracker_db: Path) -> Path:
    """The locks file, emptied: a Rasa killed mid-turn would otherwise leave its tickets to time out."""
    from assistant.locks import SQLiteLockStore

    store = SQLiteLockStore(db=str(locks_path(tracker_db)))
    try:
        store.clear()
    finally:
        store.close()
    return store.path
