"""Security of a running instance: the Rasa API needs the token, CORS admits only the widget, every server is on loopback, logs hold no message text, and hostile input never gets a 500 or a trace."""
import ipaddress
import json
import os
import sqlite3
import subprocess
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

EVIL_ORIGIN = "http://evil.example"
LOOPBACK = ("127.0.0.1", "::1")
APOLOGY = "can't look that up right now"


def request(url: str, method: str = "GET", body=None, headers=None):
    """(status, headers, body text) of one HTTP request; error statuses are returned, not raised."""
    data = json.dumps(body).encode() if body is not None else None
    sent = urllib.request.Request(url, data=data, method=method,
                                  headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(sent, timeout=120) as reply:
            return reply.status, reply.headers, reply.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


# --- the HTTP API needs the token ------------------------------------------------------------

API_CALLS = [("GET", "/conversations/security-probe/tracker", None),
             ("POST", "/model/parse", {"text": "what are the side effects"})]


@pytest.mark.parametrize("method,path,body", API_CALLS)
def test_the_rasa_api_refuses_requests_without_the_right_token(servers, method, path, body):
    from assistant.serve import api_token

    assert request(servers.rasa_url + path, method, body)[0] == 401
    assert request(f"{servers.rasa_url}{path}?token=not-the-token", method, body)[0] == 401
    # The same call with the token works: the refusals above are about the token, nothing else.
    assert request(f"{servers.rasa_url}{path}?token={api_token()}", method, body)[0] == 200


def test_the_api_token_is_kept_in_an_ignored_file_only_its_owner_reads():
    from assistant.serve import TOKEN_FILE, api_token

    assert len(api_token()) >= 32
    assert TOKEN_FILE.stat().st_mode & 0o077 == 0
    ignored = subprocess.run(["git", "check-ignore", "-q", str(TOKEN_FILE)],
                                           cwd=TOKEN_FILE.parent.parent)
    assert ignored.returncode == 0


# --- CORS -------------------------------------------------------------------------------------


def preflight(url: str, origin: str):
    return request(url, "OPTIONS", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "content-type"})


def test_rasa_allows_the_widget_origin_and_no_other(servers):
    webhook = f"{servers.rasa_url}/webhooks/rest/webhook"
    _, headers, _ = preflight(webhook, servers.web_origin)
    assert headers.get("Access-Control-Allow-Origin") == servers.web_origin
    _, headers, _ = preflight(webhook, EVIL_ORIGIN)
    assert headers.get("Access-Control-Allow-Origin") is None
    _, headers, _ = request(f"{servers.rasa_url}/", headers={"Origin": EVIL_ORIGIN})
    assert headers.get("Access-Control-Allow-Origin") in (None, servers.web_origin)


def test_the_action_server_allows_no_other_origin(servers):
    _, headers, _ = preflight(f"http://{servers.host}:{servers.actions_port}/webhook", EVIL_ORIGIN)
    assert headers.get("Access-Control-Allow-Origin") in (None, servers.web_origin)


def test_the_web_server_shares_nothing_cross_origin_and_refuses_cross_site_posts(servers):
    _, headers, _ = request(f"{servers.web_origin}/", headers={"Origin": EVIL_ORIGIN})
    assert headers.get("Access-Control-Allow-Origin") is None
    status, _, _ = request(f"{servers.web_origin}/api/chat", "POST",
                           {"sender": "security-cross-site", "message": "hello"}, {"Origin": EVIL_ORIGIN})
    assert status == 403


# --- loopback only ----------------------------------------------------------------------------


def _children(pid: int) -> list:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            found += [int(child)] + _children(int(child))
    return found


def _address(hex_address: str) -> str:
    """/proc/net/tcp's little-endian hex address as text ("0100007F" -> "127.0.0.1")."""
    if len(hex_address) == 8:
        return ".".join(str(b) for b in reversed(bytes.fromhex(hex_address)))
    words = [bytes.fromhex(hex_address[i:i + 8])[::-1].hex() for i in range(0, 32, 8)]
    return str(ipaddress.IPv6Address(bytes.fromhex("".join(words))))


def listening_sockets(pids) -> list:
    """(address, port) of every listening TCP socket the processes hold."""
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # 0A: LISTEN
                address, port = local.split(":")
                found.append((_address(address), int(port, 16)))
    return found


def test_every_server_listens_on_loopback_only(servers):
    pids = [p.pid for p in servers.processes]
    pids += [child for pid in pids for child in _children(pid)]
    sockets = listening_sockets(pids)
    assert {servers.rasa_port, servers.actions_port, servers.web_port} <= {port for _, port in sockets}
    assert [s for s in sockets if s[0] not in LOOPBACK] == []


# --- no message text in the logs -----------------------------------------------------------------


