"""The staff console held to what a clinic must show an auditor: throttled logins, sessions in SQLite that
survive a restart and expire, CSRF tokens, and an append-only audit log of who saw what."""
import dataclasses
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from assistant.web import WebConfig, make_app
from assistant.web.audit import AuditLog
from assistant.web.auth import AccountStore, ConsolePolicy
from assistant.web.sessions import SESSION_COOKIE
from conftest import STAFF_PASSWORD, STAFF_USER, add_staff_account
from triage.summaries import TriageStore, TriageSummary

ROOT = Path(__file__).resolve().parent.parent
BLINA = Path(sys.executable).parent / "blina"
POLICY = ConsolePolicy(failures_per_account=5, failures_per_address=20, failure_window_minutes=15,
                       lockout_minutes=5, lockout_max_minutes=240, session_idle_minutes=30,
                       session_absolute_hours=10, password_min_length=12)
START = 1_800_000_000.0  # the tests' clock starts here (Jan 2027) and moves only when a test moves it


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self):
        return self.now

    def advance(self, minutes):
        self.now += minutes * 60


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def config(knowledge_db, tmp_path, clock):
    # No Rasa: these pages never call it (the chat proxy's own tests are in test_web.py).
    config = WebConfig(rasa_url="http://127.0.0.1:9", api_token="unused", triage_db=tmp_path / "triage.db",
                       staff_db=tmp_path / "staff.db", knowledge_db=knowledge_db, policy=POLICY, clock=clock)
    add_staff_account(config.staff_db)
    return config


async def start(config):
    client = TestClient(TestServer(make_app(config)))
    await client.start_server()
    return client


@pytest.fixture
async def client(config):
    client = await start(config)
    yield client
    await client.close()


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def log_in(client, password=STAFF_PASSWORD, username=STAFF_USER, headers=None):
    token = form_token(await (await client.get("/staff/login")).text())
    return await client.post("/staff/login", allow_redirects=False, headers=headers or {},
                             data={"username": username, "password": password, "csrf_token": token})


def actions(config, action=None):
    return [e for e in AuditLog(config.staff_db).entries() if action is None or e.action == action]


# --- login throttling ----------------------------------------------------------------------------


async def test_fifty_wrong_passwords_then_the_right_one_is_refused_and_the_lockout_audited(client, config):
    statuses = [(await log_in(client, password=f"guess-{n}")).status for n in range(50)]
    # The first four are plain failures; the fifth reaches the limit and every attempt after is refused.
    assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}
    right = await log_in(client)
    assert right.status == 429 and SESSION_COOKIE not in right.cookies
    text = await right.text()
    # 5 minutes after the clock's start, 1 800 000 000 s = Fri 15 Jan 2027 08:00 UTC = 02:00 in Chicago (CST).
    assert "Too many failed logins. Try again after Fri 15 Jan 2027, 02:05 (clinic time)." in text
    assert int(right.headers["Retry-After"]) == 301
    (lockout,) = actions(config, "lockout")
    assert (lockout.user, lockout.target, lockout.address) == (STAFF_USER, "account", "127.0.0.1")
    # Only the attempts that were checked count as failures: the locked-out ones never reach scrypt.
    assert len(actions(config, "login-failure")) == 5
    assert (await client.get("/staff", allow_redirects=False)).status == 303


async def test_guesses_sent_all_at_once_are_counted_before_any_gets_past_the_limit(client, config):
    import asyncio

    token = form_token(await (await client.get("/staff/login")).text())
    replies = await asyncio.gather(*[
        client.post("/staff/login", allow_redirects=False,
                    data={"username": STAFF_USER, "password": f"parallel-{n}", "csrf_token": token})
        for n in range(20)])
    assert sorted(r.status for r in replies) == [401] * 4 + [429] * 16
    assert len(actions(config, "login-failure")) == 5


async def test_a_second_lockout_lasts_twice_as_long_and_each_end_is_audited(client, config, clock):
    for n in range(5):
        await log_in(client, password=f"guess-{n}")
    clock.advance(5.1)  # the first lockout (5 minutes) is over: 08:05:06 UTC
    for n in range(5):
        await log_in(client, password=f"again-{n}")
    # The second lasts 10 minutes: until 08:15:06 UTC, 02:15 in Chicago.
    assert "Try again after Fri 15 Jan 2027, 02:15 (clinic time)." in await (await log_in(client)).text()
    clock.advance(9.8)
    assert (await log_in(client)).status == 429
    clock.advance(0.3)
    assert (await log_in(client)).status == 303
    assert [e.action for e in actions(config) if e.action in ("lockout", "unlock")] == [
        "unlock", "lockout", "unlock", "lockout"]  # newest first


