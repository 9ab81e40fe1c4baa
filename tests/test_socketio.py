"""The socket.io channel with a client nobody here wrote (python-socketio's AsyncClient): conversations at once over websocket and polling, every reply received and every event stored."""
import asyncio
import os
import time
import uuid

import pytest
import requests
import socketio

from tests.test_reliability import FRONT_DESK, QUESTIONS, stored_events

pytestmark = pytest.mark.slow

CONVERSATIONS = 10
# Three questions the knowledge base answers, then a red flag: its reply carries custom JSON (the urgency).
RED_FLAG = "my husband is on the blincyto drip and just had a fit"
TURNS = 4
ALL_STORED_WAIT_S = 180


def expected_messages(bot_events) -> list:
    """What Rasa's socket.io output sends for the stored bot events: a message per paragraph, buttons as
    quick replies on the last one (an empty list on the others), custom JSON as {"custom": ...} (assistant.rasa_fixes.SocketIOOutputToRoom)."""
    messages = []
    for event in bot_events:
        data = event.get("data") or {}
        if event.get("text"):
            parts = [{"text": part} for part in event["text"].strip().split("\n\n")]
            if data.get("buttons"):
                parts = [{**part, "quick_replies": []} for part in parts]
                parts[-1]["quick_replies"] = [
                    {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in data["buttons"]]
            messages += parts
        if data.get("custom"):
            messages.append({"custom": data["custom"]})
    return messages


async def converse(url: str, transport: str, session_id: str, messages: list, all_arrived) -> list:
    """One client's conversation: each message sent once the previous one has had its first reply,
    then the rest of the replies until all_arrived(session_id, received) says all that is stored has."""
    client = socketio.AsyncClient(reconnection=False)
    received, confirmed = asyncio.Queue(), asyncio.get_running_loop().create_future()
    everything = []
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))

    async def on_bot(message):
        everything.append(message)
        await received.put(message)

    client.on("bot_uttered", on_bot)
    await client.connect(url, transports=[transport], socketio_path="/socket.io", wait_timeout=30)
    try:
        assert client.transport() == transport
        await client.emit("session_request", {"session_id": session_id})
        assert await asyncio.wait_for(confirmed, 30) == session_id
        for message in messages:
            await client.emit("user_uttered", {"message": message, "session_id": session_id})
            await asyncio.wait_for(received.get(), 120)
        deadline = time.monotonic() + ALL_STORED_WAIT_S
        while not all_arrived(session_id, everything) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        await client.disconnect()
    return everything


async def conversations(url: str, transport: str, tracker_db) -> dict:
    sessions = {f"sio-{transport}-{n}-{uuid.uuid4().hex[:8]}":
                [QUESTIONS[(n * 3 + t) % len(QUESTIONS)] for t in range(TURNS - 1)] + [RED_FLAG]
                for n in range(CONVERSATIONS)}

    def all_arrived(session_id, received):
        events = stored_events(tracker_db, [session_id])[session_id]
        users = [e for e in events if e["event"] == "user"]
        return len(users) == TURNS and received == expected_messages([e for e in events if e["event"] == "bot"])

    replies = await asyncio.gather(*(converse(url, transport, s, m, all_arrived) for s, m in sessions.items()))
    return {session: (sessions[session], got) for session, got in zip(sessions, replies)}


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_ten_conversations_at_once_get_every_reply_and_keep_every_event(socketio_rasa, servers, transport):
    results = asyncio.run(conversations(socketio_rasa.url, transport, servers.tracker_db))
    stored = stored_events(servers.tracker_db, list(results))
    for session, (sent, received) in results.items():
        events = stored[session]
        # Every message the client sent is in the tracker store (the SQLite file), in order...
        assert [e["text"] for e in events if e["event"] == "user"] == sent
        # ... and the client received exactly what the store says the assistant answered.
        assert received == expected_messages([e for e in events if e["event"] == "bot"])
        texts = [m["text"] for m in received if "text" in m]
        # The red flag: its text, and the urgency as custom JSON (Rasa 3.6 failed on it).
        assert {"custom": {"urgency": "emergency"}} in received
        assert any("911" in t and FRONT_DESK in t for t in texts)
    log = (socketio_rasa.servers.log_dir / f"socketio-{servers.rasa_port}.log").read_text(errors="replace")
    assert "never awaited" not in log and "Invalid session" not in log


def handshake(url: str, origin: str) -> requests.Response:
    return requests.get(f"{url}/socket.io/", params={"EIO": "4", "transport": "polling"},
                        headers={"Origin": origin}, timeout=30)


def test_only_the_allowed_origins_may_connect(socketio_rasa, servers):
    allowed = handshake(socketio_rasa.url, socketio_rasa.page_origin)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == socketio_rasa.page_origin
    assert handshake(socketio_rasa.url, servers.web_origin.replace("127.0.0.1", "localhost")).status_code == 200
    refused = handshake(socketio_rasa.url, "http://elsewhere.example")
    assert refused.status_code == 400
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_a_message_the_rest_channel_would_refuse_gets_the_reason_and_is_not_stored(socketio_rasa, servers):
    session_id = f"sio-long-{os.getpid()}-{uuid.uuid4().hex[:8]}"

    async def send_too_long():
        client = socketio.AsyncClient(reconnection=False)
        replies = asyncio.Queue()
        client.on("bot_uttered", replies.put)
        await client.connect(socketio_rasa.url, transports=["websocket"], socketio_path="/socket.io")
        try:
            await client.emit("session_request", {"session_id": session_id})
            await client.emit("user_uttered", {"message": "why " * 1000, "session_id": session_id})
            return await asyncio.wait_for(replies.get(), 60)
        finally:
            await client.disconnect()

    reply = asyncio.run(send_too_long())
    assert reply["text"] == "That message could not be read: 'message' must be at most 2000 characters."
    assert stored_events(servers.tracker_db, [session_id])[session_id] == []
