"""`python -m bench.socketio`: time to "ready" with and without the socket.io channel's own Rasa, its memory,
and the first reply's latency over websocket, polling and REST (10 conversations at once, 4 turns)."""
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import psutil
import socketio

from assistant.serve import Servers, free_port

CONVERSATIONS, TURNS = 10, 4
QUESTIONS = ["what is blinatumomab", "how is blinatumomab given", "how often is the bag changed",
             "how long is a cycle", "what premedication is given", "how much does blinatumomab cost",
             "what are the side effects of blinatumomab", "do I stay in hospital"]
QUIET_S = 1.0  # a turn's last message: none for this long (the socket.io client's reading pause; REST pauses too)


def start(work: Path, with_socketio: bool):
    servers = Servers(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                      socketio_port=free_port() if with_socketio else None,
                      tracker_db=work / "trackers.db", log_dir=work / "logs")
    began = time.monotonic()
    servers.start()
    return servers, time.monotonic() - began


def memory_mib(servers) -> dict:
    """Resident memory of each server with its workers."""
    found = {}
    for name, process in servers.by_name.items():
        top = psutil.Process(process.pid)
        found[name] = round(sum(p.memory_info().rss for p in [top] + top.children(recursive=True)) / 2**20)
    return found


async def over_socketio(url, transport, latencies):
    client, replies, session = socketio.AsyncClient(reconnection=False), asyncio.Queue(), uuid.uuid4().hex
    client.on("bot_uttered", replies.put)
    await client.connect(url, transports=[transport], socketio_path="/socket.io")
    await client.emit("session_request", {"session_id": session})
    for turn in range(TURNS):
        sent = time.monotonic()
        await client.emit("user_uttered", {"message": QUESTIONS[turn % len(QUESTIONS)], "session_id": session})
        await replies.get()
        latencies.append(time.monotonic() - sent)
        while True:
            try:
                await asyncio.wait_for(replies.get(), QUIET_S)
            except asyncio.TimeoutError:
                break
    await client.disconnect()


async def over_rest(url, latencies):
    sender = uuid.uuid4().hex
    async with aiohttp.ClientSession() as http:
        for turn in range(TURNS):
            sent = time.monotonic()
            async with http.post(f"{url}/webhooks/rest/webhook",
                                 json={"sender": sender, "message": QUESTIONS[turn % len(QUESTIONS)]}) as reply:
                await reply.json()
            latencies.append(time.monotonic() - sent)
            await asyncio.sleep(QUIET_S)


def p50_p95(conversation) -> str:
    async def run():
        latencies = []
        await asyncio.gather(*(conversation(latencies) for _ in range(CONVERSATIONS)))
        return sorted(latencies)

    latencies = asyncio.run(run())
    return f"{statistics.median(latencies) * 1000:.0f} / {latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms"


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        servers, ready = start(Path(work) / "with", True)
        try:
            print(f"ready with the socket.io Rasa: {ready:.1f} s; memory (MiB): {memory_mib(servers)}")
            print("websocket, p50 / p95:", p50_p95(lambda l: over_socketio(servers.socketio_url, "websocket", l)))
            print("polling,   p50 / p95:", p50_p95(lambda l: over_socketio(servers.socketio_url, "polling", l)))
            print("REST,      p50 / p95:", p50_p95(lambda l: over_rest(servers.rasa_url, l)))
        finally:
            servers.stop()
        servers, ready = start(Path(work) / "without", False)
        try:
            print(f"ready without it: {ready:.1f} s")
            print("REST,      p50 / p95:", p50_p95(lambda l: over_rest(servers.rasa_url, l)))
        finally:
            servers.stop()


if __name__ == "__main__":
    main()
