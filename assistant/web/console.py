"""The staff console's pages: log in and out, search, a caller's plan, triage summaries and the staff chat."""
import asyncio
import re

from aiohttp import web

from assistant.web.auth import check_login
from assistant.web.calendar import bag_change_dates, calendar_months, first_weekday, weekday_names
from assistant.web.config import CONFIG, SESSIONS
from assistant.web.pages import knowledge_base, render, triage_store
from assistant.web.patient import ics_response, relay_chat
from assistant.web.plan_form import INTERRUPTION_ROWS, build_plan, plan_as_dict, plan_request_from_form
from assistant.web.sessions import SESSION_COOKIE
from knowledge.clinic import clinic_settings


def next_path(data) -> str:
    """Where to go after logging in: a staff page of this site only."""
    target = str(data.get("next") or "/staff")
    return target if re.fullmatch(r"/staff(?:[/?][^\s\\]*)?", target) and "//" not in target else "/staff"


async def login_page(request: web.Request) -> web.Response:
    if request.get("staff"):
        raise web.HTTPSeeOther("/staff")
    return render(request, "staff/login.html", error=None, username="", next=next_path(request.query))


async def login(request: web.Request) -> web.Response:
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    # scrypt is deliberately slow: keep it off the event loop.
    name = await asyncio.get_running_loop().run_in_executor(
        None, check_login, request.app[CONFIG].staff_accounts, username, password
    )
    if name is None:
        return render(request, "staff/login.html", status=401, username=username, next=next_path(form),
                      error="That user name and password do not match. Please try again.")
    token = request.app[SESSIONS].start(username.strip(), name)
    response = web.HTTPSeeOther(next_path(form))
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Strict", path="/",
        secure=request.app[CONFIG].secure_cookies, max_age=int(request.app[SESSIONS].seconds),
    )
    raise response


async def logout(request: web.Request) -> web.Response:
    request.app[SESSIONS].end(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/staff/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


async def staff_search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    hits = knowledge_base(request.app).search(query, audience=None, limit=20) if query else []
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
    return ics_response(plan)


async def staff_triage(request: web.Request) -> web.Response:
    return render(request, "staff/triage.html", summaries=triage_store(request.app).recent())


async def staff_chat_page(request: web.Request) -> web.Response:
    return render(request, "staff/chat.html")


async def staff_chat(request: web.Request) -> web.Response:
    return await relay_chat(request, "staff")
