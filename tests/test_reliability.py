"""Reliability: many conversations at once lose no event, a dead action server gets an apology, restarts keep the conversation, and a broken knowledge base stops start-up."""
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from assistant.serve import free_port
from tests.conftest import BIN, ROOT

CONVERSATIONS = 50
TURNS = 20
# The front desk's number, from the first line of the patient information page
# ("Front Desk: 469-391-0070"): the apology must give the patient someone to call.
FRONT_DESK = "469-391-0070"
APOLOGY_START = "Sorry, I can't look that up right now"

# First training examples of twenty knowledge and small-talk intents (data/nlu): all answered by
# the knowledge base or a response, none starts the plan form or a red flag.
QUESTIONS = [
    "hi", "what is blinatumomab", "what is the brand name of blinatumomab",
    "what type of drug is blinatumomab", "how is blinatumomab given", "do I stay in hospital",
    "how often is the bag changed", "how long is a cycle", "what strength does blinatumomab come in",
    "what premedication is given", "what other medicines are needed", "how much should I drink",
    "what blood tests are needed before blinatumomab", "how much does blinatumomab cost",
    "how do I contact the clinic", "does blinatumomab interact with other medicines",
    "can I have vaccines during blinatumomab", "what are the side effects of blinatumomab",
    "what are infusion reactions", "thanks",
]


