"""The web server in-process, in front of a scripted FakeRasa: pages, the chat proxy, staff login,
search, a caller's plan and the triage list. The real Rasa is exercised by the browser e2e tests."""
import re
from datetime import date

import pytest
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape

from assistant.web import WebConfig, make_app
from assistant.web.auth import hash_password, verify_password
from assistant.web.calendar import calendar_months
from assistant.web.console import next_path
from assistant.web.sessions import SESSION_COOKIE
from conftest import STAFF_PASSWORD as DEMO_PASSWORD
from conftest import STAFF_USER as DEMO_USER
from conftest import add_staff_account
from knowledge.store import KnowledgeBase
from triage.summaries import TriageStore, TriageSummary

FRONT_DESK = "469-391-0070"  # patient information page, first line
SENDER = "test-sender-0001"


@pytest.fixture
async def rasa_server(fake_rasa):
    server = TestServer(fake_rasa.app())
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
def config(rasa_server, fake_rasa, knowledge_db, tmp_path):
    config = WebConfig(rasa_url=str(rasa_server.make_url("")).rstrip("/"), api_token=fake_rasa.token,
                       triage_db=tmp_path / "triage.db", staff_db=tmp_path / "staff.db", knowledge_db=knowledge_db)
    add_staff_account(config.staff_db)
    return config


@pytest.fixture
async def client(config):
    client = TestClient(TestServer(make_app(config)))
    await client.start_server()
    yield client
    await client.close()


