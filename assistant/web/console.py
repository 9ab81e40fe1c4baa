"""The staff console's pages: log in and out, search, a caller's plan, triage summaries, the audit log
and the staff chat. Each view of patients' data, search and plan goes in the audit log."""
import asyncio
import re
import secrets
from datetime import datetime, timezone

from aiohttp import web

from assistant.web.calendar import bag_change_dates, calendar_months, first_weekday, weekday_names
from assistant.web.config import ACCOUNTS, AUDIT, CONFIG, LOGIN_TURN, SESSIONS, THROTTLE
from assistant.web.context import audit, client_address, set_cookie
from assistant.web.pages import clinic_time, knowledge_base, render, triage_store
from assistant.web.patient import ics_response, relay_chat
from assistant.web.plan_form import INTERRUPTION_ROWS, build_plan, plan_as_dict, plan_request_from_form
from assistant.web.sessions import SESSION_COOKIE
from knowledge.clinic import clinic_settings

LOGIN_PATH = "/staff/login"
LOGIN_CSRF_COOKIE = "blina_login_csrf"  # the login form's CSRF token, before there is a session
AUDIT_PAGE_ENTRIES = 200


def next_path(data) -> str:
    """Where to go after logging in: a staff page of this site only."""
    target = str(data.get("next") or "/staff")
    return target if re.fullmatch(r"/staff(?:[/?][^\s\\]*)?", target) and "//" not in target else "/staff"


def _login_form(request: web.Request, status: int, username: str, error, next_to: str) -> web.Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "staff/login.html", status=status, error=error, username=username,
                      next=next_to, csrf_token=token)
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600, path=LOGIN_PATH)
    return response


async def login_page(request: web.Request) -> web.Response:
    if request.get("staff"):
        raise web.HTTPSeeOther("/staff")
    return _login_form(request, 200, "", None, next_path(request.query))


async def login(request: web.Request) -> web.Response:
    app = request.app
    form = await request.post()
    username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
    address = client_address(request)
    accounts, throttle = app[ACCOUNTS], app[THROTTLE]
    # The audit log names a user only when the account exists: a password typed as the name stays out.
    who = username if username and accounts.exists(username) else "(unknown user name)"
    async with app[LOGIN_TURN]:
        until = throttle.blocked(username, address, who)
        if until is None:
            # scrypt is deliberately slow: keep it off the event loop.
            account = await asyncio.get_running_loop().run_in_executor(None, accounts.check, username, password)
            if account is not None:
                throttle.succeeded(username)
                return _start_session(request, account, next_path(form))
            app[AUDIT].record("login-failure", user=who, address=address)
            until = throttle.failed(username, address, who)
    if until is not None:
        # Even the right password is refused until then: a guess gets no signal either way.
        retry = datetime.fromtimestamp(until, timezone.utc)
        response = _login_form(request, 429, username, next_to=next_path(form), error=(
            f"Too many failed logins. Try again after {clinic_time(retry.isoformat())} (clinic time)."))
        response.headers["Retry-After"] = str(max(1, int(until - app[CONFIG].clock()) + 1))
        return response
    return _login_form(request, 401, username, "That user name and password do not match. Please try again.",
                       next_path(form))


def _start_session(request: web.Request, account, next_to: str):
    sessions = request.app[SESSIONS]
    sessions.end(request.cookies.get(SESSION_COOKIE))  # a session id the browser brought is never kept
    session = sessions.start(account.username, account.name)
    request.app[AUDIT].record("login", user=account.username, address=client_address(request))
    response = web.HTTPSeeOther(next_to)
    set_cookie(request, response, SESSION_COOKIE, session.token, max_age=int(sessions.absolute_s))
    response.del_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)
    raise response


async def logout(request: web.Request) -> web.Response:
    request.app[SESSIONS].end(request.cookies.get(SESSION_COOKIE))
    audit(request, "logout")
    response = web.HTTPSeeOther(LOGIN_PATH)
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def staff_search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    hits = knowledge_base(request.app).search(query, audience=None, limit=20) if query else []
    if query:
        audit(request, "search", detail=query)
    return render(request, "staff/search.html", query=query, hits=hits)


async def staff_plan(request: web.Request) -> web.Response:
    kb = knowledge_base(request.app)
    country = clinic_settings()["country"]
    form = {key: request.query.get(key, "") for key in request.query}
    plan, error = None, None
    if form.get("start") or form.get("indication"):
        try:
            plan = plan_as_dict(build_plan(plan_request_from_form(form, country)))
        except ValueError as problem:  # PlanError and PlanInputError carry a one-line reason
            error = str(problem)
        audit(request, "build-plan", detail=request.query_string)
    weekday = first_weekday(country)
    return render(
        request, "staff/plan.html", status=400 if error else 200,
        form=form, indications=kb.indications(), rows=range(1, INTERRUPTION_ROWS + 1),
        plan=plan, error=error, ics_query=request.query_string,
        months=calendar_months(plan, weekday) if plan else [], weekdays=weekday_names(weekday),
        bag_changes=bag_change_dates(plan) if plan else [],
    )


async def staff_plan_ics(request: web.Request) -> web.Response:
    try:
        plan = build_plan(plan_request_from_form(request.query, clinic_settings()["country"]))
    except ValueError as problem:
        raise web.HTTPBadRequest(text=str(problem))
    audit(request, "download-ics", detail=request.query_string)
    return ics_response(plan)


async def staff_triage(request: web.Request) -> web.Response:
    """The list: when, how urgent and which conversation; a summary's content is on its own page."""
    return render(request, "staff/triage.html", summaries=triage_store(request.app).listing())


async def staff_triage_summary(request: web.Request) -> web.Response:
    row_id = request.match_info["summary_id"]
    summary = triage_store(request.app).get(int(row_id))
    if summary is None:
        raise web.HTTPNotFound(text="there is no such triage summary (it may have been deleted)")
    audit(request, "view-triage-summary", target=row_id)
    return render(request, "staff/triage_summary.html", summary=summary)


async def staff_audit(request: web.Request) -> web.Response:
    return render(request, "staff/audit.html", entries=request.app[AUDIT].entries(limit=AUDIT_PAGE_ENTRIES))


async def staff_chat_page(request: web.Request) -> web.Response:
    return render(request, "staff/chat.html")


async def staff_chat(request: web.Request) -> web.Response:
    return await relay_chat(request, "staff")
