"""`make bench`: trains, starts and loads the assistant and Rasa's stock `rasa init` bot in one run, and
prints one table of their figures side by side."""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from assistant.paths import MODEL, ROOT
from assistant.serve import BIN, Servers, free_port, server_environment, wait_until_up
from bench import plan_bench
from bench.load import BLINA_SCRIPT, STOCK_SCRIPT, LoadResult, run_load, warm_up

HOST = "127.0.0.1"
# The load shapes: (label, users at once, conversations, seconds a user reads before typing again,
# rounds, turns). Most conversations are 12 turns; real chats run to 30, and a long tracker costs
# Rasa more on every turn (it is read, featurized and saved again), so one shape measures that.
# Both bots run at once and take turns round by round, so that a busy spell on the machine hits
# both; each bot's figures pool all its rounds (percentiles over every message, throughput over
# the whole time), so no round is picked.
TURNS = 12
LOADS = (
    ("1 user", 1, 6, 0.0, 2, TURNS),
    ("20 users, no pause", 20, 40, 0.0, 3, TURNS),
    ("20 users, 2 s reading pause", 20, 20, 2.0, 1, TURNS),
    ("20 users, 30-turn conversations", 20, 20, 0.0, 1, 30),
)
STEP_TIMEOUT_S = 900


@dataclass
class Figures:
    """One bot's figures: seconds to train and to answer, and its load runs by label."""

    train_s: Optional[float] = None
    start_s: Optional[float] = None
    loads: Dict[str, LoadResult] = field(default_factory=dict)


def stock_env() -> dict:
    """Rasa as shipped: only telemetry and TensorFlow's log chatter off, as the Makefile does."""
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def timed_run(command: List[str], cwd: Path, log: Path, env: dict) -> float:
    """Runs a command to the end (its output to `log`) and returns its wall time in seconds."""
    started = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                              timeout=STEP_TIMEOUT_S)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command[:3])} failed ({done.returncode}); see {log}")
    return time.perf_counter() - started


def train_blina(work: Path) -> float:
    print("Training the assistant's model from scratch (into a temporary folder) ...", flush=True)
    # --force: Rasa's training cache would otherwise reuse the trained parts and time nothing.
    return timed_run([str(BIN / "rasa"), "train", "--quiet", "--force", "--data", "data", "build/nlu",
                       "--fixed-model-name", "blina",
                      "--out", str(work / "models")], ROOT, work / "train.log", server_environment(HOST))


def init_stock(work: Path) -> Tuple[Path, float]:
    print("Creating and training Rasa's stock bot (`rasa init --no-prompt`) ...", flush=True)
    bot = work / "stock-bot"
    bot.mkdir()
    seconds = timed_run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(bot)],
                        work, work / "stock-init.log", stock_env())
    return bot, seconds


@contextmanager
def blina_server(work: Path, figures: Figures):
    print("Starting the assistant's servers ...", flush=True)
    servers = Servers(host=HOST, rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                      tracker_db=work / "trackers.db", log_dir=work / "logs", model=MODEL)
    started = time.perf_counter()
    with servers:
        figures.start_s = time.perf_counter() - started
        yield servers.rasa_url


@contextmanager
def stock_server(bot: Path, log: Path, figures: Figures):
    """Rasa's stock bot served as `rasa run` serves it, on a free loopback port."""
    print("Starting the stock bot ...", flush=True)
    port = free_port()
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(BIN / "rasa"), "run", "--interface", HOST, "--port", str(port), "--model", "models"],
            cwd=bot, env=stock_env(), stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://{HOST}:{port}/", process, log, STEP_TIMEOUT_S)
        figures.start_s = time.perf_counter() - started
        yield f"http://{HOST}:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_loads(bots: List[Tuple[str, str, tuple, Figures]]) -> None:
    """Every load shape on every bot, the bots taking turns round by round; each pools its rounds."""
    for name, url, script, _ in bots:
        warmed = warm_up(url, script)
        if warmed.errors:
            raise RuntimeError(f"{name} does not answer: {warmed.errors[0]}")
    for label, users, conversations, think_s, rounds, turns in LOADS:
        for round_number in range(1, rounds + 1):
            for name, url, script, figures in bots:
                print(f"  {name}: {label}, round {round_number} of {rounds} ...", flush=True)
                result = run_load(url, script, users, conversations, turns, think_s, tag=name)
                kept = figures.loads.get(label)
                figures.loads[label] = result if kept is None else kept.pooled_with(result)