async def test_many_accounts_guessed_from_one_address_lock_the_address(client, config):
    add_staff_account(config.staff_db, "nurse", "another-long-password", "Nurse")
    for n in range(20):
        await log_in(client, username=f"made-up-{n}", password="whatever")
    reply = await log_in(client, username="nurse", password="another-long-password")
    assert reply.status == 429
    (lockout,) = actions(config, "lockout")
    assert (lockout.target, lockout.user) == ("address", "(unknown user name)")
    # A name that is no account is never written down: it may be a password typed in the wrong box.
    assert not any("made-up" in (e.user + (e.detail or "") + (e.target or "")) for e in actions(config))


async def test_behind_the_proxy_each_forwarded_address_is_throttled_on_its_own(config):
    config = dataclasses.replace(config, policy=dataclasses.replace(POLICY, behind_proxy=True))
    client = await start(config)
    try:
        for n in range(20):
            await log_in(client, username=f"x{n}", password="y", headers={"X-Forwarded-For": "203.0.113.7"})
        blocked = await log_in(client, headers={"X-Forwarded-For": "203.0.113.7"})
        other = await log_in(client, headers={"X-Forwarded-For": "198.51.100.2"})
        assert (blocked.status, other.status) == (429, 303)
    finally:
        await client.close()


# --- sessions -------------------------------------------------------------------------------------


async def test_a_session_survives_a_restart_of_the_web_server(config):
    first = await start(config)
    token = (await log_in(first)).cookies[SESSION_COOKIE].value
    await first.close()
    second = await start(config)  # a new process's application, the same staff database
    try:
        page = await second.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: token})
        assert page.status == 200 and "Front desk" in await page.text()
    finally:
        await second.close()


async def test_an_idle_session_expires_even_across_a_restart(config, clock):
    first = await start(config)
    token = (await log_in(first)).cookies[SESSION_COOKIE].value
    await first.close()
    clock.advance(31)  # idle for longer than session_idle_minutes
    second = await start(config)
    try:
        reply = await second.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: token})
        assert reply.status == 303 and reply.headers["Location"].startswith("/staff/login")
    finally:
        await second.close()


async def test_a_session_in_use_still_ends_at_its_absolute_limit(client, clock):
    token = (await log_in(client)).cookies[SESSION_COOKIE].value
    for _ in range(20):  # used every 29 minutes: never idle, 9 h 40 min in all
        clock.advance(29)
        assert (await client.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: token})).status == 200
    clock.advance(29)  # 10 h 9 min after the login
    assert (await client.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: token})).status == 303


async def test_login_gives_a_new_session_id_and_ends_the_one_the_browser_had(client):
    old = (await log_in(client)).cookies[SESSION_COOKIE].value  # as if planted in the browser beforehand
    client.session.cookie_jar.clear()
    token = form_token(await (await client.get("/staff/login")).text())
    reply = await client.post("/staff/login", allow_redirects=False, cookies={SESSION_COOKIE: old},
                              data={"username": STAFF_USER, "password": STAFF_PASSWORD, "csrf_token": token})
    new = reply.cookies[SESSION_COOKIE].value
    assert new != old
    assert (await client.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: old})).status == 303
    planted = await client.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: "chosen-by-attacker"})
    assert planted.status == 303


async def test_the_session_table_keeps_no_usable_token(client, config):
    token = (await log_in(client)).cookies[SESSION_COOKIE].value
    with sqlite3.connect(config.staff_db) as db:
        stored = [row[0] for row in db.execute("SELECT token_hash FROM sessions")]
    assert stored and token not in stored


async def test_cookies_are_secure_over_https_and_not_on_plain_http(config):
    plain = await start(config)
    try:
        cookie = (await log_in(plain)).headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    finally:
        await plain.close()
    proxied = await start(dataclasses.replace(config, policy=dataclasses.replace(POLICY, behind_proxy=True)))
    try:
        reply = await log_in(proxied, headers={"X-Forwarded-Proto": "https"})
        cookie = reply.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    finally:
        await proxied.close()


# --- CSRF -----------------------------------------------------------------------------------------


async def test_a_staff_post_without_its_csrf_token_is_refused(client):
    token = (await log_in(client)).cookies[SESSION_COOKIE].value
    assert (await client.post("/staff/logout", allow_redirects=False)).status == 403
    assert (await client.post("/staff/logout", allow_redirects=False, data={"csrf_token": "forged"})).status == 403
    chat = await client.post("/staff/api/chat", json={"sender": "staff-sender-1", "message": "hi"})
    assert chat.status == 403
    # Refused means nothing happened: the session is still there.
    assert (await client.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: token})).status == 200
    page = await (await client.get("/staff")).text()
    out = await client.post("/staff/logout", allow_redirects=False, data={"csrf_token": form_token(page)})
    assert out.status == 303


