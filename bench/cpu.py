"""CPU per message of each server (Rasa's workers, the action server), read from /proc around a fixed load.

`python -m bench.cpu` starts the assistant on free loopback ports with a fresh tracker store, warms it
up, then runs the same load several times and prints, for each run, the milliseconds of CPU
(utime + stime) each server spent per answered message, and their medians. CPU time, unlike
latency, hardly moves when other work shares the machine, so it compares two versions fairly.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

from assistant.paths import MODEL
from assistant.serve import Servers, free_port
from bench.load import BLINA_SCRIPT, run_load, warm_up

HOST = "127.0.0.1"
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """utime + stime of one process, in seconds (fields 14 and 15 of /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def _children(pid: int) -> List[int]:
    kids: List[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        kids += [int(child) for child in task.read_text().split()]
    return kids


def _tree(pid: int) -> List[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def server_cpu(servers: Servers) -> Dict[str, float]:
    """CPU seconds so far of each server's process tree (Rasa: its main process and Sanic workers)."""
    spent = {}
    for name in ("rasa", "actions"):
        total = 0.0
        for pid in _tree(servers.by_name[name].pid):
            try:
                total += _cpu_s(pid)
            except FileNotFoundError:  # a process that ended between listing and reading
                pass
        spent[name] = total
    return spent


def measure(servers: Servers, users: int, conversations: int, turns: int) -> Dict[str, float]:
    """Runs one load; returns each server's CPU milliseconds per answered message and the throughput."""
    before = server_cpu(servers)
    result = run_load(servers.rasa_url, BLINA_SCRIPT, users, conversations, turns, tag="cpu")
    after = server_cpu(servers)
    answered = len(result.latencies_ms)
    if result.errors or not answered:
        raise RuntimeError(f"the load had errors: {result.errors[:3]}")
    figures = {name: (after[name] - before[name]) * 1000 / answered for name in before}
    figures["msg/s"] = result.throughput
    figures["p95 ms"] = result.p(95)
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=12)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="blina-cpu-") as work:
        servers = Servers(host=HOST, rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                          tracker_db=Path(work) / "trackers.db", log_dir=Path(work) / "logs", model=MODEL)
        with servers:
            warm_up(servers.rasa_url, BLINA_SCRIPT)
            runs = []
            for number in range(1, args.runs + 1):
                figures = measure(servers, args.users, args.conversations, args.turns)
                runs.append(figures)
                print(f"run {number}: " + ", ".join(f"{key} {value:.1f}" for key, value in figures.items()),
                      flush=True)
    print(f"median of {args.runs} ({args.users} users, {args.conversations} conversations of "
          f"{args.turns} turns): " + ", ".join(
              f"{key} {statistics.median(run[key] for run in runs):.1f}" for key in runs[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