def _fmt(value: Optional[float], digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _ratio(ours: Optional[float], theirs: Optional[float], higher_is_better: bool) -> str:
    if not ours or not theirs:
        return "-"
    better = ours / theirs if higher_is_better else theirs / ours
    return f"{better:.2f}x"


def table(blina: Figures, stock: Optional[Figures], plan_rows) -> str:
    stock = stock or Figures()
    rows = [("metric", "assistant", "stock bot", "assistant better by")]
    rows.append(("training time (s)", _fmt(blina.train_s, 1), _fmt(stock.train_s, 1),
                 _ratio(blina.train_s, stock.train_s, False)))
    rows.append(("time until the servers answer (s)", _fmt(blina.start_s, 1), _fmt(stock.start_s, 1),
                 _ratio(blina.start_s, stock.start_s, False)))
    for label, *_ in LOADS:
        ours, theirs = blina.loads.get(label), stock.loads.get(label)
        for q in (50, 95, 99):
            rows.append((f"{label}: p{q} latency (ms)", _fmt(ours and ours.p(q)), _fmt(theirs and theirs.p(q)),
                         _ratio(ours and ours.p(q), theirs and theirs.p(q), False)))
        rows.append((f"{label}: throughput (messages/s)", _fmt(ours and ours.throughput, 1),
                     _fmt(theirs and theirs.throughput, 1),
                     _ratio(ours and ours.throughput, theirs and theirs.throughput, True)))
        rows.append((f"{label}: messages / errors",
                     ours and f"{len(ours.latencies_ms)} / {len(ours.errors)}" or "-",
                     theirs and f"{len(theirs.latencies_ms)} / {len(theirs.errors)}" or "-", ""))
    for name, value, unit in plan_rows:
        rows.append((f"blina {name} ({unit})", f"{value}", "", ""))
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    lines = ["  ".join(str(cell).ljust(width) if i == 0 else str(cell).rjust(width)
                       for i, (cell, width) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--no-train", action="store_true", help="skip timing the assistant's training")
    parser.add_argument("--no-stock", action="store_true", help="skip Rasa's stock bot")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, models)")
    args = parser.parse_args(argv)
    if not MODEL.exists():
        print(f"bench: error: {MODEL.relative_to(ROOT)} is missing: run `make bench`, which trains it", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="blina-bench-"))
    started = time.perf_counter()
    blina, stock = Figures(), None if args.no_stock else Figures()
    try:
        print("Timing `blina plan` ...", flush=True)
        plan_rows = plan_bench.run()
        if not args.no_train:
            blina.train_s = train_blina(work)
        if stock:
            bot, stock.train_s = init_stock(work)
        with ExitStack() as running:
            bots = [("blina", running.enter_context(blina_server(work, blina)), BLINA_SCRIPT, blina)]
            if stock:
                bots.append(("stock", running.enter_context(
                    stock_server(bot, work / "stock-run.log", stock)), STOCK_SCRIPT, stock))
            run_loads(bots)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"Kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}; "
          f"conversations of {TURNS} turns (30 where the load says so) over Rasa's REST webhook on loopback; "
          f"bench took {time.perf_counter() - started:.0f} s")
    print(table(blina, stock, plan_rows))
    errors = [e for figures in (blina, stock) if figures for r in figures.loads.values() for e in r.errors]
    if errors:
        print(f"{len(errors)} failed messages, the first: {errors[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