async def test_a_login_post_without_the_login_forms_token_is_refused(client, config):
    reply = await client.post("/staff/login", allow_redirects=False,
                              data={"username": STAFF_USER, "password": STAFF_PASSWORD})
    assert reply.status == 403 and SESSION_COOKIE not in reply.cookies
    assert actions(config, "login") == []


def test_the_console_sends_its_token_with_every_post():
    """Every form that POSTs carries csrf_token, and the chat script sends X-CSRF-Token when it has one."""
    templates = ROOT / "web" / "templates"
    for page in templates.rglob("*.html"):
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page.read_text(), re.S | re.I):
            assert 'name="csrf_token"' in form, page.name
    script = (ROOT / "web" / "static" / "chat.js").read_text()
    assert '"X-CSRF-Token": csrfToken' in script
    assert "csrf_token=staff.csrf_token" in (templates / "staff" / "chat.html").read_text()


# --- the audit log ----------------------------------------------------------------------------------


def summary(sender="patient-audit-1"):
    return TriageSummary(sender, "2027-01-15T07:00:00+00:00", "cycle 1, day 3", ("fever",), "severe",
                         None, "Can I take paracetamol?", "today", "fever reported")


async def test_viewing_a_summary_writes_exactly_one_audit_row(client, config):
    row_id = TriageStore(config.triage_db).add(summary())
    await log_in(client)
    await client.get("/staff/triage")  # the list shows no summary's content and is not a view of one
    before = len(actions(config))
    page = await client.get(f"/staff/triage/{row_id}")
    assert page.status == 200 and "fever reported" in await page.text()
    entries = actions(config)
    assert len(entries) == before + 1
    view = entries[0]
    assert (view.action, view.user, view.target, view.address) == ("view-triage-summary", STAFF_USER,
                                                                   str(row_id), "127.0.0.1")
    assert "fever" not in f"{view.detail}" and "paracetamol" not in f"{view.detail}"
    assert (await client.get("/staff/triage/999999")).status == 404
    assert len(actions(config, "view-triage-summary")) == 1


async def test_searches_plans_and_calendars_are_audited_without_their_results(client, config):
    await log_in(client)
    await client.get("/staff", params={"q": "bag change"})
    await client.get("/staff/plan", params={"indication": "relapsed-refractory", "start": "2025-03-03"})
    await client.get("/staff/plan.ics", params={"indication": "relapsed-refractory", "start": "2025-03-03"})
    await client.get("/staff")  # no query: no search
    logged = {e.action: e for e in actions(config)}
    assert logged["search"].detail == "bag change"
    assert logged["build-plan"].detail == "indication=relapsed-refractory&start=2025-03-03"
    assert logged["download-ics"].user == STAFF_USER
    assert len(actions(config, "search")) == 1
    assert {"login", "search", "build-plan", "download-ics"} <= set(logged)


async def test_logins_failures_and_logouts_are_audited_and_shown_on_the_audit_page(client, config):
    await log_in(client, password="not the password")
    await log_in(client)
    page = await (await client.get("/staff/audit")).text()
    assert re.findall(r'data-action="([^"]+)"', page) == ["login", "login-failure"]
    await client.post("/staff/logout", data={"csrf_token": form_token(page)})
    assert [e.action for e in actions(config)] == ["logout", "login", "login-failure"]


def test_the_audit_module_has_no_update_or_delete_path():
    import assistant.web.audit as audit_module

    source = Path(audit_module.__file__).read_text()
    # No statement that changes or removes rows, and no sqlite-utils call that would.
    assert not re.search(r"\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bREPLACE\s+INTO\b|\bINSERT\s+OR\s+REPLACE\b"
                         r"|\bDROP\s+(TABLE|TRIGGER)\b", source, re.I)
    assert not re.search(r"\.(update|upsert|upsert_all|delete|delete_where|drop|transform)\(|replace\s*=\s*True",
                         source)
    public = {name for name in vars(audit_module.AuditLog) if not name.startswith("_")}
    assert public == {"record", "entries"}
    # Nothing else in the project writes to the table either.
    for path in [*ROOT.glob("assistant/**/*.py"), *ROOT.glob("actions/*.py"), *ROOT.glob("triage/*.py")]:
        assert not re.search(r"(UPDATE|DELETE\s+FROM|DROP\s+TABLE)\s+audit\b", path.read_text(), re.I), path


