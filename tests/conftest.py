"""Shared fixtures: the built knowledge base, trackers for actions, and real servers on free ports."""
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.serve import free_port

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT.parent / "shared" / "sources"
BIN = Path(sys.executable).parent
# "Today" for the real servers, so that personal-plan answers can be worked out by hand.
E2E_TODAY = dt.date(2026, 12, 10)  # a Thursday


@pytest.fixture(scope="session")
def built_knowledge():
    """build/knowledge.db, build/nlp and build/meaning as `make` leaves them; built here when missing."""
    from assistant.paths import NLP_DIR
    from knowledge.meaning import DEFAULT_DIR as MEANING_DIR
    from knowledge.meaning_export import ONNX_FILE
    from knowledge.store import DEFAULT_DB

    meaning = (MEANING_DIR / "vectors.npz", MEANING_DIR / "tuned" / ONNX_FILE)
    if not (Path(DEFAULT_DB).exists() and NLP_DIR.exists() and all(path.exists() for path in meaning)):
        subprocess.run([str(BIN / "blina"), "build"], cwd=ROOT, check=True)
    return Path(DEFAULT_DB)


@pytest.fixture(scope="session")
def trained_model(built_knowledge):
    from assistant.paths import MODEL

    if not MODEL.exists():
        pytest.fail("models/blina.tar.gz is missing: run `make test`, which trains it first")
    return MODEL


# The console's account in the tests: each test's staff database gets it (make run makes the same one).
STAFF_USER, STAFF_PASSWORD, STAFF_NAME = "frontdesk", "blincyto-desk-demo", "Front desk"


def add_staff_account(staff_db, username=STAFF_USER, password=STAFF_PASSWORD, name=STAFF_NAME):
    from assistant.web.auth import AccountStore

    return AccountStore(staff_db).add(username, name, password, min_length=12)


@pytest.fixture(scope="session")
def servers(trained_model, tmp_path_factory):
    """The real action server and Rasa on free loopback ports, with their own tracker store."""
    from assistant.serve import Servers

    work = tmp_path_factory.mktemp("servers")
    running = Servers(
        rasa_port=free_port(),
        actions_port=free_port(),
        web_port=free_port(),
        tracker_db=work / "trackers.db",
        log_dir=work / "logs",
        # A message's metadata may fix its own "today" and "now" (the front desk's hours), as under `make eval`.
        extra_env={"BLINA_TODAY": E2E_TODAY.isoformat(), "BLINA_TODAY_FROM_METADATA": "1"},
    )
    add_staff_account(running.staff_path)
    with running:
        yield running


# --- the web server's tests: a scripted stand-in for Rasa, and servers run in a background thread ---

FAKE_RASA_TOKEN = "test-token"


class FakeRasa:
    """Rasa's REST webhook and tracker API, scripted by message text, remembering what it was sent.

    The replies hold no clinical facts: they only exercise what the widget must do with a reply.
    """

    token = FAKE_RASA_TOKEN

    def __init__(self):
        self.received = []  # every webhook body, in order
        self.slots = {}  # sender -> slots
        self.down = False

    def reply(self, sender, text):
        from knowledge.clinic import clinic_settings

        lowered = text.lower()
        if lowered.startswith("echo "):
            said = text[5:]
            return [{"recipient_id": sender, "text": f"You wrote: {said}",
                     "buttons": [{"title": said, "payload": "/greet"}]}]
        if "pump problem" in lowered:
            return [{"recipient_id": sender,
                     "text": f"Call the clinic now on {clinic_settings()['front_desk_phone']}.\nSource: test-document, Pump"},
                    {"recipient_id": sender, "custom": {"urgency": "urgent"}}]
        if "red flag" in lowered:
            # Rasa sends text and custom JSON as two messages (rasa.core.channels.channel.send_response).
            return [{"recipient_id": sender,
                     "text": f"Call {clinic_settings()['emergency_phone']} now.\nSource: test-document, Red flags"},
                    {"recipient_id": sender, "custom": {"urgency": "emergency"}}]
        if "long answer" in lowered:
            # Rasa's REST channel splits a text at blank lines: one long answer, many messages.
            return [{"recipient_id": sender, "text": f"Part {n} of a long answer. " * 6} for n in range(1, 9)]
        if "which type" in lowered:
            return [{"recipient_id": sender, "text": "That depends on the type of ALL. Which type do you have?",
                     "buttons": [{"title": "Type A", "payload": '/inform_indication{"indication":"type-a"}'},
                                 {"title": "Type B", "payload": '/inform_indication{"indication":"type-b"}'}]}]
        if lowered.startswith("/inform_indication"):
            return [{"recipient_id": sender, "text": "Here is the answer for the type you chose.\n\n"
                     "A second paragraph.\nSource: test-document, Chosen type"}]
        if lowered.startswith("plan "):
            # "plan <indication> <YYYY-MM-DD> [interruption...]" fills the lead's plan slots.
            _, indication, start, *interruptions = text.split()
            self.slots[sender] = {"indication": indication, "plan_start": start, "plan_cycle": 1,
                                  "weight_kg": None, "height_cm": None, "interruptions": interruptions,
                                  "plan_confirmed": True}
            return [{"recipient_id": sender, "text": "Your plan is ready."}]
        return [{"recipient_id": sender,
                 "text": f"An answer to: {text}\nSource: test-document, Test section"}]

    def app(self):
        from aiohttp import web

        async def webhook(request):
            if self.down:
                return web.Response(status=500, text="internal error")
            body = await request.json()
            self.received.append(body)
            return web.json_response(self.reply(body["sender"], body["message"]))

        async def tracker(request):
            if request.query.get("token") != FAKE_RASA_TOKEN:
                return web.json_response({"message": "not authorised"}, status=401)
            sender = request.match_info["sender"]
            return web.json_response({"sender_id": sender, "slots": self.slots.get(sender, {})})

        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", webhook)
        app.router.add_get("/conversations/{sender}/tracker", tracker)
        return app


