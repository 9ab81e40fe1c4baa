"""The staff console's "Requests" page: the front desk's queue of call-back and telemedicine requests,
urgent first and then the oldest, where staff change a request's status and add a short note (who and
when are recorded by the request store, and the audit log says who looked and who changed what)."""
import logging
import re

from aiohttp import web

from assistant.web.config import CONFIG
from assistant.web.context import audit
from assistant.web.pages import render
from frontdesk.request_store import NOTE_MOST_CHARS, STATUSES, RequestError, RequestStore

logger = logging.getLogger(__name__)

STATUS_LABELS = {"new": "New", "called": "Called", "booked": "Booked", "closed": "Closed",
                 "unreachable": "Unreachable"}
REFERENCE = re.compile(r"R-\d{4,8}")
KIND_LABELS = {"call back": "Call back", "telemedicine": "Telemedicine visit"}
PATH = f"/staff/requests/{{reference:{REFERENCE.pattern}}}"


def _store(request: web.Request) -> RequestStore:
    return RequestStore(request.app[CONFIG].triage_db)


def _queue(request: web.Request, status: int = 200, error=None, changed=None) -> web.Response:
    requests = _store(request).queue()
    audit(request, "view-requests", detail=f"{len(requests)} requests")  # names and phone numbers were shown
    return render(request, "staff/requests.html", status=status, requests=requests, statuses=STATUSES,
                  status_labels=STATUS_LABELS, kind_labels=KIND_LABELS, note_most=NOTE_MOST_CHARS,
                  error=error, changed=changed)


async def queue_page(request: web.Request) -> web.Response:
    changed = request.query.get("changed", "")
    return _queue(request, changed=changed if REFERENCE.fullmatch(changed) else None)


async def change_request(request: web.Request) -> web.Response:
    reference = request.match_info["reference"]
    form = await request.post()
    status = str(form.get("status", ""))
    try:
        _store(request).change(reference, status, str(form.get("note", "")), request["staff"].name)
    except RequestError as refused:
        return _queue(request, status=400, error=str(refused))
    audit(request, "change-request", target=reference, detail=status)  # never the note: it may hold health data
    logger.info("request %s changed by staff", reference)  # the reference only: no personal data in logs
    raise web.HTTPSeeOther(f"/staff/requests?changed={reference}#{reference}")
