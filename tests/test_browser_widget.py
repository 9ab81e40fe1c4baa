"""The widget and the staff console in Chromium, against the real web server and a scripted FakeRasa.

These pin down what the browser must do with any reply (citations, quick replies, the emergency
banner, text never run as markup, reload, keyboard, phone width, the .ics link, the console).
tests/test_browser_e2e.py does the same journeys against the real Rasa and action server.
"""
import json
import re

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS
from conftest import STAFF_PASSWORD as DEMO_PASSWORD
from conftest import STAFF_USER as DEMO_USER
from knowledge.clinic import clinic_settings
from triage.summaries import TriageStore, TriageSummary

pytestmark = pytest.mark.slow  # a real browser and a real web server



def open_chat(page, web_stack):
    page.goto(web_stack["url"] + "/")
    page.click("#chat-launcher")
    expect(page.locator("#chat-input")).to_be_focused()
    return page


def say(page, text):
    """Types a message, sends it with Enter, and waits until the answer has arrived."""
    bots = page.locator(".chat-message--bot").count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    expect(page.locator(".chat-message--bot")).not_to_have_count(bots)
    expect(page.locator("#chat-send")).to_be_enabled()  # the whole reply is in
    return page.locator(".chat-message--bot").last


def sent_by(web_stack, sender):
    return [body for body in web_stack["rasa"].received if body["sender"] == sender]


def sender_of(page):
    return json.loads(page.evaluate("() => sessionStorage.getItem('blina-chat')"))["sender"]


def test_an_answer_shows_its_source_as_a_citation(new_page, web_stack):
    page = open_chat(new_page(), web_stack)
    answer = say(page, "what does it cost")
    expect(answer.locator(".chat-text")).to_have_text("An answer to: what does it cost")
    expect(answer.locator(".chat-citation")).to_have_text("Source: test-document, Test section")
    assert answer.locator(".chat-citation").evaluate("e => getComputedStyle(e).fontSize") < \
        answer.locator(".chat-text").evaluate("e => getComputedStyle(e).fontSize")  # small print
    page.screenshot(path=ARTIFACTS / "widget-answer.png")


def test_a_long_answer_is_read_from_its_start(new_page, web_stack):
    page = open_chat(new_page(), web_stack)
    say(page, "give me a long answer")
    answer = page.locator(".chat-message--bot", has_text="Part 1 of a long answer")
    expect(answer).to_be_in_viewport()  # not scrolled past to the last part
    expect(page.locator(".chat-message--bot").last).not_to_be_in_viewport()


def test_a_quick_reply_sends_its_payload_and_goes_away(new_page, web_stack):
    page = open_chat(new_page(), web_stack)
    say(page, "which type do I need")
    buttons = page.locator(".chat-buttons button")
    expect(buttons).to_have_text(["Type A", "Type B"])
    page.screenshot(path=ARTIFACTS / "widget-quick-replies.png")
    bots = page.locator(".chat-message--bot").count()
    buttons.first.click()
    expect(page.locator(".chat-message--bot")).to_have_count(bots + 1)
    expect(page.locator(".chat-message--user").last).to_contain_text("Type A")
    assert sent_by(web_stack, sender_of(page))[-1]["message"] == '/inform_indication{"indication":"type-a"}'
    expect(page.locator(".chat-buttons")).to_have_count(0)
    expect(page.locator("#chat-input")).to_be_focused()
    expect(page.locator(".chat-message--bot").last.locator(".chat-citation")).to_have_text(
        "Source: test-document, Chosen type")


def test_a_red_flag_reply_raises_the_emergency_banner(new_page, web_stack):
    page = open_chat(new_page(), web_stack)
    banner = page.locator("#chat-emergency")
    expect(banner).to_be_hidden()
    answer = say(page, "this is a red flag")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    # assistant/clinic.yml: emergency 911, front desk 469-391-0070; tel: links keep the digits.
    expect(banner.locator("a").first).to_have_attribute("href", "tel:911")
    expect(banner.locator("a").nth(1)).to_have_attribute("href", "tel:4693910070")
    expect(answer).to_have_class(re.compile(r"chat-message--emergency"))
    background = banner.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(176, 0, 32)"  # the danger red of site.css, not the page's white
    page.screenshot(path=ARTIFACTS / "widget-emergency.png")
    page.reload()
    expect(page.locator("#chat-emergency")).to_be_visible()  # it stays until the conversation restarts


def test_an_urgent_reply_raises_the_call_the_clinic_banner_not_the_emergency_one(new_page, web_stack):
    page = open_chat(new_page(), web_stack)
    answer = say(page, "a pump problem")
    urgent = page.locator("#chat-urgent")
    expect(urgent).to_be_visible()
    expect(page.locator("#chat-emergency")).to_be_hidden()
    expect(urgent.locator("a").first).to_have_attribute("href", "tel:4693910070")  # the front desk
    expect(answer).to_have_class(re.compile(r"chat-message--urgent"))
    background = urgent.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(138, 75, 0)"  # site.css's warning amber, not the emergency red
    page.screenshot(path=ARTIFACTS / "widget-urgent.png")


