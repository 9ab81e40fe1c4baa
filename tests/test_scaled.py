"""Scale-out: conversations through nginx alternate between two Rasa servers and keep state in PostgreSQL."""
import os
import shutil
import tempfile
import threading
from pathlib import Path

import pytest
import requests
import yaml

from assistant.serve import free_port

ROOT = Path(__file__).resolve().parent.parent

# Turn 1 sets the indication slot; turns 3 and 4 ask about dosing without naming it. The section
# each answer must cite is the patient information page's heading for that indication (lines 16,
# 21 and 26 of patient-information-page.txt); MRD-positive ALL has no 9 mcg step (line 28:
# "28 mcg/day ... for 28 days"), the other two start at 9 mcg/day on days 1-7 (lines 18 and 23).
CONVERSATIONS = {
    "mrd-positive": "Dosing for Minimal Residual Disease-Positive Acute Lymphoblastic Leukemia",
    "relapsed-refractory": "Dosing for Acute Lymphoblastic Leukemia (ALL)",
    "ph-positive": "Dosing for Philadelphia Chromosome-Positive Acute Lymphoblastic Leukemia",
}
# Payloads, not free text: the test is about state and routing, not about the classifier.
TURNS = ['/inform_indication{{"indication": "{indication}"}}', "/greet", "/ask_dosing", "/ask_dosing"]


def render_nginx(**overrides):
    from assistant.scaled import ScaledStack

    stack = ScaledStack(work_dir=Path("/nonexistent"), nginx_port=7001, rasa_ports=(7002, 7003), **overrides)
    return stack.nginx_config()


def test_nginx_balances_the_two_rasa_servers_on_loopback_only():
    config = render_nginx()
    upstream = config.split("upstream rasa {")[1].split("}")[0]
    assert "server 127.0.0.1:7002;" in upstream and "server 127.0.0.1:7003;" in upstream
    assert "ip_hash" not in upstream and "hash " not in upstream  # round robin: turns alternate
    listens = [line.split()[1].rstrip(";") for line in config.splitlines() if line.strip().startswith("listen ")]
    assert listens == ["127.0.0.1:7001"]
    assert "worker_processes 1;" in config  # several workers would each keep their own round robin
    assert "$upstream_addr" in config and "X-Blina-Upstream" in config
    # The access log must not hold the query string: Rasa's API token travels as ?token=.
    log_format = config.split("log_format")[1].split(";")[0]
    assert "$request " not in log_format and "$args" not in log_format and "$request_uri" not in log_format