async def log_in(client, password=DEMO_PASSWORD, username=DEMO_USER, **form):
    """Logs in as a browser does: the login page first, for its form's CSRF token."""
    page = await (await client.get("/staff/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return await client.post("/staff/login", allow_redirects=False,
                             data={"username": username, "password": password, "csrf_token": token, **form})


async def csrf_token(client, path="/staff"):
    """The session's CSRF token, as the console's pages carry it."""
    page = await (await client.get(path)).text()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def calendar_cell(page: str, day: str) -> str:
    """The calendar cell of one day of the plan page, with its classes."""
    match = re.search(r'<td class="([^"]*)"\s+data-date="%s">(.*?)</td>' % day, page, re.S)
    assert match, f"no calendar cell for {day}"
    return match.group(1) + " | " + " ".join(match.group(2).split())


# --- the patient page --------------------------------------------------------------------------


async def test_patient_page_shows_patient_facts_with_their_sources(client, knowledge_db):
    page = await (await client.get("/")).text()
    kb = KnowledgeBase(knowledge_db)
    cost = kb.facts("cost", audience="patient")[0]
    assert cost.title in page and f"Source: {cost.source}" in page
    assert f'href="tel:4693910070">{FRONT_DESK}</a>' in page  # the page's front-desk line, tappable
    for staff_only in (f for f in kb.all_facts() if f.audience == "staff"):
        assert staff_only.answer not in page, staff_only.id


async def test_pages_carry_a_strict_content_security_policy(client):
    reply = await client.get("/")
    policy = reply.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    page = await reply.text()
    # Every script is a file of ours: an inline <script> would be refused by the policy anyway.
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/chat.js">']


async def test_the_widget_script_never_inserts_markup():
    from assistant.web.config import STATIC

    script = (STATIC / "chat.js").read_text()
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", script)
    assert "textContent" in script


# --- the chat proxy ---------------------------------------------------------------------------


async def test_chat_is_relayed_to_rasa_as_a_patient(client, fake_rasa):
    # Whatever the browser claims, the audience is the server's decision.
    reply = await client.post("/api/chat", json={"sender": SENDER, "message": "hello",
                                                 "metadata": {"audience": "staff"}})
    assert reply.status == 200
    body = await reply.json()
    assert body == {"messages": [{"text": "An answer to: hello\nSource: test-document, Test section"}],
                    "plan": False}
    assert fake_rasa.received == [{"sender": SENDER, "message": "hello", "metadata": {"audience": "patient"}}]


async def test_chat_keeps_buttons_and_the_urgency_flag(client):
    body = await (await client.post("/api/chat", json={"sender": SENDER, "message": "which type"})).json()
    assert [b["title"] for b in body["messages"][0]["buttons"]] == ["Type A", "Type B"]
    body = await (await client.post("/api/chat", json={"sender": SENDER, "message": "red flag"})).json()
    assert body["messages"][1] == {"urgency": "emergency"}


@pytest.mark.parametrize("payload", [
    {"sender": "short", "message": "hi"},  # sender ids are 8-64 characters
    {"sender": "has spaces in it", "message": "hi"},
    {"sender": SENDER + "\n", "message": "hi"},
    {"sender": SENDER, "message": ""},
    {"sender": SENDER, "message": "   "},
    {"sender": SENDER, "message": "x" * 2001},  # MAX_MESSAGE_CHARS is 2000
    {"sender": SENDER},
    ["not", "an", "object"],
])
async def test_malformed_chat_requests_are_refused(client, fake_rasa, payload):
    assert (await client.post("/api/chat", json=payload)).status == 400
    assert fake_rasa.received == []


async def test_a_body_that_is_not_json_is_refused(client):
    reply = await client.post("/api/chat", data="hello", headers={"Content-Type": "application/json"})
    assert reply.status == 400


async def test_rasa_failing_gives_a_clear_502(client, fake_rasa):
    fake_rasa.down = True
    reply = await client.post("/api/chat", json={"sender": SENDER, "message": "hello"})
    assert reply.status == 502
    assert "not answering" in (await reply.json())["error"]


async def test_rasa_not_running_gives_a_clear_502(knowledge_db, tmp_path):
    from assistant.serve import free_port

    config = WebConfig(rasa_url=f"http://127.0.0.1:{free_port()}", api_token="x",
                       triage_db=tmp_path / "t.db", knowledge_db=knowledge_db)
    async with TestClient(TestServer(make_app(config))) as client:
        reply = await client.post("/api/chat", json={"sender": SENDER, "message": "hello"})
        assert reply.status == 502


async def test_the_plan_download_appears_once_the_conversation_has_a_plan(client):
    assert (await client.get(f"/api/plan.ics?sender={SENDER}")).status == 404
    body = await (await client.post("/api/chat", json={
        "sender": SENDER, "message": "plan relapsed-refractory 2025-03-03"})).json()
    assert body["plan"] is True
    reply = await client.get(f"/api/plan.ics?sender={SENDER}")
    assert reply.status == 200 and reply.content_type == "text/calendar"
    assert "attachment" in reply.headers["Content-Disposition"]
    ics = await reply.text()
    # By hand from the protocol: cycle 1 starts Mon 3 Mar 2025; 42-day cycles, so cycle 2 starts
    # 3 Mar + 42 days = Mon 14 Apr 2025; 2 cycles by default.
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "DTSTART;VALUE=DATE:20250303" in ics and "DTSTART;VALUE=DATE:20250414" in ics


async def test_a_plan_its_inputs_cannot_make_offers_no_download(client):
    body = await (await client.post("/api/chat", json={
        "sender": SENDER, "message": "plan relapsed-refractory 2025-02-30"})).json()
    assert body["plan"] is False
    assert (await client.get(f"/api/plan.ics?sender={SENDER}")).status == 404


async def test_a_plan_not_yet_confirmed_offers_no_download(client, fake_rasa):
    await client.post("/api/chat", json={"sender": SENDER, "message": "plan relapsed-refractory 2025-03-03"})
    fake_rasa.slots[SENDER]["plan_confirmed"] = None  # the facts are in, the patient has not said yes
    body = await (await client.post("/api/chat", json={"sender": SENDER, "message": "hello"})).json()
    assert body["plan"] is False
    assert (await client.get(f"/api/plan.ics?sender={SENDER}")).status == 404


async def test_the_patients_calendar_carries_the_clinics_reminders(client):
    await client.post("/api/chat", json={"sender": SENDER, "message": "plan relapsed-refractory 2025-03-03"})
    ics = await (await client.get(f"/api/plan.ics?sender={SENDER}")).text()
    assert "BEGIN:VALARM" in ics and "TRIGGER;VALUE=DATE-TIME:" in ics


async def test_the_plan_download_needs_a_well_formed_sender(client):
    assert (await client.get("/api/plan.ics?sender=../../etc")).status == 400


# --- staff login -------------------------------------------------------------------------------


async def test_staff_pages_need_a_login(client):
    for path in ("/staff", "/staff/plan", "/staff/triage", "/staff/triage/1", "/staff/audit", "/staff/chat",
                 "/staff/plan.ics"):
        reply = await client.get(path, allow_redirects=False)
        assert reply.status == 303 and reply.headers["Location"].startswith("/staff/login?next="), path
    assert (await client.post("/staff/api/chat", json={"sender": SENDER, "message": "hi"})).status == 401


@pytest.mark.parametrize("username,password", [
    (DEMO_USER, "wrong password"), (DEMO_USER, ""), ("nobody", DEMO_PASSWORD), (DEMO_USER.upper(), DEMO_PASSWORD),
])
async def test_a_wrong_login_is_refused(client, username, password):
    reply = await log_in(client, password, username)
    assert reply.status == 401
    assert "do not match" in await reply.text()
    assert SESSION_COOKIE not in reply.cookies
    assert (await client.get("/staff", allow_redirects=False)).status == 303


async def test_login_sets_an_httponly_samesite_cookie_and_logout_ends_the_session(client):
    reply = await log_in(client)
    assert reply.status == 303 and reply.headers["Location"] == "/staff"
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    token = reply.cookies[SESSION_COOKIE].value
    page = await client.get("/staff")
    assert page.status == 200 and "Front desk" in await page.text()
    assert page.headers["Cache-Control"] == "no-store"

    out = await client.post("/staff/logout", allow_redirects=False, data={"csrf_token": await csrf_token(client)})
    assert out.status == 303 and out.headers["Location"] == "/staff/login"
    assert (await client.get("/staff", allow_redirects=False)).status == 303
    # The old cookie, replayed, opens nothing: the session is gone on the server.
    replay = await client.get("/staff", allow_redirects=False, cookies={SESSION_COOKIE: token})
    assert replay.status == 303


async def test_login_returns_to_the_page_asked_for(client):
    reply = await log_in(client, next="/staff/triage")
    assert reply.headers["Location"] == "/staff/triage"


@pytest.mark.parametrize("asked,goes_to", [
    ("/staff/plan?indication=mrd-positive", "/staff/plan?indication=mrd-positive"),
    ("//evil.example/staff", "/staff"),
    ("https://evil.example/staff", "/staff"),
    ("/staffing", "/staff"),
    ("/", "/staff"),
    ("/staff\nSet-Cookie: x=1", "/staff"),
    ("/staff/\\evil.example", "/staff"),
])
def test_after_login_only_staff_pages_of_this_site(asked, goes_to):
    assert next_path({"next": asked}) == goes_to


async def test_a_cross_site_post_is_refused(client):
    reply = await client.post("/staff/login", allow_redirects=False, headers={"Origin": "http://evil.example"},
                              data={"username": DEMO_USER, "password": DEMO_PASSWORD})
    assert reply.status == 403
    assert SESSION_COOKIE not in reply.cookies


def test_passwords_are_hashed_salted_and_checked():
    stored = hash_password("correct horse")
    assert "correct horse" not in stored and stored.startswith("scrypt$")
    assert stored != hash_password("correct horse")  # a new salt each time
    assert verify_password("correct horse", stored)
    assert not verify_password("correct hors", stored)
    for broken in ("", "plain-text", "scrypt$x$8$1$AAAA$AAAA", "md5$1$2$3$4$5"):
        assert not verify_password("correct horse", broken)


def test_the_accounts_store_holds_only_a_hash(config):
    import sqlite3

    from assistant.web.auth import AccountStore

    with sqlite3.connect(config.staff_db) as db:
        (stored,) = db.execute("SELECT password FROM accounts WHERE username = ?", (DEMO_USER,)).fetchone()
    assert DEMO_PASSWORD not in stored and stored.startswith("scrypt$")
    assert AccountStore(config.staff_db).check(DEMO_USER, DEMO_PASSWORD).name == "Front desk"


# --- staff console ------------------------------------------------------------------------------


async def test_search_shows_each_hit_with_its_source_and_audience(client, knowledge_db):
    await log_in(client)
    # Staff see protocol detail: a staff-only fact is found by its own title and marked as such.
    fact = next(f for f in KnowledgeBase(knowledge_db).all_facts() if f.audience == "staff")
    page = await (await client.get("/staff", params={"q": fact.title})).text()
    hit = re.search(r'data-fact="%s">(.*?)</li>' % re.escape(fact.id), page, re.S)
    assert hit, f"{fact.id} not found by its title"
    assert escape(fact.title) in hit.group(1)
    assert "Staff only" in hit.group(1)
    assert f"Source: {escape(fact.source)}" in hit.group(1)


@pytest.mark.parametrize("query", ['"unbalanced', "AND OR NOT", "cost*)", "NEAR(", "<script>alert(1)</script>"])
async def test_search_survives_hostile_queries(client, query):
    await log_in(client)
    reply = await client.get("/staff", params={"q": query})
    assert reply.status == 200
    assert "<script>alert" not in await reply.text()


async def test_a_callers_plan_as_a_calendar(client):
    await log_in(client)
    reply = await client.get("/staff/plan", params={"indication": "relapsed-refractory", "start": "2025-03-03"})
    assert reply.status == 200
    page = await reply.text()
    # Worked by hand from the clinical protocol, cycle 1 from Mon 3 Mar 2025:
    # days 1-7 (3-9 Mar) 9 micrograms/day, days 8-28 (10-30 Mar) 28; 14 days off (31 Mar-13 Apr);
    # cycle 2 day 1 = 3 Mar + 42 days = Mon 14 Apr. Hospital: the first 9 days (3-11 Mar).
    # A new bag at the start (3 Mar) and at the dose change (10 Mar).
    # Bloods: cycle 1 within 14 days before = 17 Feb-2 Mar; cycle 2 within 96 hours = 10-13 Apr.
    assert "Mon 3 Mar 2025" in page and "Sun 30 Mar 2025" in page and "Sun 13 Apr 2025" in page
    assert "Mon 17 Feb 2025 &ndash; Sun 2 Mar 2025" in page
    assert "Thu 10 Apr 2025 &ndash; Sun 13 Apr 2025" in page
    first, step_up = calendar_cell(page, "2025-03-03"), calendar_cell(page, "2025-03-10")
    assert "bag" in first.split("|")[0] and "9 mcg/day" in first and "In hospital" in first
    assert "bag" in step_up.split("|")[0] and "28 mcg/day" in step_up and "Cycle 1, day 8" in step_up
    assert "9 mcg/day" in calendar_cell(page, "2025-03-09")
    assert "In hospital" in calendar_cell(page, "2025-03-11")
    assert "In hospital" not in calendar_cell(page, "2025-03-12")
    assert "No infusion" in calendar_cell(page, "2025-03-31")
    assert "Cycle 2, day 1" in calendar_cell(page, "2025-04-14")
    assert 'href="/staff/plan.ics?indication=relapsed-refractory&amp;start=2025-03-03"' in page


async def test_a_callers_plan_as_ics(client):
    await log_in(client)
    reply = await client.get("/staff/plan.ics", params={"indication": "mrd-positive", "start": "2025-03-03"})
    assert reply.status == 200 and reply.content_type == "text/calendar"
    # MRD-positive: one cycle by default (patient page); it starts on the given day.
    ics = await reply.text()
    assert "DTSTART;VALUE=DATE:20250303" in ics and "Cycle 2" not in ics


async def test_a_callers_plan_with_an_interruption_and_a_low_weight(client):
    await log_in(client)
    reply = await client.get("/staff/plan", params={
        "indication": "relapsed-refractory", "start": "2025-03-03", "weight_kg": "40", "height_cm": "150",
        "int1_date": "2025-03-20", "int1_days": "3"})
    assert reply.status == 200
    page = await reply.text()
    # Under 45 kg: 5 mcg/m²/day on days 1-7 (capped at 9). Mosteller BSA = sqrt(150 x 40 / 3600)
    # = sqrt(1.6667) = 1.29 m², so 5 x 1.29 = 6.45 -> 6.5 mcg/day (one decimal, half up).
    assert "6.5 mcg/day" in calendar_cell(page, "2025-03-03")
    # Stopped 20-22 Mar (3 days, <= 7): the same cycle continues; those days have no infusion.
    assert "No infusion" in calendar_cell(page, "2025-03-21")
    assert "Cycle 1" in calendar_cell(page, "2025-03-23")


@pytest.mark.parametrize("params,reason", [
    ({"indication": "relapsed-refractory", "start": "2025-02-30"}, "not a real calendar date"),
    ({"indication": "relapsed-refractory", "start": "soon"}, "YYYY-MM-DD"),
    ({"indication": "no-such-type", "start": "2025-03-03"}, "unknown indication"),
    ({"indication": "relapsed-refractory", "start": "2025-03-03", "weight_kg": "heavy"}, "must be a number"),
    ({"indication": "relapsed-refractory", "start": "2025-03-03", "int1_date": "2025-03-05"}, "whole number"),
])
async def test_a_plan_that_cannot_be_made_says_why(client, params, reason):
    await log_in(client)
    reply = await client.get("/staff/plan", params=params)
    assert reply.status == 400
    assert reason in await reply.text()
    assert (await client.get("/staff/plan.ics", params=params)).status == 400


async def test_triage_summaries_newest_first_with_their_urgency(client, config):
    store = TriageStore(config.triage_db)
    store.add(TriageSummary("patient-old", "2025-03-04T08:00:00+00:00", "cycle 1, day 2", ("headache",),
                            "mild", None, None, "routine", "mild headache, no red flag"))
    store.add(TriageSummary("patient-new", "2025-03-04T09:30:00+00:00", "cycle 1, day 3", ("fever", "chills"),
                            "severe", "ibuprofen", "<b>Is this normal?</b>", "today", "fever with chills"))
    await log_in(client)
    page = await (await client.get("/staff/triage")).text()
    assert page.index("patient-new") < page.index("patient-old")
    assert "Call today" in page and "Routine" in page
    # The list names no symptom: what the patient said is on each summary's own (audited) page.
    assert "fever with chills" not in page and "headache" not in page
    newest = re.search(r'href="(/staff/triage/\d+)"', page).group(1)
    summary = await (await client.get(newest)).text()
    assert "fever with chills" in summary and "ibuprofen" in summary
    assert "&lt;b&gt;Is this normal?&lt;/b&gt;" in summary and "<b>Is this normal?" not in summary  # autoescaped


async def test_staff_chat_is_relayed_with_the_staff_audience(client, fake_rasa):
    await log_in(client)
    reply = await client.post("/staff/api/chat", json={"sender": SENDER, "message": "hello"},
                              headers={"X-CSRF-Token": await csrf_token(client, "/staff/chat")})
    assert reply.status == 200
    assert fake_rasa.received[-1]["metadata"] == {"audience": "staff"}


# --- the calendar grid ---------------------------------------------------------------------------


def test_calendar_months_lay_out_only_weeks_with_plan_days():
    plan = {"days": [{"date": d} for d in ("2025-03-30", "2025-03-31", "2025-04-01", "2025-04-02")]}
    months = calendar_months(plan, first_weekday=6)  # Sunday first (US)
    assert [m["title"] for m in months] == ["March 2025", "April 2025"]
    # 30 Mar 2025 is a Sunday: March's one week is Sun 30, Mon 31, then five April days left blank.
    (march_week,) = months[0]["weeks"]
    assert [c.day if c else None for c in march_week] == [date(2025, 3, 30), date(2025, 3, 31)] + [None] * 5
    (april_week,) = months[1]["weeks"]
    assert [c.day.day if c else None for c in april_week] == [None, None, 1, 2, 3, 4, 5]
    assert [c.plan is not None for c in april_week[2:]] == [True, True, False, False, False]


def test_plan_slots_as_rasa_stores_them():
    from assistant.web.plan_form import plan_request_from_slots

    # Rasa keeps numbers in float slots: cycle 2 arrives as 2.0, a weight as 40.0.
    request = plan_request_from_slots({
        "indication": "mrd-positive", "plan_start": "2025-03-03", "plan_cycle": 2.0,
        "weight_kg": 40.0, "height_cm": "150", "interruptions": ["2025-03-10:3", "2025-03-20:2:toxicity"],
    }, "US")
    assert (request.indication, request.start, request.start_cycle) == ("mrd-positive", date(2025, 3, 3), 2)
    assert (request.weight_kg, request.height_cm, request.country) == (40.0, 150.0, "US")
    assert [(i.start, i.days, i.toxicity) for i in request.interruptions] == [
        (date(2025, 3, 10), 3, False), (date(2025, 3, 20), 2, True)]
    assert plan_request_from_slots({"indication": "mrd-positive"}, "US") is None  # no start yet
    assert plan_request_from_slots({}, "US") is None
    with pytest.raises(ValueError, match="whole number"):
        plan_request_from_slots({"indication": "mrd-positive", "plan_start": "2025-03-03", "plan_cycle": 1.5}, "US")


def test_triage_times_are_shown_in_the_clinics_time_zone():
    from assistant.web.pages import clinic_time

    # assistant/clinic.yml: America/Chicago. On 4 Mar 2025 Chicago is on CST (UTC-6), so
    # 09:30 UTC is 03:30 there; on 4 Jul 2025 it is on CDT (UTC-5), so 09:30 UTC is 04:30.
    assert clinic_time("2025-03-04T09:30:00+00:00") == "Tue 4 Mar 2025, 03:30"
    assert clinic_time("2025-07-04T09:30:00") == "Fri 4 Jul 2025, 04:30"  # naive: taken as UTC
    assert clinic_time("not a time") == "not a time"


def test_servers_start_the_web_server_on_loopback(tmp_path, monkeypatch):
    """`blina serve` starts the web server as a third process (Rasa itself is not needed for this)."""
    import requests

    from assistant.serve import Servers
    from assistant.serve import free_port

    monkeypatch.delenv("BLINA_TRIAGE_DB", raising=False)
    servers = Servers(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                      tracker_db=tmp_path / "trackers.db", log_dir=tmp_path / "logs")
    try:
        servers.start_web()
        (web_process,) = servers.processes
        assert requests.get(f"{servers.web_origin}/healthz", timeout=10).text == "ok"
        # The triage database sits beside this instance's tracker store, not in the project's build/.
        assert servers.triage_path == tmp_path / "triage.db"
        reply = requests.post(f"{servers.web_origin}/api/chat", json={"sender": SENDER, "message": "hi"}, timeout=30)
        assert reply.status_code == 502  # no Rasa on rasa_port: a clear error, not a hang
    finally:
        servers.stop()
    assert web_process.poll() is not None  # stopped with the others