def test_the_database_refuses_to_change_or_delete_an_audit_row(tmp_path):
    log = AuditLog(tmp_path / "staff.db")
    log.record("login", user="frontdesk", address="127.0.0.1")
    with sqlite3.connect(tmp_path / "staff.db") as db:
        for statement in ("UPDATE audit SET user = 'someone else'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute(statement)
    assert [e.user for e in log.entries()] == ["frontdesk"]


def blina(*args, staff_db, stdin="", env_extra=None):
    import os

    env = {**os.environ, "BLINA_STAFF_DB": str(staff_db), **(env_extra or {})}
    return subprocess.run([str(BLINA), *args], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)


def test_blina_audit_prints_the_entries_since_a_day_and_of_one_user(tmp_path):
    from datetime import datetime, timezone

    log = AuditLog(tmp_path / "staff.db")
    log.record("login", user="frontdesk", address="10.0.0.1", at=datetime(2027, 1, 14, 9, tzinfo=timezone.utc))
    log.record("search", user="frontdesk", detail="cytokine", at=datetime(2027, 1, 15, 9, tzinfo=timezone.utc))
    log.record("login", user="nurse", at=datetime(2027, 1, 15, 10, tzinfo=timezone.utc))
    lines = blina("audit", "--since", "2027-01-15", "--user", "frontdesk", staff_db=tmp_path / "staff.db")
    assert lines.returncode == 0
    assert lines.stdout.splitlines() == ["2027-01-15T09:00:00+00:00\tfrontdesk\tsearch\t-\t-\tcytokine"]
    everything = blina("audit", staff_db=tmp_path / "staff.db").stdout.splitlines()
    assert [line.split("\t")[1] for line in everything] == ["frontdesk", "frontdesk", "nurse"]  # oldest first
    bad = blina("audit", "--since", "last week", staff_db=tmp_path / "staff.db")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


# --- accounts by command -----------------------------------------------------------------------------


def test_blina_staff_add_reads_the_password_twice_from_stdin_and_keeps_only_a_hash(tmp_path):
    db = tmp_path / "staff.db"
    assert blina("staff", "add", "nurse", "--name", "Nurse Joy", staff_db=db,
                 stdin="a-long-password\na-long-password\n").returncode == 0
    differ = blina("staff", "add", "other", staff_db=db, stdin="a-long-password\nanother-password\n")
    assert differ.returncode == 2 and "differ" in differ.stderr
    short = blina("staff", "add", "other", staff_db=db, stdin="short\nshort\n")
    assert short.returncode == 2 and "at least 12 characters" in short.stderr
    again = blina("staff", "add", "nurse", staff_db=db, stdin="a-long-password\na-long-password\n")
    assert again.returncode == 2 and "already" in again.stderr
    assert blina("staff", "list", staff_db=db).stdout.split("\t")[:3] == ["nurse", "Nurse Joy", "active"]
    assert "a-long-password" not in db.read_bytes().decode("latin-1")
    assert AccountStore(db).check("nurse", "a-long-password").name == "Nurse Joy"
    assert [e.action for e in AuditLog(db).entries()] == ["account-added"]


async def test_the_running_server_sees_a_new_and_a_disabled_account_without_a_restart(client, config):
    assert blina("staff", "add", "nurse", staff_db=config.staff_db,
                 stdin="a-long-password\na-long-password\n").returncode == 0
    reply = await log_in(client, username="nurse", password="a-long-password")
    assert reply.status == 303
    token = reply.cookies[SESSION_COOKIE].value
    disabled = blina("staff", "disable", "nurse", staff_db=config.staff_db)
    assert disabled.returncode == 0 and "1 open sessions ended" in disabled.stdout
    # The open session is over, and the password no longer opens one.
    assert (await client.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: token})).status == 303
    assert (await log_in(client, username="nurse", password="a-long-password")).status == 401
    assert "nurse\tnurse\tdisabled" in blina("staff", "list", staff_db=config.staff_db).stdout


def test_blina_staff_unlock_ends_a_lockout_early_and_says_so(tmp_path, clock):
    from assistant.web.auth import LoginThrottle

    db = tmp_path / "staff.db"
    throttle = LoginThrottle(db, POLICY, AuditLog(db), clock=clock)
    for _ in range(5):
        throttle.failed("frontdesk", "10.0.0.9", "frontdesk")
    assert throttle.blocked("frontdesk", "10.0.0.9", "frontdesk") == START + 300
    assert "Unlocked frontdesk." in blina("staff", "unlock", "frontdesk", staff_db=db).stdout
    assert throttle.blocked("frontdesk", "10.0.0.9", "frontdesk") is None
    assert [e.action for e in AuditLog(db).entries()] == ["unlock", "lockout"]