def test_the_endpoints_file_uses_postgresql_and_redis(monkeypatch):
    from rasa.utils.endpoints import read_endpoint_config

    values = {"BLINA_ACTIONS_URL": "http://127.0.0.1:7055/webhook", "BLINA_PG_HOST": "127.0.0.1",
              "BLINA_PG_PORT": "7432", "BLINA_PG_DB": "blina", "BLINA_PG_USER": "blina",
              "BLINA_PG_PASSWORD": "pw1", "BLINA_REDIS_HOST": "127.0.0.1", "BLINA_REDIS_PORT": "7379",
              "BLINA_REDIS_PASSWORD": "pw2"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    endpoints = str(ROOT / "deploy" / "endpoints.scaled.yml")
    trackers = read_endpoint_config(endpoints, "tracker_store")
    locks = read_endpoint_config(endpoints, "lock_store")
    assert trackers.type == "assistant.tracker_store.ForgettingSQLTrackerStore"
    assert trackers.kwargs["dialect"] == "postgresql"
    assert (trackers.url, str(trackers.kwargs["port"]), trackers.kwargs["password"]) == ("127.0.0.1", "7432", "pw1")
    assert locks.type == "assistant.scaled.AtomicRedisLockStore" and (locks.url, str(locks.kwargs["port"])) == ("127.0.0.1", "7379")
    assert read_endpoint_config(endpoints, "action_endpoint").url == "http://127.0.0.1:7055/webhook"
    # No password is written in the file itself.
    raw = yaml.safe_load((ROOT / "deploy" / "endpoints.scaled.yml").read_text().replace("${", "<").replace("}", ">"))
    assert raw["tracker_store"]["password"].startswith("<") and raw["lock_store"]["password"].startswith("<")


# --- the real stack -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scaled(trained_model):
    """The whole scaled-out stack on free loopback ports, in a folder of its own; stopped at the end."""
    from assistant.scaled import ScaledStack, ensure_packages

    ensure_packages()  # apt-get install postgresql redis-server nginx, when missing
    work = Path(tempfile.mkdtemp(prefix="blina-scaled-"))  # under /tmp: the postgres account can reach it
    stack = ScaledStack(
        work_dir=work, secrets_dir=work / "secrets", nginx_port=free_port(),
        rasa_ports=(free_port(), free_port()), actions_port=free_port(), web_port=free_port(),
        postgres_port=free_port(), redis_port=free_port(),
    )
    with stack:
        yield stack
    processes = list(stack.processes)
    shutil.rmtree(work, ignore_errors=True)
    assert not processes  # stop() waited for every server and forgot them


def say(stack, sender, text):
    reply = requests.post(f"{stack.nginx_url}/webhooks/rest/webhook",
                          json={"sender": sender, "message": text}, timeout=120)
    assert reply.status_code == 200, reply.text
    return reply.headers["X-Blina-Upstream"], reply.json()


def stored_events(stack, sender):
    """The conversation's events as PostgreSQL holds them, in the order they were written."""
    import psycopg2

    with psycopg2.connect(stack.database_url()) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT type_name, data FROM events WHERE sender_id = %s ORDER BY id", (sender,))
        rows = cursor.fetchall()
    connection.close()
    import json

    return [json.loads(data) for _, data in rows]


def bot_parts(events):
    # Rasa's REST channel sends a bot text split at blank lines, unless it has buttons
    # (rasa.core.channels.channel.send_response).
    return [part for e in events if e["event"] == "bot" and e.get("text")
            for part in ([e["text"].strip()] if (e.get("data") or {}).get("buttons")
                         else e["text"].strip().split("\n\n"))]


@pytest.mark.slow
def test_turns_alternate_between_servers_and_each_conversation_keeps_its_state(scaled):
    from assistant.serve import api_token

    senders = {indication: f"scaled-{indication}-{os.urandom(4).hex()}" for indication in CONVERSATIONS}
    served, replies = {s: [] for s in senders.values()}, {s: [] for s in senders.values()}
    # Turn by turn across the three conversations: with one nginx worker and an odd number of
    # conversations, round robin sends consecutive turns of each conversation to different servers.
    for turn in TURNS:
        for indication, sender in senders.items():
            upstream, messages = say(scaled, sender, turn.format(indication=indication))
            served[sender].append(upstream)
            replies[sender].append(messages)

    rasa_addresses = {url.split("//")[1] for url in scaled.rasa_urls}
    for indication, sender in senders.items():
        assert set(served[sender]) == rasa_addresses, served[sender]
        assert all(a != b for a, b in zip(served[sender], served[sender][1:])), served[sender]
        # The slot set in turn 1 (on one server) decides the answers of turns 3 and 4.
        for turn in (2, 3):
            answer = "\n".join(m.get("text", "") for m in replies[sender][turn])
            source = [line for line in answer.splitlines() if line.startswith("Source:")]
            assert source and CONVERSATIONS[indication] in source[-1], answer
            assert ("9 mcg" in answer) == (indication != "mrd-positive"), answer
            assert not [b for m in replies[sender][turn] for b in m.get("buttons") or ()
                        if b["payload"].startswith("/inform_indication")]  # it did not ask which type

        # No event lost: PostgreSQL holds every message both ways, in order, and the API agrees.
        events = stored_events(scaled, sender)
        said = [turn.format(indication=indication) for turn in TURNS]
        assert [e["text"] for e in events if e["event"] == "user"] == said
        assert bot_parts(events) == [m["text"] for messages in replies[sender] for m in messages if m.get("text")]
        slots = [e for e in events if e["event"] == "slot" and e.get("name") == "indication"]
        assert slots and slots[-1]["value"] == indication
        tracker = requests.get(f"{scaled.nginx_url}/conversations/{sender}/tracker",
                               params={"token": api_token()}, timeout=30).json()
        assert len(tracker["events"]) == len(events)
        assert tracker["slots"]["indication"] == indication


@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))  # 9 conversations: the race showed in 2 of 21
def test_simultaneous_messages_of_one_conversation_are_serialised_by_the_redis_lock(scaled, attempt):
    import redis

    senders = [f"scaled-burst-{n}-{os.urandom(4).hex()}" for n in range(3)]
    texts = ["/greet", "/ask_cost"]
    results, errors = [], []

    def send(sender, text):
        try:
            results.append((sender, text, *say(scaled, sender, text)))
        except Exception as error:  # reported below with the sender
            errors.append((sender, text, repr(error)))

    # Both messages of a conversation in flight at once: round robin gives them different servers.
    threads = [threading.Thread(target=send, args=(s, t)) for s in senders for t in texts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors and len(results) == len(senders) * len(texts), errors
    assert len({upstream for *_, upstream, _ in results}) == 2

    for sender in senders:
        events = stored_events(scaled, sender)
        said = [e["text"] for e in events if e["event"] == "user"]
        assert sorted(said) == sorted(texts), [(e["event"], e.get("name") or e.get("text")) for e in events]
        # Under the lock each turn runs to its action_listen before the next message is read.
        kinds = [("user" if e["event"] == "user" else "listen") for e in events
                 if e["event"] == "user" or (e["event"] == "action" and e.get("name") == "action_listen")]
        assert kinds[-4:] == ["user", "listen", "user", "listen"], kinds
        for _, text, _, messages in (r for r in results if r[0] == sender):
            assert messages and all(m.get("text") for m in messages)  # each got its own answer
    stats = redis.Redis(host=scaled.host, port=scaled.redis_port,
                        password=scaled.redis_password).info("commandstats")
    assert stats.get("cmdstat_set", {}).get("calls", 0) >= len(senders) * len(texts)  # a lock per turn


@pytest.mark.slow
def test_the_web_server_and_every_server_listen_on_loopback_only(scaled):
    reply = requests.post(f"{scaled.web_origin}/api/chat",
                          json={"sender": f"scaled-web-{os.urandom(4).hex()}", "message": "/greet"}, timeout=120)
    assert reply.status_code == 200 and reply.json()["messages"], reply.text

    ports = {scaled.nginx_port, *scaled.rasa_ports, scaled.actions_port, scaled.web_port,
             scaled.postgres_port, scaled.redis_port}
    listening = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) in ports:  # 0A: LISTEN
                listening.setdefault(int(port, 16), set()).add(address)
    assert set(listening) == ports
    assert all(addresses == {"0100007F"} for addresses in listening.values()), listening  # 127.0.0.1


