"""Runs the assistant scaled out on loopback: two Rasa servers behind nginx, PostgreSQL trackers, Redis locks."""
import argparse
import glob
import grp
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from rasa.core.lock_store import RedisLockStore

from assistant.locks import AtomicLockStore
from assistant.paths import BUILD, MODEL, ROOT, SECRETS
from assistant.rasa_files import loopback_origins, write_credentials
from assistant.serve import BIN, START_TIMEOUT_S, Servers, api_token, server_environment, wait_until_up

DEPLOY = ROOT / "deploy"
ENDPOINTS = DEPLOY / "endpoints.scaled.yml"
NGINX_TEMPLATE = "nginx.conf.j2"
SCALED_DIR = BUILD / "scaled"
DATABASE = "blina"
DB_USER = "blina"

# Debian package -> the program whose absence means the package is missing.
PACKAGES = {"postgresql": "initdb", "redis-server": "redis-server", "nginx": "nginx"}


# --- Debian packages --------------------------------------------------------------------------


def find_program(name: str) -> Optional[str]:
    """A program on PATH, in /usr/sbin, or in Debian's versioned PostgreSQL folder (newest first)."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found:
        return found
    versions = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                      key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    return versions[-1] if versions else None


def missing_packages() -> List[str]:
    return [package for package, program in PACKAGES.items() if not find_program(program)]


def ensure_packages(packages: Optional[Sequence[str]] = None) -> List[str]:
    """Installs the missing Debian packages with apt-get (as root, or through sudo); returns them."""
    missing = list(missing_packages() if packages is None else packages)
    if not missing:
        return []
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print(f"Installing {', '.join(missing)} with apt-get (a minute or two)...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _no_service_starts():
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                       check=True, env=env)
    return missing


class _no_service_starts:
    """Keeps the packages' own services (nginx on port 80 of every interface) from starting at install."""

    POLICY = Path("/usr/sbin/policy-rc.d")

    def __enter__(self):
        self.created = os.geteuid() == 0 and not self.POLICY.exists()
        if self.created:
            self.POLICY.write_text("#!/bin/sh\n# assistant/scaled.py: no service starts during install\nexit 101\n")
            self.POLICY.chmod(0o755)
        return self

    def __exit__(self, *exc):
        if self.created:
            self.POLICY.unlink(missing_ok=True)


# --- the lock store -------------------------------------------------------------------------

class AtomicRedisLockStore(AtomicLockStore, RedisLockStore):
    """Rasa's Redis lock store with every read-modify-write of a lock done in one Redis transaction.

    Rasa Open Source's RedisLockStore issues tickets with a GET then a SET, so two servers taking
    two messages of one conversation at the same moment can both get the first ticket, and one
    turn's events are then lost (measured: 2 conversations in 21; RasaHQ/rasa#11256 fixed it only in
    Rasa Pro). endpoints.scaled.yml names this class as its lock store `type`.
    """

    def __init__(self, endpoint_config=None, **kwargs):
        if endpoint_config is not None:
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)

    def _atomically(self, conversation_id: str, change):
        """Runs change(lock or None) -> (lock to save or None to delete, result) under WATCH/MULTI."""
        import redis

        from rasa.core.lock import TicketLock

        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    new_lock, result = change(lock)
                    pipe.multi()
                    if new_lock is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, new_lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:  # another server changed the lock meanwhile: again
                    continue


# --- helpers --------------------------------------------------------------------------------


def secret(path: Path) -> str:
    """A password kept in a git-ignored file, generated on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(24))
        path.chmod(0o600)
    return path.read_text().strip()


def service_account(name: str) -> Optional[pwd.struct_passwd]:
    """The unprivileged account a server runs as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for candidate in (name, "nobody"):
        try:
            return pwd.getpwnam(candidate)
        except KeyError:
            continue
    raise RuntimeError(f"no '{name}' or 'nobody' account to run {name} as")


def give(path: Path, account: Optional[pwd.struct_passwd]) -> None:
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)


