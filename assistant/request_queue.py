"""The staff console's "Requests" page: the front desk's queue of call-back and telemedicine requests,
urgent first and then the oldest, where staff change a request's status and add a short note (who and
when are recorded by the request store). Registered on the web application by assistant/web.py."""
import logging
import re
from pathlib import Path
from typing import Callable, Optional

from aiohttp import web

from frontdesk.request_store import NOTE_MOST_CHARS, STATUSES, RequestError, RequestStore
from triage.summaries import TriageStore

logger = logging.getLogger(__name__)

STORE_PATH = web.AppKey("request_store_path", object)
RENDER = web.AppKey("request_queue_render", object)
STATUS_LABELS = {"new": "New", "called": "Called", "booked": "Booked", "closed": "Closed",
                 "unreachable": "Unreachable"}
REFERENCE = re.compile(r"R-\d{4,8}")
KIND_LABELS = {"call back": "Call back", "telemedicine": "Telemedicine visit"}


def _store(request: web.Request) -> RequestStore:
    return RequestStore(request.app[STORE_PATH])


def _queue(request: web.Request, status: int = 200, error: Optional[str] = None,
           changed: Optional[str] = None) -> web.Response:
    return request.app[RENDER](request, "staff/requests.html", status=status, requests=_store(request).queue(),
                               statuses=STATUSES, status_labels=STATUS_LABELS, kind_labels=KIND_LABELS,
                               note_most=NOTE_MOST_CHARS, error=error, changed=changed)


async def queue_page(request: web.Request) -> web.Response:
    changed = request.query.get("changed", "")
    return _queue(request, changed=changed if REFERENCE.fullmatch(changed) else None)


async def change_request(request: web.Request) -> web.Response:
    reference = request.match_info["reference"]
    form = await request.post()
    staff = request["staff"]
    try:
        _store(request).change(reference, str(form.get("status", "")), str(form.get("note", "")), staff.name)
    except RequestError as refused:
        return _queue(request, status=400, error=str(refused))
    logger.info("request %s changed by staff", reference)  # the reference only: no personal data in logs
    raise web.HTTPSeeOther(f"/staff/requests?changed={reference}#{reference}")


async def attached_triage(request: web.Request) -> web.Response:
    try:
        found = _store(request).get(request.match_info["reference"])
    except RequestError:
        raise web.HTTPNotFound(text="no such request")
    summary = TriageStore(request.app[STORE_PATH]).get(found.triage_id) if found.triage_id else None
    if summary is None:
        raise web.HTTPNotFound(text="this request has no pre-visit triage summary")
    return request.app[RENDER](request, "staff/triage.html", summaries=[summary])


def setup(app: web.Application, db_path: Optional[Path], render: Callable) -> None:
    """Adds the Requests pages; db_path None: the triage database's default (triage.summaries)."""
    app[STORE_PATH] = db_path
    app[RENDER] = render
    app.router.add_get("/staff/requests", queue_page)
    app.router.add_post(f"/staff/requests/{{reference:{REFERENCE.pattern}}}", change_request)
    app.router.add_get(f"/staff/requests/{{reference:{REFERENCE.pattern}}}/triage", attached_triage)