def say(rasa_url: str, sender: str, message: str) -> list:
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{rasa_url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        assert reply.status == 200
        return json.loads(reply.read())


def texts(messages: list) -> list:
    return [m.get("text") for m in messages if m.get("text")]


def tracker(rasa_url: str, sender: str, token: str) -> dict:
    url = f"{rasa_url}/conversations/{sender}/tracker?include_events=ALL&token={token}"
    with urllib.request.urlopen(url, timeout=60) as reply:
        return json.loads(reply.read())


def stored_events(tracker_db: Path, senders) -> dict:
    """sender -> its events as Rasa's SQL tracker store wrote them, in order."""
    found = {sender: [] for sender in senders}
    with sqlite3.connect(f"{Path(tracker_db).as_uri()}?mode=ro", uri=True, timeout=30) as db:
        marks = ",".join("?" * len(found))
        for sender, data in db.execute(
            f"SELECT sender_id, data FROM events WHERE sender_id IN ({marks}) ORDER BY id", list(found)
        ):
            found[sender].append(json.loads(data))
    return found


async def _converse(rasa_url: str, senders) -> dict:
    """Every sender's conversation at the same time, each turn after the last: sender -> replies."""
    replies = {sender: [] for sender in senders}
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as http:
        async def conversation(index: int, sender: str):
            for turn in range(TURNS):
                message = QUESTIONS[(index + turn) % len(QUESTIONS)]
                async with http.post(f"{rasa_url}/webhooks/rest/webhook",
                                     json={"sender": sender, "message": message}) as reply:
                    replies[sender].append((message, reply.status, await reply.json(content_type=None)))

        await asyncio.gather(*(conversation(i, s) for i, s in enumerate(senders)))
    return replies


def _keep_reading(tracker_db: Path, stop: threading.Event, errors: list) -> None:
    """A reader (like a report or a second process) holding short read transactions during the load."""
    try:
        with sqlite3.connect(f"{Path(tracker_db).as_uri()}?mode=ro", uri=True, timeout=30) as db:
            while not stop.is_set():
                db.execute("BEGIN")
                db.execute("SELECT count(*) FROM events").fetchone()
                stop.wait(0.02)
                db.execute("COMMIT")
    except sqlite3.Error as error:
        errors.append(error)


def test_fifty_conversations_of_twenty_turns_keep_every_event(servers):
    senders = [f"load-{n:02d}-{os.getpid()}" for n in range(CONVERSATIONS)]
    stop, reader_errors = threading.Event(), []
    reader = threading.Thread(target=_keep_reading, args=(servers.tracker_db, stop, reader_errors))
    reader.start()
    try:
        replies = asyncio.run(_converse(servers.rasa_url, senders))
    finally:
        stop.set()
        reader.join()
    assert reader_errors == []

    # No errors: every turn answered 200 with at least one message, and none is the apology.
    for sender, turns in replies.items():
        assert len(turns) == TURNS
        for message, status, answer in turns:
            assert status == 200, (sender, message)
            assert texts(answer), (sender, message)
            assert not any(t.startswith(APOLOGY_START) for t in texts(answer)), (sender, message)

    # Nothing lost: the SQLite file itself (not Rasa's memory) holds every user message in order and
    # one bot event per message the user was sent.
    stored = stored_events(servers.tracker_db, senders)
    from assistant.serve import api_token

    token = api_token()
    for sender in senders:
        events = stored[sender]
        sent = [message for message, _, _ in replies[sender]]
        assert [e["text"] for e in events if e["event"] == "user"] == sent
        # The REST channel may send one stored text as one message per paragraph: compare the words.
        said = " ".join(t for _, _, answer in replies[sender] for t in texts(answer))
        kept = " ".join(e["text"] for e in events if e["event"] == "bot" and e.get("text"))
        assert kept.split() == said.split()
        # What Rasa serves from its tracker store is exactly what is on disk: no in-memory fallback.
        served = tracker(servers.rasa_url, sender, token)["events"]
        assert [(e["event"], e.get("timestamp")) for e in served] == \
               [(e["event"], e.get("timestamp")) for e in events]

    rasa_log = "\n".join(p.read_text(errors="replace") for p in servers.log_files() if p.name.startswith("rasa"))
    assert "database is locked" not in rasa_log
    assert "Falling back to use the 'InMemoryTrackerStore'" not in rasa_log


def test_the_tracker_store_runs_in_wal_mode(servers):
    with sqlite3.connect(servers.tracker_db, timeout=30) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.fixture(scope="module")
def own_servers(trained_model, tmp_path_factory):
    """An action server and Rasa of this module's own: these tests kill and restart them."""
    from assistant.serve import Servers

    work = tmp_path_factory.mktemp("restarts")
    running = Servers(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                      tracker_db=work / "trackers.db", log_dir=work / "logs")
    try:
        running.start_actions()
        running.start_rasa()
        yield running
    finally:
        running.stop()


def test_a_dead_action_server_gets_an_apology_and_the_conversation_goes_on(own_servers):
    sender = "reliability-actions-down"
    before = texts(say(own_servers.rasa_url, sender, "how much does blinatumomab cost"))
    assert before and before[-1].splitlines()[-1].startswith("Source:")  # a cited knowledge answer

    own_servers.stop_server("actions", kill=True)  # as a crash: no clean shutdown
    down = texts(say(own_servers.rasa_url, sender, "what are the side effects of blinatumomab"))
    assert len(down) == 1  # one apology, not one per failed call
    assert down[0].startswith(APOLOGY_START) and FRONT_DESK in down[0]

    own_servers.start_actions()
    after = texts(say(own_servers.rasa_url, sender, "what are the side effects of blinatumomab"))
    assert after[-1].splitlines()[-1].startswith("Source:") and not any(APOLOGY_START in t for t in after)


def test_a_restarted_rasa_continues_the_conversation_from_the_tracker_store(own_servers):
    from assistant.serve import api_token

    sender, token = "reliability-rasa-restart", api_token()
    say(own_servers.rasa_url, sender, "hi")
    # A button payload, so the NLU model cannot misread it: sets the indication slot.
    say(own_servers.rasa_url, sender, '/inform_indication{"indication": "ph-positive"}')
    before = tracker(own_servers.rasa_url, sender, token)
    assert before["slots"]["indication"]

    own_servers.stop_server("rasa")
    own_servers.start_rasa()

    after = tracker(own_servers.rasa_url, sender, token)
    assert after["slots"]["indication"] == before["slots"]["indication"]
    assert [(e["event"], e.get("timestamp")) for e in after["events"]] == \
           [(e["event"], e.get("timestamp")) for e in before["events"]]
    answer = texts(say(own_servers.rasa_url, sender, "how much does blinatumomab cost"))
    assert answer and answer[-1].startswith("Source:")
    users = [e["text"] for e in tracker(own_servers.rasa_url, sender, token)["events"] if e["event"] == "user"]
    assert users[0] == "hi" and users[-1] == "how much does blinatumomab cost"


def _broken_knowledge(kind: str, folder: Path) -> Path:
    path = folder / f"{kind}.db"
    if kind == "corrupt":
        path.write_bytes(b"this is not a SQLite database\n" * 200)
    elif kind == "empty":
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE unrelated (x)")
    return path  # "missing": never written


@pytest.mark.parametrize("kind", ["missing", "corrupt", "empty"])
def test_a_broken_knowledge_base_stops_the_action_server_with_one_clear_line(kind, tmp_path):
    env = {**os.environ, "BLINA_KNOWLEDGE_DB": str(_broken_knowledge(kind, tmp_path)),
           "PYTHONPATH": str(ROOT), "SANIC_HOST": "127.0.0.1"}
    run = subprocess.run([sys.executable, "-m", "assistant.startup", "--actions", "actions",
                          "--port", str(free_port())], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr + run.stdout
    line = run.stderr.strip().splitlines()[-1]
    assert line.startswith("action server: error: knowledge database") and "blina build" in line


def test_a_broken_knowledge_base_stops_blina_serve_before_any_server_starts(tmp_path):
    env = {**os.environ, "BLINA_KNOWLEDGE_DB": str(_broken_knowledge("corrupt", tmp_path))}
    ports = [str(free_port()) for _ in range(3)]
    run = subprocess.run([str(BIN / "blina"), "serve", "--rasa-port", ports[0], "--actions-port", ports[1],
                          "--web-port", ports[2]], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert "blina serve: error: knowledge database" in run.stderr and "cannot be read" in run.stderr
    assert not (ROOT / "build" / "logs" / f"actions-{ports[0]}.log").exists()  # nothing was started
