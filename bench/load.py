"""A bounded loopback load generator: conversations of M turns, N at a time, through Rasa's REST webhook."""
from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import dataclass, field
from typing import List, Sequence
from urllib.parse import urlsplit

import aiohttp

WEBHOOK = "/webhooks/rest/webhook"
# Every load run stops by itself: a request that takes longer than this counts as an error.
REQUEST_TIMEOUT_S = 60
RUN_TIMEOUT_S = 600

# What patients and front-desk staff ask, from the NLU data's wording: most turns are knowledge
# questions answered by action_answer_question (knowledge base + Jinja2) on the action server.
BLINA_SCRIPT = (
    "hello",
    "what is blincyto used for",
    "what dose is given for MRD positive ALL?",
    "how much does blincyto cost?",
    "what are the side effects of blinatumomab",
    "how long is a cycle",
    "how is the drip given",
    "how often is the bag changed",
    "how long do I stay in hospital",
    "what is the dose of blinatumomab?",
    "can blinatumomab cause seizures as a side effect?",
    "thanks",
)

# Rasa's stock `rasa init` bot only knows its own moodbot intents.
STOCK_SCRIPT = (
    "hello",
    "I am feeling great",
    "I am sad",
    "are you a bot?",
    "yes",
    "good morning",
    "very good",
    "not good",
    "am I talking to a human?",
    "bye",
)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..100) of the values; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LoadResult:
    """The latencies and errors of one load run."""

    concurrency: int
    conversations: int
    turns: int
    think_s: float = 0.0
    seconds: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + len(self.errors)

    @property
    def throughput(self) -> float:
        """Answered messages per second over the whole run."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def pooled_with(self, other: "LoadResult") -> "LoadResult":
        """Two runs of the same shape as one: every message's latency and error, and their total time."""
        return LoadResult(self.concurrency, self.conversations + other.conversations, self.turns, self.think_s,
                          self.seconds + other.seconds, self.latencies_ms + other.latencies_ms,
                          self.errors + other.errors)


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load runs target loopback only, not {host}")


async def _turn(session, url, sender, message, result) -> None:
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": message}) as reply:
            if reply.status != 200:
                result.errors.append(f"HTTP {reply.status}")
                return
            body = await reply.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
        result.errors.append(f"{type(error).__name__}: {error}")
        return
    if not isinstance(body, list) or not body:
        result.errors.append(f"empty reply to {message!r}")
        return
    result.latencies_ms.append((time.perf_counter() - started) * 1000)


async def _user(session, url, script, queue, turns, think_s, result, tag) -> None:
    """One simulated user: takes the next conversation from the queue until none are left."""
    while True:
        try:
            number = queue.get_nowait()
        except asyncio.QueueEmpty:
            return
        sender = f"bench-{tag}-{number}-{uuid.uuid4().hex[:8]}"
        for turn in range(turns):
            # Conversations start at different points of the script so that concurrent turns differ.
            if turn and think_s:
                await asyncio.sleep(think_s)  # a person reads the answer before typing again
            await _turn(session, url, sender, script[(number + turn) % len(script)], result)


async def run_load_async(base_url: str, script: Sequence[str], concurrency: int, conversations: int,
                         turns: int, think_s: float = 0.0, tag: str = "load",
                         run_timeout: float = RUN_TIMEOUT_S) -> LoadResult:
    """`conversations` conversations of `turns` turns, `concurrency` at a time, `think_s` between a
    reply and the next message (0: as fast as the server answers); stops after `run_timeout` s."""
    _check_loopback(base_url)
    url = base_url.rstrip("/") + WEBHOOK
    result = LoadResult(concurrency, conversations, turns, think_s)
    queue: asyncio.Queue = asyncio.Queue()
    for number in range(conversations):
        queue.put_nowait(number)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        started = time.perf_counter()
        users = [asyncio.create_task(_user(session, url, script, queue, turns, think_s, result, tag))
                 for _ in range(concurrency)]
        done, pending = await asyncio.wait(users, timeout=run_timeout)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
            result.errors.append(f"run stopped after {run_timeout:.0f} s, {len(pending)} users unfinished")
        result.seconds = time.perf_counter() - started
        for task in done:
            if task.exception() is not None:
                result.errors.append(repr(task.exception()))
    return result


def run_load(base_url: str, script: Sequence[str], concurrency: int, conversations: int, turns: int,
             think_s: float = 0.0, tag: str = "load", run_timeout: float = RUN_TIMEOUT_S) -> LoadResult:
    return asyncio.run(run_load_async(base_url, script, concurrency, conversations, turns, think_s, tag,
                                      run_timeout))


def warm_up(base_url: str, script: Sequence[str]) -> LoadResult:
    """One pass over the script, so that lazily loaded parts are loaded before anything is measured."""
    return run_load(base_url, script, 1, 1, len(script), tag="warmup")
