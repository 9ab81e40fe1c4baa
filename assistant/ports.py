"""Checks that the servers' ports are free before anything starts, and names what holds one that is not."""
import errno
import socket
from pathlib import Path
from typing import Dict, Optional

import psutil

from assistant.paths import ROOT

# How each of our servers shows in its command line, and what to call it.
OUR_SERVERS = (
    ("Rasa server", lambda line: "rasa" in " ".join(line[:2]) and "run" in line),
    ("action server", lambda line: "assistant.startup" in line),
    ("web server", lambda line: "assistant.web" in line),
)


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on host:port now (SO_REUSEADDR, as servers bind: TIME_WAIT is no owner)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES):
                return False
            raise
    return True


def listener(port: int) -> Optional[psutil.Process]:
    """The process listening on a TCP port, if this user may see it."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for connection in connections:
        if connection.status == psutil.CONN_LISTEN and connection.laddr.port == port and connection.pid:
            try:
                return psutil.Process(connection.pid)
            except psutil.NoSuchProcess:
                return None
    return None


def our_server(process: psutil.Process) -> Optional[str]:
    """'Rasa server', 'action server', ... when the process is one of this checkout's servers."""
    try:
        if Path(process.cwd()).resolve() != ROOT.resolve():
            return None
        line = process.cmdline()
    except (psutil.AccessDenied, psutil.NoSuchProcess, FileNotFoundError):
        return None
    return next((name for name, matches in OUR_SERVERS if matches(line)), None)


def top_of_server(process: psutil.Process, kind: str) -> psutil.Process:
    """A Sanic worker's own server (the process to stop), else the process itself."""
    try:
        while process.parent() is not None and our_server(process.parent()) == kind:
            process = process.parent()
    except psutil.NoSuchProcess:
        pass
    return process


def who_holds(port: int) -> str:
    """'a Rasa server of this assistant left running (pid 42; stop it with `kill 42`)', or another program."""
    process = listener(port)
    if process is None:
        return "another program"
    kind = our_server(process)
    if kind is None:
        try:
            name = process.name()
        except psutil.Error:
            name = "unknown"
        return f"another program ({name}, pid {process.pid})"
    process = top_of_server(process, kind)
    # Never the command line itself: Rasa's API token is on it.
    return f"a {kind} of this assistant left running (pid {process.pid}; stop it with `kill {process.pid}`)"


class PortTaken(RuntimeError):
    """A port the servers need is already in use; the message is one line naming it and its holder."""


def check_ports(host: str, ports: Dict[str, int]) -> None:
    """Raises PortTaken for the first of {what: port} that is taken or given twice; nothing has started yet."""
    seen: Dict[int, str] = {}
    for what, port in ports.items():
        if port in seen:
            raise PortTaken(f"port {port} is given for both the {seen[port]} and the {what}")
        seen[port] = what
        if not port_is_free(host, port):
            raise PortTaken(f"port {port} (for the {what}) is taken by {who_holds(port)}")
