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
from typing import Callable, Dict, List, Optional


from assistant.lifetime import die_with_parent
from assistant.paths import LOGS, MODEL, ROOT, SECRETS, TRACKER_DB
from assistant.ports import check_ports
from assistant.rasa_files import (
    SOCKETIO_CHANNEL, channel_settings, loopback_origins, prepare_lock_store, write_credentials, write_endpoints,
)

TOKEN_FILE = SECRETS / "rasa-api-token"
BIN = Path(sys.executable).parent
START_TIMEOUT_S = 300
RASA_WORKERS = 2  # Sanic worker processes of the Rasa server: one per core of the 2-core target machine
STOP_TIMEOUT_S = 15
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for servers that must not collide with a running `make run`."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float,
                  stop_requested=lambda: False) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stop_requested():
            raise Stopping()
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
    try:
        # The group outlives its leader while a worker lives, and its id cannot be reused until then.
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def stop_process(process: subprocess.Popen, timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM to a server, then SIGKILL to whatever is left of its group: no Sanic worker outlives it."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    kill_group(process)
    process.wait()


def _server_preexec() -> None:
    """In each server before it runs: killed when `blina serve` exits without stopping it (SIGKILL, a crash)."""
    die_with_parent()


class Stopping(Exception):
    """A stop was asked for (a signal) while the servers were starting."""


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
    socketio_port: Optional[int] = None  # a single-worker Rasa for the socket.io channel; None: none
    socketio_origins: Optional[List[str]] = None  # None: credentials.yml's, else the web server's own
    staff_db: Optional[Path] = None  # None: $BLINA_STAFF_DB, else staff.db beside the tracker store
    processes: List[subprocess.Popen] = field(default_factory=list)
    by_name: Dict[str, subprocess.Popen] = field(default_factory=dict)  # "actions", "rasa", "web"
    started_once: set = field(default_factory=set)
    stop_requested: Callable[[], bool] = lambda: False  # polled while starting: True makes start() raise Stopping

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_origin(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def socketio_url(self) -> Optional[str]:
        return f"http://{self.host}:{self.socketio_port}" if self.socketio_port else None

    def ports(self) -> Dict[str, int]:
        named = {"Rasa server": self.rasa_port, "action server": self.actions_port, "web server": self.web_port}
        if self.socketio_port:
            named["socket.io Rasa server"] = self.socketio_port
        return named

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

    def _launch(self, name: str, command: List[str], env: Optional[dict] = None) -> Path:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_dir / f"{name}-{self.rasa_port}.log"
        env = {**server_environment(self.host), "BLINA_TRIAGE_DB": str(self.triage_path),
               "BLINA_STAFF_DB": str(self.staff_path), **(env or {}), **self.extra_env}
        # A restarted server appends, so its log keeps what happened before the restart.
        with log.open("a" if name in self.started_once else "w") as out:
            # A session of its own, so one kill reaches Rasa's Sanic workers too; the parent-death
            # signal ends it with us; stdin closed, as a server in another session must not read the terminal.
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_server_preexec,
            )
        self.processes.append(process)
        self.by_name[name] = process
        self.started_once.add(name)
        return log

    def _wait_up(self, name: str, health_url: str, log: Path) -> None:
        wait_until_up(health_url, self.by_name[name], log, START_TIMEOUT_S, self.stop_requested)

    def _spawn(self, name: str, command: List[str], health_url: str, env: Optional[dict] = None) -> None:
        self._wait_up(name, health_url, self._launch(name, command, env))

    def log_files(self) -> List[Path]:
        return sorted(self.log_dir.glob(f"*-{self.rasa_port}.log"))

    def stop_server(self, name: str, kill: bool = False) -> None:
        """Stops one server ("actions", "rasa" or "web"); kill=True as a crash would, without clean-up."""
        process = self.by_name.pop(name)
        if kill:
            kill_group(process)
        stop_process(process)
        self.processes.remove(process)

    def start_actions(self) -> None:
        self._spawn(
            "actions",
            [str(BIN / "python"), "-m", "assistant.startup", "--actions", "actions",
             "--port", str(self.actions_port), "--cors", self.web_origin],
            f"http://{self.host}:{self.actions_port}/health",
        )

    def _rasa_command(self, port: int, endpoints: Path, credentials: Path, api: bool) -> List[str]:
        command = [str(BIN / "rasa"), "run", "--model", str(self.model), "--interface", self.host,
                   "--port", str(port), "--endpoints", str(endpoints), "--credentials", str(credentials)]
        if api:
            command += ["--enable-api", "--auth-token", api_token(), "--cors", self.web_origin]
        return command

    def _launch_rasa(self) -> Path:
        endpoints = write_endpoints(
            self.log_dir / f"endpoints-{self.rasa_port}.yml",
            self.host, self.actions_port, self.tracker_db,
        )
        credentials = write_credentials(self.log_dir / f"credentials-{self.rasa_port}.yml")
        return self._launch("rasa", self._rasa_command(self.rasa_port, endpoints, credentials, api=True),
                            env={"SANIC_WORKERS": str(RASA_WORKERS)})

    def _launch_socketio(self) -> Path:
        """The socket.io channel's own Rasa: one Sanic worker, so every request of a session reaches the
        process that knows it; the same tracker and lock stores as the REST Rasa's."""
        endpoints = write_endpoints(
            self.log_dir / f"endpoints-{self.rasa_port}.yml",
            self.host, self.actions_port, self.tracker_db,
        )
        credentials = write_credentials(
            self.log_dir / f"credentials-socketio-{self.rasa_port}.yml", socketio=True,
            default_origins=loopback_origins(self.web_origin), origins=self.socketio_origins,
        )
        return self._launch("socketio", self._rasa_command(self.socketio_port, endpoints, credentials, api=False),
                            env={"SANIC_WORKERS": "1"})

    def start_rasa(self) -> None:
        if "socketio" not in self.by_name:
            prepare_lock_store(self.tracker_db)  # no Rasa of this instance is running: no lock is held
        self._wait_up("rasa", f"{self.rasa_url}/", self._launch_rasa())

    def start_socketio(self) -> None:
        self._wait_up("socketio", f"{self.socketio_url}/", self._launch_socketio())

    def start_both_rasas(self) -> None:
        """The REST Rasa and, when asked for, the socket.io one, loading the model at the same time."""
        prepare_lock_store(self.tracker_db)  # no Rasa of this instance is running: no lock is held
        logs = {"rasa": (f"{self.rasa_url}/", self._launch_rasa())}
        if self.socketio_port:
            logs["socketio"] = (f"{self.socketio_url}/", self._launch_socketio())
        for name, (health_url, log) in logs.items():
            self._wait_up(name, health_url, log)

    def start_web(self) -> None:
        self._spawn(
            "web",
            [str(BIN / "python"), "-m", "assistant.web", "serve", "--host", self.host,
             "--port", str(self.web_port), "--rasa-url", self.rasa_url],
            f"{self.web_origin}/healthz",
        )

    def start(self) -> "Servers":
        from assistant.startup import check_knowledge

        check_ports(self.host, self.ports())  # PortTaken (a RuntimeError) before any server starts
        check_knowledge()  # StartupError (a RuntimeError) before any server starts
        self.purge()
        try:
            self.start_actions()
            self.start_both_rasas()
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
        """Stops the servers, the last started first (web, Rasa, actions), each with its workers."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in reversed(self.processes):
            stop_process(process)
        self.processes.clear()
        self.by_name.clear()

    def __enter__(self) -> "Servers":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class StopSignals:
    """SIGINT, SIGTERM and SIGHUP ask once for a stop; later ones are noted, so they cannot cut the stop short.

    No exception is raised from the handler: one raised in the middle of starting a server could leave
    that server untracked, or abort the stop of the others (make sends SIGTERM to its child as well).
    """

    def __init__(self):
        self.received: Optional[int] = None

    def __call__(self) -> bool:
        return self.received is not None

    def handle(self, signum, frame) -> None:
        if self.received is None:
            self.received = signum
        else:
            print(f"blina serve: already stopping ({signal.Signals(signum).name} ignored).", file=sys.stderr, flush=True)

    def install(self) -> "StopSignals":
        # Installed also where SIGINT came in ignored (a shell's background job).
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, self.handle)
        return self


def serve_forever(args) -> int:
    stop = StopSignals().install()
    socketio = SOCKETIO_CHANNEL in channel_settings()
    servers = Servers(args.host, args.rasa_port, args.actions_port, args.web_port,
                      tracker_db=Path(os.environ.get("BLINA_TRACKER_DB") or TRACKER_DB),
                      log_dir=Path(os.environ.get("BLINA_LOG_DIR") or LOGS),
                      socketio_port=args.socketio_port if socketio else None, stop_requested=stop)
    started = time.monotonic()
    print("Starting the action server, Rasa and the web server (this takes a little while)...", flush=True)
    try:
        servers.start()
    except Stopping:
        print("blina serve: stopped before it was ready.", file=sys.stderr)
        return 0
    except RuntimeError as error:
        print(f"blina serve: error: {error}", file=sys.stderr)
        return 1
    socketio_line = (f"  Chat (socket.io): {servers.socketio_url}, path /socket.io/ (rasa-webchat, Rasa's chat widget)\n"
                     if servers.socketio_port else "")
    print(
        f"Ready in {time.monotonic() - started:.1f} s.\n"
        f"  Patient page: {servers.web_origin}/\n"
        f"  Staff console: {servers.web_origin}/staff\n"
        f"  Chat (REST):  POST {servers.rasa_url}/webhooks/rest/webhook "
        '{"sender": "me", "message": "hello"}\n'
        f"{socketio_line}"
        f"  Rasa API:     {servers.rasa_url} (token in {TOKEN_FILE.relative_to(ROOT)})\n"
        f"  Logs:         {os.path.relpath(servers.log_dir, ROOT)}/\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        while not stop():
            if not all(p.poll() is None for p in servers.processes):
                print("blina serve: a server stopped unexpectedly; see the logs.", file=sys.stderr)
                return 1
            time.sleep(0.5)
        print("Stopping...", flush=True)
        return 0
    finally:
        servers.stop()
        print("Stopped.", flush=True)