@pytest.mark.parametrize("hostile", [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    '<a href="javascript:window.__pwned=3">click</a><b>bold</b>',
])
def test_markup_in_messages_is_shown_as_text_never_run(new_page, web_stack, hostile):
    page = open_chat(new_page(), web_stack)
    answer = say(page, "echo " + hostile)
    expect(page.locator(".chat-message--user").last).to_have_text("You: echo " + hostile)
    expect(answer.locator(".chat-text")).to_have_text("You wrote: " + hostile)
    expect(answer.locator(".chat-buttons button")).to_have_text(hostile)  # a button title too
    for tag in ("img", "script", "a", "b"):
        expect(page.locator(f"#chat-log {tag}")).to_have_count(0)
    page.reload()  # and again when the conversation is restored from sessionStorage
    expect(page.locator(".chat-message--user").last).to_have_text("You: echo " + hostile)
    expect(page.locator("#chat-log img, #chat-log script")).to_have_count(0)
    assert page.evaluate("() => window.__pwned") is None
    page.screenshot(path=ARTIFACTS / "widget-injection.png")


def test_a_reload_keeps_the_conversation(new_page, web_stack):
    page = open_chat(new_page(), web_stack)
    say(page, "first question")
    say(page, "which type")
    sender = sender_of(page)
    page.reload()
    expect(page.locator("#chat-panel")).to_be_visible()
    expect(page.locator(".chat-message--user")).to_have_text(["You: first question", "You: which type"])
    expect(page.locator(".chat-buttons button")).to_have_text(["Type A", "Type B"])
    say(page, "after the reload")
    assert [b["message"] for b in sent_by(web_stack, sender)] == ["first question", "which type", "after the reload"]
    page.click("#chat-restart")  # "Start over" is a new conversation
    expect(page.locator("#chat-log li")).to_have_count(0)
    assert sender_of(page) != sender