class ThreadedServers:
    """aiohttp applications served on free loopback ports by an event loop in a background thread."""

    def __init__(self):
        import asyncio
        import threading

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runners = []

    def serve(self, app, port: int = 0) -> str:
        import asyncio

        from aiohttp import web

        async def start():
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            chosen = port or free_port()
            await web.TCPSite(runner, "127.0.0.1", chosen).start()
            self.runners.append(runner)
            return f"http://127.0.0.1:{chosen}"

        return asyncio.run_coroutine_threadsafe(start(), self.loop).result(timeout=30)

    def close(self):
        import asyncio

        async def stop():
            for runner in reversed(self.runners):
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture
def fake_rasa():
    return FakeRasa()


@pytest.fixture(scope="session")
def knowledge_db(tmp_path_factory):
    """build/knowledge.db as `make` leaves it, else one built for this run (the web needs no NLP build)."""
    from knowledge.store import default_db_path

    if default_db_path().exists():
        return default_db_path()
    from knowledge.build import build_database

    return build_database(tmp_path_factory.mktemp("knowledge") / "knowledge.db")


@pytest.fixture(scope="session")
def web_stack(knowledge_db, tmp_path_factory):
    """The real web server (in a thread) in front of a FakeRasa: for the widget's browser tests."""
    from assistant.web import WebConfig, make_app

    rasa = FakeRasa()
    threads = ThreadedServers()
    rasa_url = threads.serve(rasa.app())
    work = tmp_path_factory.mktemp("web")
    config = WebConfig(rasa_url=rasa_url, api_token=FAKE_RASA_TOKEN, triage_db=work / "triage.db",
                       staff_db=work / "staff.db", knowledge_db=knowledge_db)
    add_staff_account(config.staff_db)
    web_url = threads.serve(make_app(config))
    yield {"url": web_url, "rasa": rasa, "config": config}
    threads.close()


CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; `make test` installs it when missing
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
ARTIFACTS = ROOT / "test-artifacts"  # screenshots of each page (git-ignored)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, once per test module.

    Not once per session: sync Playwright keeps an event loop running in the main thread while it
    is open, and pytest-asyncio's tests in later modules could not start theirs.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser):
    """new_page(width=1280, height=800) -> a page in a fresh context (own cookies and sessionStorage)."""
    contexts = []

    def open_page(width=1280, height=800):
        context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def socketio_rasa(servers):
    """The socket.io channel's own Rasa beside `servers` (same action server and stores), as `blina serve`
    runs it; its allowed origins are the web server's and `page_origin`'s, a loopback page for widgets."""
    import dataclasses
    from types import SimpleNamespace

    from assistant.rasa_files import loopback_origins

    page_origin = f"http://127.0.0.1:{free_port()}"
    running = dataclasses.replace(servers, socketio_port=free_port(),
                                  socketio_origins=loopback_origins(servers.web_origin) + [page_origin],
                                  processes=[], by_name={}, started_once=set())
    running.start_socketio()
    try:
        yield SimpleNamespace(url=running.socketio_url, page_origin=page_origin, servers=running)
    finally:
        running.stop()
