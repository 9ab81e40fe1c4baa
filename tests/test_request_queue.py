"""assistant/web/requests.py in-process: the Requests page needs a login, escapes what patients typed,
refuses a bad change with its reason, audits who looked and who changed what, and links the triage
summary attached to a request."""
import pytest

from assistant.web.audit import AuditLog
from frontdesk.request_store import RequestStore
from test_web import client, config, csrf_token, log_in, rasa_server  # noqa: F401  (the web server's fixtures)
from triage.summaries import TriageStore, TriageSummary


@pytest.fixture
def sent(config):
    store = RequestStore(config.triage_db)
    store.update_draft("chat-1", kind="telemedicine", name="<b>Jane</b>", phone="+13125550142",
                       phone_said="312-555-0142", best_time="Monday 14 December, morning", reason="my bloods")
    return store.submit("chat-1")


async def test_the_page_needs_a_login(client, sent):
    page = await client.get("/staff/requests", allow_redirects=False)
    assert page.status == 303 and page.headers["Location"].startswith("/staff/login")
    change = await client.post(f"/staff/requests/{sent.reference}", data={"status": "called"})
    assert change.status == 401


async def test_the_queue_shows_the_request_escaped_with_a_tel_link(client, sent):
    await log_in(client)
    page = await (await client.get("/staff/requests")).text()
    assert sent.reference in page and 'href="tel:+13125550142"' in page and "Telemedicine visit" in page
    assert "&lt;b&gt;Jane&lt;/b&gt;" in page and "<b>Jane</b>" not in page
    assert '<a href="/staff/requests"' in (await (await client.get("/staff")).text())  # linked from home


async def test_a_bad_status_is_refused_with_the_reason_and_changes_nothing(client, sent, config):
    await log_in(client)
    refused = await client.post(f"/staff/requests/{sent.reference}",
                                data={"status": "lost", "note": "x", "csrf_token": await csrf_token(client)})
    assert refused.status == 400 and "status must be one of" in await refused.text()
    assert RequestStore(config.triage_db).get(sent.reference).status == "new"


async def test_a_change_records_the_logged_in_staff_member(client, sent, config):
    await log_in(client)
    done = await client.post(f"/staff/requests/{sent.reference}", allow_redirects=False,
                             data={"status": "booked", "note": "Tue 10:00", "csrf_token": await csrf_token(client)})
    assert done.status == 303
    last = RequestStore(config.triage_db).get(sent.reference).changes[-1]
    assert (last.status, last.note, last.who) == ("booked", "Tue 10:00", "Front desk")
    [entry] = [e for e in AuditLog(config.staff_db).entries() if e.action == "change-request"]
    assert (entry.target, entry.detail) == (sent.reference, "booked")  # the note is not copied to the audit log


async def test_a_change_without_the_csrf_token_is_refused(client, sent, config):
    await log_in(client)
    refused = await client.post(f"/staff/requests/{sent.reference}", data={"status": "called"})
    assert refused.status == 403
    assert RequestStore(config.triage_db).get(sent.reference).status == "new"


async def test_viewing_the_queue_is_audited(client, sent, config):
    await log_in(client)
    await client.get("/staff/requests")
    assert [e.action for e in AuditLog(config.staff_db).entries()].count("view-requests") == 1


async def test_the_attached_triage_summary_is_linked_and_shown(client, sent, config):
    await log_in(client)
    assert "/staff/triage/" not in await (await client.get("/staff/requests")).text()
    row = TriageStore(config.triage_db).add(TriageSummary("chat-1", "2026-12-10T16:00:00+00:00", "cycle 1, day 5",
                                                          ("headache",), "mild", None, None, "routine", "mild only"))
    RequestStore(config.triage_db).attach_triage(sent.reference, row)
    assert f'href="/staff/triage/{row}"' in await (await client.get("/staff/requests")).text()
    page = await (await client.get(f"/staff/triage/{row}")).text()
    assert "cycle 1, day 5" in page and "mild only" in page