@pytest.mark.slow
@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_socketio_clients_through_nginx_get_every_reply(scaled, transport):
    """nginx's ip_hash keeps each socket.io session on one Rasa server, so polling works across two."""
    import asyncio

    from tests.test_socketio import converse, expected_messages

    messages = ["/greet", "/ask_cost", "my husband is on the blincyto drip and just had a fit"]
    sessions = [f"scaled-sio-{transport}-{n}-{os.urandom(4).hex()}" for n in range(4)]

    def all_arrived(session_id, received):
        events = stored_events(scaled, session_id)
        return (len([e for e in events if e["event"] == "user"]) == len(messages)
                and received == expected_messages([e for e in events if e["event"] == "bot"]))

    async def everyone():
        return await asyncio.gather(*(converse(scaled.nginx_url, transport, s, messages, all_arrived)
                                      for s in sessions))

    for session, received in zip(sessions, asyncio.run(everyone())):
        events = stored_events(scaled, session)
        assert [e["text"] for e in events if e["event"] == "user"] == messages
        assert received == expected_messages([e for e in events if e["event"] == "bot"])
        assert {"custom": {"urgency": "emergency"}} in received


def test_a_confirmed_deletion_leaves_nothing_of_the_conversation_in_postgresql(scaled):
    from assistant.web.audit import AuditLog

    sender = f"scaled-delete-{os.urandom(4).hex()}"
    say(scaled, sender, "how often is the bag changed?")
    say(scaled, sender, "delete my conversation")  # one Rasa server asks ...
    assert stored_events(scaled, sender)
    _, done = say(scaled, sender, "yes")  # ... and the other, reading PostgreSQL, deletes
    assert any((m.get("custom") or {}).get("forget_conversation") is True for m in done)
    assert stored_events(scaled, sender) == []
    assert [e.action for e in AuditLog(scaled.front.staff_path).entries() if e.target == sender] == [
        "delete-conversation"]
