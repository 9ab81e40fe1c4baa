"""The front desk's queue in Chromium against the real servers: a request made in the chat appears on the
console's Requests page, staff mark it called with a note, and both persist with who made the change."""
import re
import uuid

import pytest
import requests
from playwright.sync_api import expect

from conftest import ARTIFACTS
from frontdesk.request_store import RequestStore

pytestmark = pytest.mark.slow

DEMO_USER, DEMO_PASSWORD = "frontdesk", "blincyto-desk-demo"  # assistant/staff_accounts.yml


def make_request(servers, message):
    body = {"sender": uuid.uuid4().hex, "message": message, "metadata": {"now": "2026-12-10T10:00"}}
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    reply.raise_for_status()
    return re.search(r"\bR-\d{4,}\b", " ".join(m.get("text", "") for m in reply.json())).group(0)


def log_in(page, servers, path):
    page.goto(servers.web_origin + path)
    page.fill("#username", DEMO_USER)
    page.fill("#password", DEMO_PASSWORD)
    page.click("form.login-form button[type=submit]")


def test_a_new_request_is_marked_called_and_the_change_persists(new_page, servers):
    reference = make_request(servers, "Can someone call me back? My name is Sam Reyes, my number is 312-555-0177, "
                                      "Monday morning, about my next bag change")
    page = new_page()
    log_in(page, servers, "/staff")
    page.click("nav.staff-nav >> text=Requests")  # linked from the console's home
    item = page.locator(f"li.request[data-reference='{reference}']")
    expect(item).to_contain_text("Sam Reyes")
    expect(item.locator("a.request-phone")).to_have_attribute("href", "tel:+13125550177")
    expect(item.locator(".request-status")).to_have_text("New")
    item.locator("select[name=status]").select_option("called")
    item.locator("input[name=note]").fill("left a voicemail, will try again at 2pm")
    with page.expect_navigation():  # the form posts and redirects: a reload during that navigation is refused
        item.locator("button[type=submit]").click()
    page.reload()
    item = page.locator(f"li.request[data-reference='{reference}']")
    expect(item.locator(".request-status")).to_have_text("Called")
    expect(item.locator(".request-changes")).to_contain_text("left a voicemail, will try again at 2pm")
    page.screenshot(path=ARTIFACTS / "requests-queue.png", full_page=True)
    stored = RequestStore(servers.triage_path).get(reference)
    assert stored.status == "called"
    assert [(c.status, c.note) for c in stored.changes][-1] == ("called", "left a voicemail, will try again at 2pm")
    assert stored.changes[-1].who and stored.changes[-1].who != stored.changes[0].who  # the staff member, then the patient


def test_a_status_change_from_another_site_is_refused(servers):
    reference = make_request(servers, "please call me back, my name is Sam Reyes, 312-555-0177, Monday morning, "
                                      "about my pump")
    refused = requests.post(f"{servers.web_origin}/staff/requests/{reference}", data={"status": "closed"},
                            headers={"Origin": "https://elsewhere.example"}, timeout=10, allow_redirects=False)
    assert refused.status_code == 403
    assert RequestStore(servers.triage_path).get(reference).status == "new"
