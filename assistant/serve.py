"""Starts the assistant's servers on loopback (action server, Rasa, web server) and stops them together."""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml

from assistant.paths import LOGS, MODEL, ROOT, SECRETS, TRACKER_DB

TOKEN_FILE = SECRETS / "rasa-api-token"
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 300
RASA_WORKERS = 2  # Sanic worker processes of the Rasa server: one per core of the 2-core target machine


def api_token(token_file: Path = TOKEN_FILE) -> str:
    """Rasa's HTTP API token: generated on first run and kept in an ignored file."""
    if not token_file.exists():
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(secrets.token_urlsafe(32))
        token_file.chmod(0o600)
    return token_file.read_text().strip()


def server_environment(host: str) -> dict:
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        SANIC_HOST=host,  # rasa_sdk binds to SANIC_HOST, 0.0.0.0 otherwise
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    return env


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


def write_credentials(path: Path, source: Path = ROOT / "credentials.yml") -> Path:
    """credentials.yml with Rasa's stock REST and socket.io channels swapped for the project's."""
    channels = yaml.safe_load(source.read_text()) or {}
    written = {CHANNEL_CLASSES.get(name, name): settings for name, settings in channels.items()}
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


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for servers that must not collide with a running `make run`."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
            said = f": {lines[-1]}" if lines else ""
            raise RuntimeError(f"server exited with code {process.returncode}{said} (see {log})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see {log}")


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to a server and the processes it forked (its session), as a crash would end them."""
    if process.poll() is None:  # not reaped yet, so its pid is still its group's id
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class Servers:
    """The running servers of one assistant instance; `make run` and the end-to-end tests use it."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    web_port: int = 8000
    tracker_db: Path = TRACKER_DB
    log_dir: Path = LOGS
    model: Path = MODEL
    extra_env: dict = field(default_factory=dict)
    triage_db: Optional[Path] = None  # None: $BLINA_TRIAGE_DB, else triage.db beside the tracker store
    staff_db: Optional[Path] = None  # None: $BLINA_STAFF_DB, else staff.db beside the tracker store
    processes: List[subprocess.Popen] = field(default_factory=list)
    by_name: Dict[str, subprocess.Popen] = field(default_factory=dict)  # "actions", "rasa", "web"
    started_once: set = field(default_factory=set)

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_origin(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def triage_path(self) -> Path:
        """Where triage summaries go: the action server writes them, the staff console reads them."""
        if self.triage_db is not None:
            return Path(self.triage_db)
        return Path(os.environ.get("BLINA_TRIAGE_DB") or Path(self.tracker_db).with_name("triage.db"))

    @property
    def staff_path(self) -> Path:
        """Staff accounts, sessions and the audit log: the web server, Rasa's tracker store and `blina` share it."""
        if self.staff_db is not None:
            return Path(self.staff_db)
        return Path(os.environ.get("BLINA_STAFF_DB") or Path(self.tracker_db).with_name("staff.db"))

    def _spawn(self, name: str, command: List[str], health_url: str, env: Optional[dict] = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}-{self.rasa_port}.log"
        env = {**server_environment(self.host), "BLINA_TRIAGE_DB": str(self.triage_path),
               "BLINA_STAFF_DB": str(self.staff_path), **(env or {}), **self.extra_env}
        # A restarted server appends, so its log keeps what happened before the restart.
        with log.open("a" if name in self.started_once else "w") as out:
            # A session of its own, so a kill reaches the Rasa's Sanic worker processes too.
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        self.by_name[name] = process
        self.started_once.add(name)
        wait_until_up(health_url, process, log, START_TIMEOUT_S)

    def log_files(self) -> List[Path]:
        return sorted(self.log_dir.glob(f"*-{self.rasa_port}.log"))

    def stop_server(self, name: str, kill: bool = False) -> None:
        """Stops one server ("actions", "rasa" or "web"); kill=True as a crash would, without clean-up."""
        process = self.by_name.pop(name)
        if process.poll() is None:
            kill_group(process) if kill else process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_group(process)
            process.wait()
        self.processes.remove(process)

    def start_actions(self) -> None:
        self._spawn(
            "actions",
            [str(BIN / "python"), "-m", "assistant.startup", "--actions", "actions",
             "--port", str(self.actions_port), "--cors", self.web_origin],
            f"http://{self.host}:{self.actions_port}/health",
        )

    def start_rasa(self) -> None:
        endpoints = write_endpoints(
            self.log_dir / f"endpoints-{self.rasa_port}.yml",
            self.host, self.actions_port, self.tracker_db,
        )
        prepare_lock_store(self.tracker_db)  # no Rasa of this instance is running: no lock is held
        credentials = write_credentials(self.log_dir / f"credentials-{self.rasa_port}.yml")
        self._spawn(
            "rasa",
            [str(BIN / "rasa"), "run", "--model", str(self.model), "--enable-api",
             "--auth-token", api_token(), "--interface", self.host, "--port", str(self.rasa_port),
             "--endpoints", str(endpoints), "--credentials", str(credentials),
             "--cors", self.web_origin],
            f"{self.rasa_url}/",
            env={"SANIC_WORKERS": str(RASA_WORKERS)},
        )

    def start_web(self) -> None:
        self._spawn(
            "web",
            [str(BIN / "python"), "-m", "assistant.web", "serve", "--host", self.host,
             "--port", str(self.web_port), "--rasa-url", self.rasa_url],
            f"{self.web_origin}/healthz",
        )

    def start(self) -> "Servers":
        from assistant.startup import check_knowledge

        check_knowledge()  # StartupError (a RuntimeError) before any server starts
        self.purge()
        try:
            self.start_actions()
            self.start_rasa()
            self.start_web()
        except BaseException:
            self.stop()
            raise
        return self

    def purge(self):
        """Deletes the conversations and triage summaries past the clinic's retention period."""
        from assistant.retention import purge, retention_days
        from assistant.web.audit import AuditLog

        try:
            return purge(self.tracker_db, self.triage_path, AuditLog(self.staff_path), retention_days())
        except ValueError as error:  # a bad retention setting stops start-up with its one-line reason
            raise RuntimeError(str(error)) from error

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                kill_group(process)
                process.wait()
        self.processes.clear()
        self.by_name.clear()

    def __enter__(self) -> "Servers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_forever(args) -> int:
    servers = Servers(args.host, args.rasa_port, args.actions_port, args.web_port)
    started = time.monotonic()
    print("Starting the action server, Rasa and the web server (this takes a little while)...", flush=True)
    try:
        servers.start()
    except RuntimeError as error:
        print(f"blina serve: error: {error}", file=sys.stderr)
        return 1
    print(
        f"Ready in {time.monotonic() - started:.1f} s.\n"
        f"  Patient page: {servers.web_origin}/\n"
        f"  Staff console: {servers.web_origin}/staff\n"
        f"  Chat (REST):  POST {servers.rasa_url}/webhooks/rest/webhook "
        '{"sender": "me", "message": "hello"}\n'
        f"  Rasa API:     {servers.rasa_url} (token in {TOKEN_FILE.relative_to(ROOT)})\n"
        f"  Logs:         {servers.log_dir.relative_to(ROOT)}/\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    # Ctrl-C, and a supervisor's SIGTERM, stop every server (also when SIGINT came in ignored).
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.default_int_handler)
    try:
        while all(p.poll() is None for p in servers.processes):
            time.sleep(1)
        print("blina serve: a server stopped unexpectedly; see the logs.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        servers.stop()