def test_the_widget_works_by_keyboard_with_labels_and_a_live_log(new_page, web_stack):
    page = new_page()
    page.goto(web_stack["url"] + "/")
    launcher = page.locator("#chat-launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Type your question")).to_be_focused()
    log = page.locator("#chat-log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "polite")
    page.keyboard.type("typed by keyboard")
    page.keyboard.press("Enter")
    expect(page.locator(".chat-message--bot").last).to_contain_text("An answer to: typed by keyboard")
    expect(page.get_by_label("Type your question")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#chat-panel")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_the_widget_fits_a_phone(new_page, web_stack):
    page = new_page(width=375, height=740)
    page.goto(web_stack["url"] + "/")
    page.screenshot(path=ARTIFACTS / "patient-page-phone.png")
    page.click("#chat-launcher")
    say(page, "a question asked on a phone with quite a long text that has to wrap inside the bubble")
    box = page.locator("#chat-panel").bounding_box()
    assert (box["x"], box["width"]) == (0, 375)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    send = page.locator("#chat-send").bounding_box()
    assert send["x"] + send["width"] <= 375 and send["height"] >= 44  # reachable, finger-sized
    page.screenshot(path=ARTIFACTS / "widget-phone.png")


def test_the_plan_link_downloads_the_conversations_ics(new_page, web_stack):
    page = open_chat(new_page(), web_stack)
    expect(page.locator("#chat-plan")).to_be_hidden()
    say(page, "plan relapsed-refractory 2025-03-03")
    link = page.locator("#chat-plan-link")
    expect(link).to_be_visible()
    page.screenshot(path=ARTIFACTS / "widget-plan.png")
    with page.expect_download() as download:
        link.click()
    ics = open(download.value.path(), encoding="utf-8").read()
    # Cycle 1 day 1 is the given start, Mon 3 Mar 2025 (the protocol's cycles are 6 weeks,
    # so cycle 2 day 1 = 3 Mar + 42 days = 14 Apr 2025).
    assert ics.startswith("BEGIN:VCALENDAR")
    assert "DTSTART;VALUE=DATE:20250303" in ics and "DTSTART;VALUE=DATE:20250414" in ics


def test_the_patient_page_reads_like_the_clinics_page(new_page, web_stack):
    page = new_page()
    page.goto(web_stack["url"] + "/")
    expect(page.locator("h1")).to_contain_text("Blinatumomab")
    phone = clinic_settings()["front_desk_phone"]
    expect(page.locator(".topbar")).to_contain_text(f"Front Desk: {phone}")
    expect(page.locator(".info-section .citation").first).to_contain_text("Source: ")
    page.screenshot(path=ARTIFACTS / "patient-page.png")


# --- the staff console --------------------------------------------------------------------------


def log_in(page, web_stack, password=DEMO_PASSWORD, path="/staff"):
    page.goto(web_stack["url"] + path)
    page.fill("#username", DEMO_USER)
    page.fill("#password", password)
    page.click("form.login-form button[type=submit]")


def test_staff_login_refuses_a_wrong_password(new_page, web_stack):
    page = new_page()
    log_in(page, web_stack, password="not the password")
    expect(page.locator("#login-error")).to_contain_text("do not match")
    expect(page.locator(".staff-nav")).to_have_count(0)
    page.screenshot(path=ARTIFACTS / "staff-login-refused.png")


def test_staff_search_shows_sources_and_audiences(new_page, web_stack):
    page = new_page()
    log_in(page, web_stack)
    expect(page.locator(".staff-who")).to_have_text("Front desk")
    page.fill("#q", "bag change")
    page.click(".search-form button")
    hits = page.locator(".hit")
    expect(hits.first).to_be_visible()
    for index in range(hits.count()):
        expect(hits.nth(index).locator(".hit-source")).to_contain_text(re.compile(r"^Source: \S+, .+"))
        expect(hits.nth(index).locator(".badge").first).to_have_text(
            re.compile(r"^(For patients|Staff only|Patients and staff)$"))
    page.screenshot(path=ARTIFACTS / "staff-search.png")
    page.click("text=Log out")
    expect(page).to_have_url(re.compile(r"/staff/login$"))
    page.goto(web_stack["url"] + "/staff")
    expect(page).to_have_url(re.compile(r"/staff/login\?next="))


def test_a_callers_plan_reads_on_a_phone_and_prints(new_page, web_stack):
    page = new_page(width=375, height=740)
    log_in(page, web_stack, path="/staff/plan")
    page.select_option("#indication", "relapsed-refractory")
    page.fill("#start", "2025-03-03")
    page.click(".plan-form > button[type=submit]")
    # By hand from the protocol: a new bag at the start (Mon 3 Mar 2025) and at the step-up to
    # 28 micrograms/day on day 8 (Mon 10 Mar); cycle 2 starts 3 Mar + 42 days = Mon 14 Apr.
    bag_list = page.locator(".bag-list")
    expect(bag_list).to_contain_text("Mon 3 Mar 2025: cycle 1, day 1")
    expect(bag_list).to_contain_text("Mon 10 Mar 2025: cycle 1, day 8")
    expect(bag_list).to_contain_text("Mon 14 Apr 2025: cycle 2, day 1")
    step_up = page.locator('td[data-date="2025-03-10"]')
    expect(step_up).to_contain_text("Bag change")
    expect(step_up).to_contain_text("Mon 10 Mar 2025")  # the phone layout names each day in full
    assert step_up.bounding_box()["width"] > 300  # one day per line, not a squeezed grid
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    page.screenshot(path=ARTIFACTS / "staff-plan-phone.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.locator(".plan-form")).to_be_hidden()
    expect(page.locator(".staff-header")).to_be_hidden()
    expect(page.locator("table.month").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "staff-plan-print.png", full_page=True)
    with page.expect_download() as download:
        page.emulate_media(media="screen")
        page.click("#plan-ics")
    assert "DTSTART;VALUE=DATE:20250310" in open(download.value.path(), encoding="utf-8").read()


def test_triage_summaries_are_listed_newest_first(new_page, web_stack):
    store = TriageStore(web_stack["config"].triage_db)
    store.add(TriageSummary("browser-older", "2025-03-04T08:00:00+00:00", "cycle 1, day 9", ("nausea",),
                            "mild", None, "When is my next bag change?", "routine", "mild nausea"))
    store.add(TriageSummary("browser-newer", "2025-03-05T08:00:00+00:00", "cycle 1, day 10",
                            ("fever", "confusion"), "severe", None, None, "emergency", "confusion reported"))
    page = new_page()
    log_in(page, web_stack, path="/staff/triage")
    items = page.locator(".triage")
    expect(items.first).to_contain_text("browser-newer")
    expect(items.first.locator(".badge")).to_have_text("Emergency")
    expect(page.locator(".triage", has_text="browser-older").locator(".badge")).to_have_text("Routine")
    page.screenshot(path=ARTIFACTS / "staff-triage.png", full_page=True)


def test_the_staff_chat_asks_as_staff(new_page, web_stack):
    page = new_page()
    log_in(page, web_stack, path="/staff/chat")
    expect(page.locator("#chat-panel")).to_be_visible()
    answer = say(page, "staff question")
    expect(answer.locator(".chat-citation")).to_have_text("Source: test-document, Test section")
    sender = json.loads(page.evaluate("() => sessionStorage.getItem('blina-staff-chat')"))["sender"]
    assert sent_by(web_stack, sender)[-1]["metadata"] == {"audience": "staff"}
    page.screenshot(path=ARTIFACTS / "staff-chat.png")
