"""The benchmark's own parts: percentiles, the bounded load generator and the ratios."""
import asyncio
import math
from collections import defaultdict

import pytest

from bench.__main__ import Figures, _ratio, table
from bench.load import LoadResult, percentile, run_load
from conftest import ThreadedServers


def test_percentile_is_nearest_rank():
    values = list(range(20, 0, -1))  # 1..20 in any order
    # nearest rank: the ceil(q/100 * 20)-th smallest: p50 -> 10th = 10, p95 -> 19th = 19, p99 -> ceil(19.8) = 20th
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (10, 19, 20)
    assert percentile([7.5], 99) == 7.5
    assert math.isnan(percentile([], 50))


class Webhook:
    """A stand-in for Rasa's REST webhook that records what each sender said, in order."""

    def __init__(self, delay_s=0.0):
        self.said = defaultdict(list)
        self.delay_s = delay_s

    def app(self):
        from aiohttp import web

        async def webhook(request):
            body = await request.json()
            self.said[body["sender"]].append(body["message"])
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if body["message"] == "break":
                return web.Response(status=500, text="boom")
            if body["message"] == "silence":
                return web.json_response([])
            return web.json_response([{"recipient_id": body["sender"], "text": "ok"}])

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        return app


@pytest.fixture
def threads():
    running = ThreadedServers()
    yield running
    running.close()


def test_each_conversation_says_its_turns_in_order_and_the_total_is_bounded(threads):
    fake = Webhook()
    url = threads.serve(fake.app())
    script = ("a", "b", "c")
    result = run_load(url, script, concurrency=3, conversations=5, turns=4)
    # 5 conversations x 4 turns = 20 messages, each from its own sender, none failed.
    assert len(fake.said) == 5 and result.requests == 20 and not result.errors
    assert len(result.latencies_ms) == 20 and result.throughput > 0
    # Conversation n starts at script[n % 3]: conversation 0 says a b c a, 1 says b c a b, 2 says c a b c, ...
    starts = sorted(messages[0] for messages in fake.said.values())
    assert starts == ["a", "a", "b", "b", "c"]  # conversations 0..4 start at a, b, c, a, b
    for messages in fake.said.values():
        first = script.index(messages[0])
        assert messages == [script[(first + turn) % 3] for turn in range(4)]


def test_server_errors_and_empty_replies_are_counted_not_timed(threads):
    url = threads.serve(Webhook().app())
    result = run_load(url, ("hello", "break", "silence", "hello"), concurrency=2, conversations=2, turns=4)
    # Each conversation sends all four messages once (offsets 0 and 1 of a 4-message script, 4 turns):
    # 2 x "break" -> HTTP 500, 2 x "silence" -> empty reply, 4 x "hello" answered.
    assert sorted(e.split(" ")[0] for e in result.errors) == ["HTTP", "HTTP", "empty", "empty"]
    assert len(result.latencies_ms) == 4


def test_a_run_stops_by_itself_when_the_server_hangs(threads):
    url = threads.serve(Webhook(delay_s=2).app())
    result = run_load(url, ("hello",), concurrency=2, conversations=2, turns=3, run_timeout=0.5)
    assert not result.latencies_ms
    assert any("unfinished" in error for error in result.errors)


def test_load_goes_to_loopback_only():
    with pytest.raises(ValueError, match="loopback"):
        run_load("http://example.org:5005", ("hello",), 1, 1, 1)


def test_rounds_are_pooled_not_picked():
    fast, slow = LoadResult(20, 40, 12), LoadResult(20, 40, 12)
    fast.latencies_ms, fast.seconds = [100.0] * 19 + [900.0], 2.0  # 20 answers in 2 s
    slow.latencies_ms, slow.seconds, slow.errors = [300.0] * 10, 3.0, ["HTTP 500"]  # 10 answers in 3 s
    pooled = fast.pooled_with(slow)
    assert pooled.throughput == 6.0  # 30 answers in 5 s
    assert pooled.p(50) == 100.0 and pooled.p(95) == 300.0 and pooled.p(99) == 900.0  # ranks 15, 29, 30 of 30
    assert pooled.errors == ["HTTP 500"] and pooled.conversations == 80


def test_ratios_say_how_much_better_the_assistant_is():
    assert _ratio(30.0, 10.0, higher_is_better=True) == "3.00x"  # 30 vs 10 messages/s
    assert _ratio(50.0, 200.0, higher_is_better=False) == "4.00x"  # 50 ms vs 200 ms
    assert _ratio(None, 10.0, higher_is_better=True) == "-"


def test_table_lines_up_both_bots():
    ours, theirs = LoadResult(20, 40, 12), LoadResult(20, 40, 12)
    ours.latencies_ms, ours.seconds = [100.0] * 40, 2.0  # 40 answers in 2 s = 20.0 messages/s
    theirs.latencies_ms, theirs.seconds = [400.0] * 40, 8.0  # 40 answers in 8 s = 5.0 messages/s
    text = table(Figures(train_s=60.0, loads={"20 users, no pause": ours}),
                 Figures(train_s=120.0, loads={"20 users, no pause": theirs}), [("plan", 0.5, "ms")])
    throughput = next(line for line in text.splitlines() if line.startswith("20 users, no pause: throughput"))
    assert throughput.split()[-3:] == ["20.0", "5.0", "4.00x"]
    training = next(line for line in text.splitlines() if line.startswith("training time"))
    assert training.split()[-3:] == ["60.0", "120.0", "2.00x"]  # half the time: 2x better
