"""`make run` and `blina serve` leave no server behind, however they are stopped, and a taken port is reported before anything starts."""
import os
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

from assistant.ports import port_is_free
from assistant.serve import free_port
from tests.conftest import BIN, ROOT

pytestmark = pytest.mark.slow

READY_WAIT_S = 300
GONE_WAIT_S = 60


@pytest.fixture(scope="module")
def ports():
    """The same four ports for every start: each test also shows that the one before left them free."""
    return {"--rasa-port": free_port(), "--actions-port": free_port(), "--web-port": free_port(),
            "--socketio-port": free_port()}


@pytest.fixture
def environment(trained_model, tmp_path):
    """This run's own tracker store and logs; no make variables of an enclosing `make test`."""
    env = {name: value for name, value in os.environ.items() if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    env.update(BLINA_TRACKER_DB=str(tmp_path / "trackers.db"), BLINA_LOG_DIR=str(tmp_path / "logs"),
               BLINA_TRIAGE_DB=str(tmp_path / "triage.db"))
    return env


def as_a_terminal_would():
    """The child's own process group (as a shell's foreground job) with SIGINT as a terminal leaves it."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def start():
    """start(command, env) -> the launcher, in a process group of its own; whatever a failed test leaves of
    it and its servers is killed at the end."""
    started = []

    def launch(command, env) -> subprocess.Popen:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, preexec_fn=as_a_terminal_would)
        started.append((process, psutil.Process(process.pid)))
        return process

    yield launch
    for process, launcher in started:
        left = [launcher] + (launcher.children(recursive=True) if launcher.is_running() else [])
        for each in left:
            try:
                each.kill()
            except psutil.NoSuchProcess:
                pass
        process.wait()


def make_run(start, ports, env) -> subprocess.Popen:
    args = " ".join(f"{flag} {port}" for flag, port in ports.items())
    return start(["make", "--no-print-directory", "run", f"SERVE_ARGS={args}"], env)


def serve_command(ports) -> list:
    return [str(BIN / "blina"), "serve", *(str(a) for pair in ports.items() for a in pair)]


def wait_ready(process: subprocess.Popen) -> str:
    """What the launcher printed up to "Press Ctrl-C to stop."; fails if it exits before."""
    said = []
    deadline = time.monotonic() + READY_WAIT_S
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            pytest.fail(f"exited with {process.wait()} before it was ready:\n{''.join(said)}")
        said.append(line)
        if line.startswith("Press Ctrl-C"):
            assert any(said_line.startswith("Ready in") for said_line in said)
            return "".join(said)
    pytest.fail(f"not ready within {READY_WAIT_S} s:\n{''.join(said)}")


def servers_of(process: subprocess.Popen) -> list:
    """Every process below the launcher: `blina serve`, its servers and Rasa's Sanic workers."""
    return psutil.Process(process.pid).children(recursive=True)


def assert_nothing_left(process: subprocess.Popen, servers: list, ports) -> None:
    """The launcher exited, none of its servers is alive, and every port is free again."""
    process.wait(timeout=GONE_WAIT_S)
    gone, alive = psutil.wait_procs(servers, timeout=GONE_WAIT_S)
    assert alive == [], [" ".join(p.cmdline()[:3]) for p in alive]
    deadline = time.monotonic() + GONE_WAIT_S
    while not all(port_is_free("127.0.0.1", port) for port in ports.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert [port for port in ports.values() if not port_is_free("127.0.0.1", port)] == []


def signal_group_twice(process: subprocess.Popen, signum: int) -> None:
    os.killpg(process.pid, signum)
    time.sleep(0.2)  # the second signal lands while the first is being handled, as make's own does
    os.killpg(process.pid, signum)


def test_make_run_stopped_with_sigterm_to_its_group_twice(start, ports, environment):
    process = make_run(start, ports, environment)
    said = wait_ready(process)
    assert f"127.0.0.1:{ports['--socketio-port']}, path /socket.io/" in said
    servers = servers_of(process)
    assert len(servers) >= 6  # blina serve, actions, Rasa with its 2 workers, socket.io Rasa, web
    signal_group_twice(process, signal.SIGTERM)
    assert_nothing_left(process, servers, ports)


def test_make_run_stopped_with_ctrl_c_twice(start, ports, environment):
    process = make_run(start, ports, environment)
    wait_ready(process)
    servers = servers_of(process)
    signal_group_twice(process, signal.SIGINT)
    assert_nothing_left(process, servers, ports)
    said = process.stdout.read()
    assert "already stopping" in said and "Stopped." in said


def test_blina_serve_killed_with_sigkill_takes_its_servers_with_it(start, ports, environment):
    process = start(serve_command(ports), environment)
    wait_ready(process)
    servers = servers_of(process)
    process.kill()
    assert_nothing_left(process, servers, ports)


def test_a_port_taken_by_another_program_is_reported_instead_of_ready(ports, environment):
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # the port may be in TIME_WAIT from the test before
        other.bind(("127.0.0.1", ports["--web-port"]))
        other.listen()
        finished = subprocess.run(serve_command(ports), cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 1
    assert "Ready" not in finished.stdout
    (line,) = finished.stderr.strip().splitlines()
    assert line.startswith(f"blina serve: error: port {ports['--web-port']} (for the web server) is taken by")
    assert "another program" in line and f"pid {os.getpid()}" in line
    assert not os.path.exists(environment["BLINA_LOG_DIR"])  # nothing was started


def test_a_port_held_by_a_server_of_ours_names_it(ports, environment):
    """A web server of this checkout left running (as a stale `make run` would leave it) is named, with its pid."""
    stale = subprocess.Popen([sys.executable, "-m", "assistant.web", "serve", "--host", "127.0.0.1",
                              "--port", str(ports["--web-port"]), "--rasa-url", "http://127.0.0.1:9"],
                             cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while port_is_free("127.0.0.1", ports["--web-port"]) and time.monotonic() < deadline:
            time.sleep(0.3)
        finished = subprocess.run(serve_command(ports), cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    finally:
        stale.terminate()
        stale.wait(timeout=30)
    assert finished.returncode == 1 and "Ready" not in finished.stdout
    assert finished.stderr.strip() == (
        f"blina serve: error: port {ports['--web-port']} (for the web server) is taken by a web server of this "
        f"assistant left running (pid {stale.pid}; stop it with `kill {stale.pid}`)")