def wait_for(check, what: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode}; see {log}")
        try:
            check()
            return
        except Exception as error:  # the server is not up yet: any connection error means "again"
            last_error = error
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not answer within {timeout:.0f} s ({last_error}); see {log}")


# --- the stack ------------------------------------------------------------------------------


@dataclass
class ScaledStack:
    """PostgreSQL, Redis, the action server, two Rasa servers, nginx and the web server, all on loopback."""

    work_dir: Path = SCALED_DIR
    secrets_dir: Path = SECRETS
    host: str = "127.0.0.1"
    nginx_port: int = 5005
    rasa_ports: Tuple[int, ...] = (5011, 5012)
    actions_port: int = 5055
    web_port: int = 8000
    postgres_port: int = 5433  # not 5432: a system PostgreSQL may already use it
    redis_port: int = 6380  # not 6379, for the same reason
    model: Path = MODEL
    processes: List[Tuple[str, subprocess.Popen]] = field(default_factory=list)
    front: Optional[Servers] = None  # the action server and the web server, started as `make run` does

    @property
    def log_dir(self) -> Path:
        return self.work_dir / "logs"

    @property
    def nginx_url(self) -> str:
        return f"http://{self.host}:{self.nginx_port}"

    @property
    def rasa_urls(self) -> List[str]:
        return [f"http://{self.host}:{port}" for port in self.rasa_ports]

    @property
    def web_origin(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def db_password(self) -> str:
        return secret(self.secrets_dir / "scaled-postgres-password")

    @property
    def redis_password(self) -> str:
        return secret(self.secrets_dir / "scaled-redis-password")

    def database_url(self) -> str:
        """SQLAlchemy's URL of the tracker store, for tools and tests that read it back."""
        return (f"postgresql://{DB_USER}:{self.db_password}@{self.host}:{self.postgres_port}/{DATABASE}")

    def endpoint_environment(self) -> dict:
        """The values of deploy/endpoints.scaled.yml's ${...} variables."""
        return {
            "BLINA_ACTIONS_URL": f"http://{self.host}:{self.actions_port}/webhook",
            "BLINA_PG_HOST": self.host,
            "BLINA_PG_PORT": str(self.postgres_port),
            "BLINA_PG_DB": DATABASE,
            "BLINA_PG_USER": DB_USER,
            "BLINA_PG_PASSWORD": self.db_password,
            "BLINA_REDIS_HOST": self.host,
            "BLINA_REDIS_PORT": str(self.redis_port),
            "BLINA_REDIS_PASSWORD": self.redis_password,
        }

    def _spawn(self, name: str, command: List[str], account=None, env=None) -> Tuple[subprocess.Popen, Path]:
        log = self.log_dir / f"{name}.log"
        with log.open("w") as out:
            give(log, account)
            user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
            process = subprocess.Popen(command, cwd=ROOT, env=env or dict(os.environ),
                                       stdout=out, stderr=subprocess.STDOUT, **user)
        self.processes.append((name, process))
        return process, log

    # PostgreSQL: a private cluster in work_dir, owned by the postgres account when we are root.
    def start_postgres(self) -> None:
        import psycopg2

        account = service_account("postgres")
        data = self.work_dir / "postgres"
        if not (data / "PG_VERSION").exists():
            data.mkdir(mode=0o700, parents=True, exist_ok=True)
            give(data, account)
            with tempfile.NamedTemporaryFile("w", dir=self.work_dir, delete=False) as pwfile:
                pwfile.write(self.db_password + "\n")
            give(Path(pwfile.name), account)
            try:
                user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []} if account else {}
                subprocess.run(
                    [find_program("initdb"), "-D", str(data), "-U", DB_USER, "--pwfile", pwfile.name,
                     "--auth-host=scram-sha-256", "--auth-local=scram-sha-256", "-E", "UTF8", "--no-locale"],
                    check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=self.work_dir, **user,
                )
            except subprocess.CalledProcessError as error:
                raise RuntimeError(f"initdb failed: {error.stderr.decode(errors='replace').strip()}") from None
            finally:
                os.unlink(pwfile.name)
        process, log = self._spawn(
            "postgres",
            [find_program("postgres"), "-D", str(data), "-p", str(self.postgres_port),
             "-c", f"listen_addresses={self.host}", "-c", "unix_socket_directories="],
            account,
        )

        def connect():
            psycopg2.connect(host=self.host, port=self.postgres_port, user=DB_USER,
                             password=self.db_password, dbname="postgres", connect_timeout=2).close()

        wait_for(connect, "PostgreSQL", process, log)
        connection = psycopg2.connect(host=self.host, port=self.postgres_port, user=DB_USER,
                                      password=self.db_password, dbname="postgres")
        connection.autocommit = True  # CREATE DATABASE cannot run in a transaction
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
                if cursor.fetchone() is None:
                    cursor.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            connection.close()

    # Redis: in memory only; locks live for seconds, so nothing needs saving.
    def start_redis(self) -> None:
        import redis

        account = service_account("redis")
        folder = self.work_dir / "redis"
        folder.mkdir(exist_ok=True)
        give(folder, account)
        conf = folder / "redis.conf"
        # The password goes in a 0600 file, not on the command line where `ps` shows it.
        conf.write_text(
            f"bind {self.host}\nport {self.redis_port}\nprotected-mode yes\n"
            f"requirepass {self.redis_password}\nsave \"\"\nappendonly no\ndir {folder}\n"
        )
        conf.chmod(0o600)
        give(conf, account)
        process, log = self._spawn("redis", [find_program("redis-server"), str(conf)], account)
        client = redis.Redis(host=self.host, port=self.redis_port, password=self.redis_password,
                             socket_timeout=2)
        wait_for(client.ping, "Redis", process, log)

    def start_rasa(self) -> None:
        """Both Rasa servers at once (they load the model in parallel), then waits for each."""
        # The tracker store writes the audit entry of a patient's deletion into the console's database.
        env = {**server_environment(self.host), **self.endpoint_environment(),
               "BLINA_STAFF_DB": str(self.front.staff_path)}
        # Both channels on each server: nginx's ip_hash keeps a socket.io client on one of them.
        credentials = write_credentials(self.work_dir / "credentials.yml", socketio=None,
                                        default_origins=loopback_origins(self.web_origin))
        started = []
        for port in self.rasa_ports:
            started.append(self._spawn(
                f"rasa-{port}",
                [str(BIN / "rasa"), "run", "--model", str(self.model), "--enable-api",
                 "--auth-token", api_token(), "--interface", self.host, "--port", str(port),
                 "--endpoints", str(ENDPOINTS), "--credentials", str(credentials),
                 "--cors", self.web_origin],
                env=env,
            ))
        for url, (process, log) in zip(self.rasa_urls, started):
            wait_until_up(f"{url}/", process, log, START_TIMEOUT_S)

    def nginx_config(self) -> str:
        account = service_account("www-data")
        templates = Environment(loader=FileSystemLoader(DEPLOY), undefined=StrictUndefined,
                                keep_trailing_newline=True)
        return templates.get_template(NGINX_TEMPLATE).render(
            host=self.host, port=self.nginx_port, rasa_ports=self.rasa_ports,
            run_dir=self.work_dir / "nginx", log_dir=self.log_dir,
            worker_user=account.pw_name if account else None,
            worker_group=grp.getgrgid(account.pw_gid).gr_name if account else None,
        )

    def start_nginx(self) -> None:
        import urllib.request

        folder = self.work_dir / "nginx"
        folder.mkdir(exist_ok=True)
        account = service_account("www-data")
        for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (folder / temp).mkdir(exist_ok=True)
            give(folder / temp, account)  # nginx's worker writes its buffers there
        conf = folder / "nginx.conf"
        conf.write_text(self.nginx_config())
        process, log = self._spawn(
            "nginx",
            [find_program("nginx"), "-p", str(folder), "-c", str(conf),
             "-e", str(self.log_dir / "nginx-error.log"), "-g", "daemon off;"],
        )
        wait_for(lambda: urllib.request.urlopen(f"{self.nginx_url}/", timeout=2).close(),
                 "nginx", process, log)

    def start(self) -> "ScaledStack":
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.work_dir.chmod(0o755)  # the postgres, redis and www-data accounts must reach their folders
        self.log_dir.mkdir(exist_ok=True)
        self.front = Servers(host=self.host, rasa_port=self.nginx_port, actions_port=self.actions_port,
                             web_port=self.web_port, log_dir=self.log_dir, model=self.model,
                             tracker_db=self.work_dir / "unused-trackers.db",
                             triage_db=self.work_dir / "triage.db")
        try:
            self.start_postgres()
            self.start_redis()
            self.front.start_actions()
            self.start_rasa()
            self.start_nginx()
            self.front.start_web()  # the web server talks to nginx, never to one Rasa
        except BaseException:
            self.stop()
            raise
        return self

    def running(self) -> bool:
        everything = [p for _, p in self.processes] + (self.front.processes if self.front else [])
        return all(p.poll() is None for p in everything)

    def stop(self) -> None:
        """Stops the front (web, nginx, Rasa) first, then the action server, then Redis and PostgreSQL."""
        front = self.front.processes if self.front else []  # [action server, web server]
        ours = dict(self.processes)
        stages = [
            front[1:] + [p for name, p in ours.items() if name == "nginx" or name.startswith("rasa")],
            front[:1],
            [ours[name] for name in ("redis", "postgres") if name in ours],
        ]
        for stage in stages:
            for process in stage:
                if process.poll() is None:
                    # SIGINT is PostgreSQL's "fast" shutdown; the other servers stop cleanly on it too.
                    process.send_signal(signal.SIGINT)
            for process in stage:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        front.clear()
        self.processes.clear()

    def __enter__(self) -> "ScaledStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.scaled", description=__doc__)
    parser.add_argument("--nginx-port", type=int, default=5005)
    parser.add_argument("--rasa-ports", type=int, nargs=2, default=(5011, 5012))
    parser.add_argument("--actions-port", type=int, default=5055)
    parser.add_argument("--web-port", type=int, default=8000)
    parser.add_argument("--postgres-port", type=int, default=5433)
    parser.add_argument("--redis-port", type=int, default=6380)
    args = parser.parse_args(argv)
    try:
        ensure_packages()
    except (subprocess.CalledProcessError, OSError) as error:
        print(f"run-scaled: error: could not install {', '.join(missing_packages())}: {error}", file=sys.stderr)
        return 1
    stack = ScaledStack(nginx_port=args.nginx_port, rasa_ports=tuple(args.rasa_ports),
                        actions_port=args.actions_port, web_port=args.web_port,
                        postgres_port=args.postgres_port, redis_port=args.redis_port)
    # Ctrl-C and `kill` both stop everything in order (a shell's background job starts with SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    started = time.monotonic()
    print("Starting PostgreSQL, Redis, the action server, two Rasa servers, nginx and the web server...",
          flush=True)
    try:
        stack.start()
        print(
            f"Ready in {time.monotonic() - started:.1f} s.\n"
            f"  Patient page:  {stack.web_origin}/   (staff console: {stack.web_origin}/staff)\n"
            f"  Chat (REST):   POST {stack.nginx_url}/webhooks/rest/webhook (nginx, round robin over "
            f"{', '.join(stack.rasa_urls)})\n"
            f"  Trackers:      PostgreSQL on {stack.host}:{stack.postgres_port}, database {DATABASE}, "
            f"user {DB_USER} (password in secrets/scaled-postgres-password)\n"
            f"  Locks:         Redis on {stack.host}:{stack.redis_port}\n"
            f"  Logs:          {stack.log_dir}/\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while stack.running():
            time.sleep(1)
        print("run-scaled: a server stopped unexpectedly; see the logs.", file=sys.stderr)
        return 1
    except RuntimeError as error:
        print(f"run-scaled: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopping...", flush=True)
        return 0
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
