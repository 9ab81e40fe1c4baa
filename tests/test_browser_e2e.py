"""The issue's journeys in Chromium against the real servers (web server, Rasa, action server) on loopback."""
import json
import re
import uuid

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS
from conftest import STAFF_PASSWORD as DEMO_PASSWORD
from conftest import STAFF_USER as DEMO_USER
from knowledge.clinic import clinic_settings
from triage.summaries import TriageStore, TriageSummary

pytestmark = pytest.mark.slow

ANSWER_WAIT_MS = 60_000  # the first answers wait for Rasa and the action server to warm up


@pytest.fixture
def chat(new_page, servers):
    page = new_page()
    page.set_default_timeout(ANSWER_WAIT_MS)
    page.goto(servers.web_origin + "/")
    page.click("#chat-launcher")
    return page


def say(page, text):
    bots = page.locator(".chat-message--bot").count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    expect(page.locator(".chat-message--bot")).not_to_have_count(bots)
    expect(page.locator("#chat-send")).to_be_enabled()
    return page.locator(".chat-message--bot").nth(bots)


def test_a_question_gets_a_cited_answer(chat):
    say(chat, "how much does blincyto cost?")
    citation = chat.locator(".chat-message--bot .chat-citation").last
    expect(citation).to_have_text(re.compile(r"^Source: patient-information-page, "))
    chat.screenshot(path=ARTIFACTS / "e2e-cited-answer.png")


def test_a_quick_reply_answers_the_question(chat):
    say(chat, "what is the dose of blinatumomab?")
    buttons = chat.locator(".chat-buttons button")
    expect(buttons).not_to_have_count(0)
    titles = buttons.all_text_contents()
    mrd = next(title for title in titles if "MRD" in title or "residual" in title.lower())
    chat.screenshot(path=ARTIFACTS / "e2e-quick-replies.png")
    bots = chat.locator(".chat-message--bot").count()
    buttons.filter(has_text=mrd).click()
    expect(chat.locator(".chat-message--bot")).not_to_have_count(bots)
    expect(chat.locator(".chat-message--user").last).to_contain_text(mrd)
    expect(chat.locator(".chat-message--bot .chat-citation").last).to_contain_text("Source: ")


def test_a_red_flag_shows_the_emergency_banner(chat):
    expect(chat.locator("#chat-emergency")).to_be_hidden()
    say(chat, "my husband is on the blincyto drip and just had a fit")
    banner = chat.locator("#chat-emergency")
    expect(banner).to_be_visible()
    emergency = clinic_settings()["emergency_phone"]
    expect(banner.locator("a").first).to_have_attribute("href", "tel:" + re.sub(r"[^0-9+]", "", emergency))
    expect(chat.locator(".chat-message--emergency").first).to_contain_text(emergency)
    chat.screenshot(path=ARTIFACTS / "e2e-emergency.png")


def test_injected_markup_is_shown_never_run(chat):
    hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    say(chat, hostile)
    expect(chat.locator(".chat-message--user").last).to_have_text("You: " + hostile)
    expect(chat.locator("#chat-log img, #chat-log script")).to_have_count(0)
    assert chat.evaluate("() => window.__pwned") is None
    chat.screenshot(path=ARTIFACTS / "e2e-injection.png")


def test_a_reload_keeps_the_conversation(chat):
    say(chat, "hello there")
    before = chat.locator("#chat-log li").all_text_contents()
    chat.reload()
    expect(chat.locator("#chat-panel")).to_be_visible()
    assert chat.locator("#chat-log li").all_text_contents() == before


def test_staff_login_search_and_a_callers_plan(new_page, servers):
    page = new_page(width=375, height=740)
    page.goto(servers.web_origin + "/staff")
    page.fill("#username", DEMO_USER)
    page.fill("#password", "wrong")
    page.click("form.login-form button[type=submit]")
    expect(page.locator("#login-error")).to_be_visible()
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.fill("#q", "bag change")
    page.click(".search-form button")
    expect(page.locator(".hit .hit-source").first).to_contain_text("Source: ")
    page.goto(servers.web_origin + "/staff/plan?indication=relapsed-refractory&start=2025-03-03")
    # By hand from the protocol: new bags on day 1 (Mon 3 Mar 2025) and at the step-up on day 8.
    expect(page.locator(".bag-list")).to_contain_text("Mon 3 Mar 2025: cycle 1, day 1")
    expect(page.locator(".bag-list")).to_contain_text("Mon 10 Mar 2025: cycle 1, day 8")
    page.screenshot(path=ARTIFACTS / "e2e-staff-plan-phone.png", full_page=True)


def test_the_console_lists_what_the_action_server_stores(new_page, servers):
    # The action server and the web server are given the same triage database (Servers.triage_path).
    sender = uuid.uuid4().hex
    TriageStore(servers.triage_path).add(TriageSummary(
        sender, "2030-01-01T09:00:00+00:00", "cycle 1, day 4", ("headache",), "mild", None, None,
        "routine", "written as the triage form writes it"))
    page = new_page()
    page.goto(servers.web_origin + "/staff/triage")
    page.fill("#username", DEMO_USER)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login-form button[type=submit]")
    expect(page.locator(".triage").first).to_contain_text(sender)


def test_delete_my_conversation_clears_the_widget_and_the_tracker_store(chat, servers):
    import sqlite3

    say(chat, "how often is the bag changed?")
    sender = json.loads(chat.evaluate("() => sessionStorage.getItem('blina-chat')"))["sender"]
    asked = say(chat, "delete my conversation")
    expect(asked).to_contain_text("cannot be undone")
    bots = chat.locator(".chat-message--bot").count()
    chat.locator(".chat-buttons button", has_text="Yes, delete it").click()
    expect(chat.locator(".chat-message--bot")).not_to_have_count(bots)
    # Only the confirmation is on screen, and nothing of the conversation is left in the browser's storage.
    expect(chat.locator("#chat-log li")).to_have_count(1)
    expect(chat.locator("#chat-log li")).to_contain_text("deleted")
    stored = json.loads(chat.evaluate("() => sessionStorage.getItem('blina-chat')"))
    assert stored["messages"] == [] and stored["sender"] != sender
    with sqlite3.connect(servers.tracker_db) as db:
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = ?", (sender,)).fetchone() == (0,)
    chat.reload()
    expect(chat.locator("#chat-log li")).to_have_count(0)