def test_logs_hold_no_message_text_or_personal_data(servers):
    from assistant.serve import api_token

    marker = f"Zq{uuid.uuid4().hex}"
    personal = f"my name is Jane {marker} and my date of birth is 02/03/1961, what are the side effects"
    status, _, _ = request(f"{servers.rasa_url}/webhooks/rest/webhook", "POST",
                           {"sender": f"security-logs-{marker[:8]}", "message": personal})
    assert status == 200
    status, _, _ = request(f"{servers.web_origin}/api/chat", "POST",
                           {"sender": f"security-web-{marker[:8]}", "message": personal})
    assert status == 200
    # A message the classifier cannot use, and one through the apology path of the channel.
    request(f"{servers.rasa_url}/webhooks/rest/webhook", "POST",
            {"sender": f"security-logs-{marker[:8]}", "message": f"\x00{marker}\x00"})
    request(f"{servers.rasa_url}/model/parse?token={api_token()}", "POST", {"text": personal})

    # The text did reach the assistant (it is in the tracker store, as it must be), so its absence
    # from the logs below means something.
    with sqlite3.connect(servers.tracker_db, timeout=30) as db:
        assert db.execute("SELECT count(*) FROM events WHERE data LIKE ?", [f"%{marker}%"]).fetchone()[0] >= 2

    logs = servers.log_files()
    assert {p.name.split("-")[0] for p in logs} >= {"actions", "rasa", "web"}
    written = {p.name: p.read_text(errors="replace") for p in logs}
    assert all(written.values())  # the servers do log: an empty file would prove nothing
    assert [name for name, text in written.items() if marker in text] == []
    assert [name for name, text in written.items() if "1961" in text] == []
    assert [name for name, text in written.items() if api_token() in text] == []


# --- hostile input ----------------------------------------------------------------------------

HOSTILE = {
    # name: (message, what the REST webhook does, what the web server's /api/chat does)
    "empty": ("", "refused", "refused"),
    "whitespace": ("  \n\t  ", "refused", "refused"),
    "100 kB": ("blinatumomab " * 7700, "refused", "refused"),
    "NUL inside": ("what are the\x00 side effects\x00", "answered", "answered"),
    "NUL only": ("\x00\x00", "refused", None),
    "lone surrogate": ("\ud800", "refused", None),
    "emoji": ("\U0001F600\U0001FA78 side effects? \U0001F912", "answered", "answered"),
    "HTML and script": ("<script>alert(1)</script><img src=x onerror=alert(2)> dose?", "answered", "answered"),
    "SQL": ("'; DROP TABLE events; -- what does it cost \" OR 1=1", "answered", "answered"),
    "format strings": ("{0} %s %(name)s {{7*7}} ${7*7} {% if 1 %}x{% endif %} %n", "answered", "answered"),
    "terminal escapes": ("\x1b[31mred\x1b[0m\x07 how is it given", "answered", "answered"),
    "right-to-left": ("\u202ewhat is blinatumomab\u202c", "answered", "answered"),
}


def _check(status: int, body: str, expected: str) -> None:
    assert status < 500
    assert "Traceback" not in body and 'File "' not in body
    if expected == "refused":
        assert 400 <= status < 500
        assert body.strip()  # says why
    else:
        assert status == 200


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_to_the_rest_webhook_gets_an_answer_or_a_clear_refusal(servers, name):
    message, expected, _ = HOSTILE[name]
    status, _, body = request(f"{servers.rasa_url}/webhooks/rest/webhook", "POST",
                              {"sender": f"hostile-{name}", "message": message})
    _check(status, body, expected)
    if expected == "answered":
        said = [m["text"] for m in json.loads(body) if m.get("text")]
        assert said and not any(APOLOGY in text for text in said)  # the apology means something broke
    else:
        assert json.loads(body)["error"]


@pytest.mark.parametrize("name", [n for n, (_, _, web) in HOSTILE.items() if web])
def test_hostile_input_to_the_web_chat_gets_an_answer_or_a_clear_refusal(servers, name):
    message, _, expected = HOSTILE[name]
    sender = "hostile-web-" + "".join(c for c in name if c.isalnum())
    status, _, body = request(f"{servers.web_origin}/api/chat", "POST", {"sender": sender, "message": message})
    _check(status, body, expected)
    if expected == "answered":
        said = [m["text"] for m in json.loads(body)["messages"] if m.get("text")]
        assert said and not any(APOLOGY in text for text in said)


@pytest.mark.parametrize("body", [[1, 2], "just a string", {"sender": "x"}, {"message": "hi"},
                                  {"sender": 7, "message": "hi"}, {"sender": "a\x00b", "message": "hi"},
                                  {"sender": "s" * 500, "message": "hi"},
                                  {"sender": "hostile-meta", "message": "hi", "metadata": "not an object"}])
def test_malformed_webhook_bodies_are_refused_clearly(servers, body):
    status, _, text = request(f"{servers.rasa_url}/webhooks/rest/webhook", "POST", body)
    assert status == 400 and "Traceback" not in text and json.loads(text)["error"]


def test_sql_looking_text_is_stored_as_text_and_the_store_keeps_working(servers):
    sql = HOSTILE["SQL"][0]
    assert request(f"{servers.rasa_url}/webhooks/rest/webhook", "POST",
                   {"sender": "hostile-sql-store", "message": sql})[0] == 200
    status, _, body = request(f"{servers.rasa_url}/webhooks/rest/webhook", "POST",
                              {"sender": "hostile-after", "message": "how much does blinatumomab cost"})
    assert status == 200 and json.loads(body)[-1]["text"].startswith("Source:")
    with sqlite3.connect(servers.tracker_db, timeout=30) as db:
        stored = [json.loads(row[0])["text"] for row in db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", ["hostile-sql-store"])]
        after = db.execute("SELECT count(*) FROM events WHERE sender_id = 'hostile-after'").fetchone()[0]
    assert stored == [sql] and after > 0
