"""The web server: the patient widget page, the staff console, and a same-origin proxy to Rasa's REST channel."""
import argparse
import asyncio
import calendar
import getpass
import hashlib
import hmac
import logging
import os
import re
import secrets
import sys
import time
from base64 import b64decode, b64encode
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import aiohttp
import yaml
from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from knowledge.clinic import clinic_settings
from triage.summaries import TriageStore

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"
STAFF_ACCOUNTS = Path(__file__).resolve().parent / "staff_accounts.yml"

SESSION_COOKIE = "blina_staff"
SESSION_HOURS = 10  # one clinic shift; then the desk logs in again
MAX_MESSAGE_CHARS = 2000
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # always used with fullmatch
INTERRUPTION_ROWS = 3  # the caller's plan form offers this many interruption rows

# The patient page follows the clinic's patient information page: its headings, filled from the
# knowledge base's patient-facing facts of these topics (never copied text).
PATIENT_SECTIONS = (
    ("summary", "Summary", ("about",)),
    ("names", "Names and type of medicine", ("names", "drug_class")),
    ("dosing", "Dosing", ("dosing", "cycles", "vial")),
    ("administration", "How it is given", ("administration", "hospital_stay", "bag_change", "flushing")),
    ("side-effects", "Side effects", ("side_effects", "serious_side_effects", "neurological_effects")),
    ("contraindications", "When it should not be used", ("contraindications",)),
    ("interactions", "Other medicines and vaccines", ("interactions", "vaccines")),
    ("pregnancy", "Pregnancy and breastfeeding", ("pregnancy", "breastfeeding")),
    ("cost", "Cost", ("cost",)),
    ("alternatives", "Other treatments", ("alternatives",)),
    ("research", "Research", ("research",)),
    ("contact", "Contact the clinic", ("contact",)),
)


# --- settings -------------------------------------------------------------------------------


@dataclass
class WebConfig:
    """What the web server needs to know; `blina serve` and the tests fill it in."""

    rasa_url: str = "http://127.0.0.1:5005"
    api_token: str = ""  # Rasa's HTTP API token; empty: assistant.serve.api_token()
    staff_accounts: Path = field(
        default_factory=lambda: Path(os.environ.get("BLINA_STAFF_ACCOUNTS") or STAFF_ACCOUNTS)
    )
    triage_db: Optional[Path] = None  # None: triage.summaries.default_db_path()
    knowledge_db: Optional[Path] = None  # None: knowledge.store's default
    secure_cookies: bool = False  # True behind HTTPS; plain http on loopback cannot use Secure
    rasa_timeout_s: float = 60.0


# --- staff accounts and sessions --------------------------------------------------------------

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 16 MB and a few tens of ms per check


def hash_password(password: str, salt: Optional[bytes] = None) -> str:
    """A password as `scrypt$n$r$p$salt$hash` (base64), for assistant/staff_accounts.yml."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    return "scrypt${n}${r}${p}${salt}${digest}".format(
        **SCRYPT, salt=b64encode(salt).decode(), digest=b64encode(digest).decode()
    )


def verify_password(password: str, stored: str) -> bool:
    """True when the password matches the stored hash; a malformed hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=b64decode(salt), n=int(n), r=int(r), p=int(p),
            dklen=len(expected),
        )
    except (ValueError, TypeError, AttributeError):
        return False
    return hmac.compare_digest(actual, expected)


# Checked when the user name is unknown, so a wrong name takes as long as a wrong password.
_DECOY_HASH = hash_password(secrets.token_urlsafe(16))


def load_staff_accounts(path: Path) -> Dict[str, dict]:
    """User name -> {name, password}; read at each login so an edited file needs no restart."""
    with Path(path).open(encoding="utf-8") as handle:
        accounts = (yaml.safe_load(handle) or {}).get("accounts") or {}
    return {str(user): dict(details or {}) for user, details in accounts.items()}


def check_login(path: Path, username: str, password: str) -> Optional[str]:
    """The staff member's display name when the user name and password match, else None."""
    account = load_staff_accounts(path).get(username.strip())
    matches = verify_password(password, account.get("password", "") if account else _DECOY_HASH)
    if account and matches:
        return str(account.get("name") or username)
    return None


@dataclass
class StaffSession:
    username: str
    name: str
    expires: float  # time.monotonic() deadline


class StaffSessions:
    """Logged-in staff by random session token, in memory: a restart logs everyone out."""

    def __init__(self, hours: float = SESSION_HOURS):
        self.seconds = hours * 3600
        self._sessions: Dict[str, StaffSession] = {}

    def start(self, username: str, name: str) -> str:
        token = secrets.token_urlsafe(32)
        self._sessions[token] = StaffSession(username, name, time.monotonic() + self.seconds)
        return token

    def get(self, token: Optional[str]) -> Optional[StaffSession]:
        session = self._sessions.get(token or "")
        if session and session.expires < time.monotonic():
            self._sessions.pop(token, None)
            return None
        return session

    def end(self, token: Optional[str]) -> None:
        self._sessions.pop(token or "", None)


# --- Rasa -------------------------------------------------------------------------------------


class RasaUnavailable(RuntimeError):
    """Rasa did not answer, or answered with an error."""


class RasaClient:
    """The two calls the web server makes: the REST channel webhook, and a tracker's slots."""

    def __init__(self, base_url: str, token: str, session: aiohttp.ClientSession):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.session = session

    async def say(self, sender: str, message: str, metadata: dict) -> List[dict]:
        body = {"sender": sender, "message": message, "metadata": metadata}
        try:
            async with self.session.post(f"{self.base_url}/webhooks/rest/webhook", json=body) as reply:
                if reply.status != 200:
                    raise RasaUnavailable(f"Rasa answered {reply.status}")
                messages = await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(str(error) or type(error).__name__) from error
        return messages if isinstance(messages, list) else []

    async def slots(self, sender: str) -> dict:
        """The conversation's slots, or {} when Rasa does not know the conversation or fails."""
        url = f"{self.base_url}/conversations/{quote(sender, safe='')}/tracker"
        try:
            async with self.session.get(url, params={"include_events": "NONE", "token": self.token}) as reply:
                if reply.status != 200:
                    return {}
                tracker = await reply.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            return {}
        slots = tracker.get("slots") if isinstance(tracker, dict) else None
        return slots if isinstance(slots, dict) else {}


def chat_messages(messages: List[dict]) -> List[dict]:
    """Only what the widget shows: text, quick-reply buttons and the urgency flag, all as strings."""
    kept = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        item = {}
        if isinstance(message.get("text"), str):
            item["text"] = message["text"]
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in message.get("buttons") or [] if isinstance(b, dict)
        ]
        if buttons:
            item["buttons"] = buttons
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("urgency"):
            item["urgency"] = str(custom["urgency"])
        if item:
            kept.append(item)
    return kept


# --- plans ------------------------------------------------------------------------------------


class PlanInputError(ValueError):
    """The form or the conversation does not give a usable plan request; the text says why."""


def _whole(text, what: str) -> int:
    """A whole number from a form field or a slot (Rasa's float slots hold 2 as 2.0)."""
    try:
        value = float(str(text).strip())
    except ValueError:
        value = float("nan")
    if not value.is_integer():
        raise PlanInputError(f"{what} must be a whole number, not {text!r}")
    return int(value)


def _measure(text, what: str) -> Optional[float]:
    if text is None or str(text).strip() == "":
        return None
    try:
        return float(str(text).strip())
    except ValueError:
        raise PlanInputError(f"{what} must be a number, not {text!r}") from None


def plan_request_from_slots(slots: dict, country: str):
    """The lead's plan slots as a PlanRequest, or None while the conversation has no plan yet."""
    from assistant.plan_command import parse_date, parse_interruption
    from scheduling import PlanRequest

    if not slots.get("indication") or not slots.get("plan_start"):
        return None
    interruptions = slots.get("interruptions") or []
    if isinstance(interruptions, str):
        interruptions = [interruptions]
    return PlanRequest(
        indication=str(slots["indication"]),
        start=parse_date(str(slots["plan_start"]), "the start date"),
        start_cycle=_whole(slots.get("plan_cycle") or 1, "the cycle number"),
        weight_kg=_measure(slots.get("weight_kg"), "the weight"),
        height_cm=_measure(slots.get("height_cm"), "the height"),
        country=country,
        interruptions=tuple(parse_interruption(str(item)) for item in interruptions),
    )


def plan_request_from_form(form, country: str):
    """The caller's plan form (query parameters) as a PlanRequest."""
    from assistant.plan_command import parse_date
    from scheduling import Interruption, PlanRequest

    interruptions = []
    for row in range(1, INTERRUPTION_ROWS + 1):
        start, days = form.get(f"int{row}_date", "").strip(), form.get(f"int{row}_days", "").strip()
        if not start and not days:
            continue
        interruptions.append(Interruption(
            parse_date(start, f"interruption {row}'s first day"),
            _whole(days, f"interruption {row}'s number of days"),
            toxicity=bool(form.get(f"int{row}_toxicity")),
        ))
    cycles = form.get("cycles", "").strip()
    return PlanRequest(
        indication=form.get("indication", "").strip(),
        start=parse_date(form.get("start", "").strip(), "the start date"),
        start_cycle=_whole(form.get("start_cycle", "").strip() or 1, "the cycle number"),
        cycles=_whole(cycles, "the number of cycles") if cycles else None,
        weight_kg=_measure(form.get("weight_kg"), "the weight"),
        height_cm=_measure(form.get("height_cm"), "the height"),
        country=country,
        interruptions=tuple(interruptions),
    )


def build_plan(plan_request):
    """The core's plan for a request; PlanError (a ValueError) says in one line what is wrong."""
    from knowledge.regimens import load_regimen
    from scheduling import make_plan

    return make_plan(load_regimen(plan_request.indication), plan_request)


def plan_as_dict(plan) -> dict:
    """design.md's JSON shape: the calendar is drawn from this stable contract."""
    from scheduling import to_json_dict

    return to_json_dict(plan)


def plan_as_ics(plan) -> bytes:
    from scheduling import Reminders, to_ics

    return to_ics(plan, Reminders.from_settings(clinic_settings()))


@dataclass
class CalendarDay:
    day: date
    plan: Optional[dict]  # the plan's day (design.md's JSON shape), None outside the plan


def calendar_months(plan: dict, first_weekday: int) -> List[dict]:
    """The plan's days laid out as month grids: [{"title", "weeks": [[CalendarDay|None]*7]}]."""
    by_date = {date.fromisoformat(d["date"]): d for d in plan.get("days", [])}
    if not by_date:
        return []
    first, last = min(by_date), max(by_date)
    grid = calendar.Calendar(firstweekday=first_weekday)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = [CalendarDay(d, by_date.get(d)) if d.month == month else None for d in week]
            if any(c is not None and c.plan is not None for c in cells):
                weeks.append(cells)
        months.append({"title": f"{calendar.month_name[month]} {year}", "weeks": weeks})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def weekday_names(first_weekday: int) -> List[str]:
    return [calendar.day_abbr[(first_weekday + i) % 7] for i in range(7)]


def first_weekday(country: str) -> int:
    # US calendars start the week on Sunday; most others on Monday.
    return calendar.SUNDAY if country.upper() in ("US", "CA") else calendar.MONDAY


def bag_change_dates(plan: dict) -> List[dict]:
    return [d for d in plan.get("days", []) if d.get("bag_change")]


# --- pages --------------------------------------------------------------------------------------

CONFIG = web.AppKey("config", WebConfig)
SESSIONS = web.AppKey("sessions", StaffSessions)
TEMPLATE_ENV = web.AppKey("templates", Environment)
RASA = web.AppKey("rasa", RasaClient)
KNOWLEDGE = web.AppKey("knowledge", dict)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def tel(number: str) -> str:
    """A phone number as a tel: link target (digits and a leading +)."""
    return "tel:" + re.sub(r"[^0-9+]", "", str(number))


def short_date(value) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day:%a} {day.day} {day:%b %Y}"


def dose_text(day: dict) -> str:
    return f"{day['dose']:g} {day.get('dose_unit', '')}".strip() if day.get("dose") is not None else ""


def clinic_time(created: str) -> str:
    """An ISO timestamp in the clinic's time zone, as the desk reads it: "Tue 4 Mar 2025, 03:30"."""
    try:
        moment = datetime.fromisoformat(created)
    except (TypeError, ValueError):
        return str(created)
    if moment.tzinfo is None:  # the triage store's convention: naive means UTC
        moment = moment.replace(tzinfo=timezone.utc)
    try:
        moment = moment.astimezone(ZoneInfo(clinic_settings()["timezone"]))
    except (KeyError, ZoneInfoNotFoundError):
        pass  # no usable clinic time zone: show the time as it was written
    return f"{moment:%a} {moment.day} {moment:%b %Y, %H:%M}"


def event_kind(event: str) -> str:
    """"pre-medication: dexamethasone ..." -> "pre-medication": what fits in a calendar cell."""
    return str(event).split(":", 1)[0]


def template_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template is HTML; no text reaches a page unescaped
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(tel=tel, short_date=short_date, dose_text=dose_text, event_kind=event_kind,
                       clinic_time=clinic_time)
    return env


def knowledge_base(app: web.Application):
    """The knowledge base, opened on first use; a missing build shows as a 503 page, not a crash."""
    from knowledge.store import KnowledgeBase

    holder = app[KNOWLEDGE]
    if "kb" not in holder:
        holder["kb"] = KnowledgeBase(app[CONFIG].knowledge_db)
    return holder["kb"]


def triage_store(app: web.Application) -> TriageStore:
    return TriageStore(app[CONFIG].triage_db)


def render(request: web.Request, template: str, status: int = 200, **context) -> web.Response:
    page = request.app[TEMPLATE_ENV].get_template(template).render(
        clinic=clinic_settings(), staff=request.get("staff"), path=request.path, **context
    )
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


routes = web.RouteTableDef()


@routes.get("/healthz")
async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


@routes.get("/")
async def patient_page(request: web.Request) -> web.Response:
    kb = knowledge_base(request.app)
    sections = []
    for anchor, heading, topics in PATIENT_SECTIONS:
        facts = [fact for topic in topics for fact in kb.facts(topic, audience="patient")]
        if facts:
            sections.append({"anchor": anchor, "heading": heading, "facts": facts})
    return render(request, "patient.html", sections=sections)


async def _chat(request: web.Request, audience: str) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "the body must be JSON"}, status=400)
    sender, message = (body.get("sender"), body.get("message")) if isinstance(body, dict) else (None, None)
    if not isinstance(sender, str) or not SENDER_ID.fullmatch(sender):
        return web.json_response({"error": "sender must be 8-64 letters, digits, - or _"}, status=400)
    # Control characters alone (NUL, ...) are as empty as whitespace, and Rasa refuses them.
    printable = "".join(ch for ch in message if ch.isprintable()) if isinstance(message, str) else ""
    if not printable.strip() or len(message) > MAX_MESSAGE_CHARS:
        return web.json_response({"error": f"message must be 1-{MAX_MESSAGE_CHARS} characters"}, status=400)
    rasa = request.app[RASA]
    try:
        # The audience comes from the server (the staff login), never from what the browser says.
        messages = chat_messages(await rasa.say(sender, message, {"audience": audience}))
    except RasaUnavailable as error:
        logger.warning("chat: Rasa unavailable: %s", error)
        return web.json_response({"error": "the assistant is not answering"}, status=502)
    has_plan = audience == "patient" and await _conversation_plan(request, sender) is not None
    return web.json_response({"messages": messages, "plan": has_plan})


async def _conversation_plan(request: web.Request, sender: str):
    """The plan the conversation has collected and the patient confirmed, or None (no plan yet, not
    confirmed, or its inputs do not work)."""
    slots = await request.app[RASA].slots(sender)
    if not slots.get("plan_confirmed"):
        return None
    try:
        plan_request = plan_request_from_slots(slots, clinic_settings()["country"])
        return build_plan(plan_request) if plan_request else None
    except ValueError as error:  # PlanError and PlanInputError: the chat itself explains these
        logger.info("no plan for the conversation: %s", error)
        return None


@routes.post("/api/chat")
async def patient_chat(request: web.Request) -> web.Response:
    return await _chat(request, "patient")


@routes.get("/api/plan.ics")
async def patient_plan_ics(request: web.Request) -> web.Response:
    sender = request.query.get("sender", "")
    if not SENDER_ID.fullmatch(sender):
        raise web.HTTPBadRequest(text="sender must be the conversation's id")
    plan = await _conversation_plan(request, sender)
    if plan is None:
        raise web.HTTPNotFound(text="this conversation has no treatment plan yet")
    return _ics_response(plan)


def _ics_response(plan) -> web.Response:
    return web.Response(
        body=plan_as_ics(plan),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="blinatumomab-plan.ics"'},
    )


# --- staff console ----------------------------------------------------------------------------


@routes.get("/staff/login")
async def login_page(request: web.Request) -> web.Response:
    if request.get("staff"):
        raise web.HTTPSeeOther("/staff")
    return render(request, "staff/login.html", error=None, username="", next=_next_path(request.query))


def _next_path(data) -> str:
    """Where to go after logging in: a staff page of this site only."""
    target = str(data.get("next") or "/staff")
    return target if re.fullmatch(r"/staff(?:[/?][^\s\\]*)?", target) and "//" not in target else "/staff"


@routes.post("/staff/login")
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    username, password = str(form.get("username", "")), str(form.get("password", ""))
    # scrypt is deliberately slow: keep it off the event loop.
    name = await asyncio.get_running_loop().run_in_executor(
        None, check_login, request.app[CONFIG].staff_accounts, username, password
    )
    if name is None:
        return render(request, "staff/login.html", status=401, username=username, next=_next_path(form),
                      error="That user name and password do not match. Please try again.")
    token = request.app[SESSIONS].start(username.strip(), name)
    response = web.HTTPSeeOther(_next_path(form))
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="Strict", path="/",
        secure=request.app[CONFIG].secure_cookies, max_age=int(request.app[SESSIONS].seconds),
    )
    raise response


@routes.post("/staff/logout")
async def logout(request: web.Request) -> web.Response:
    request.app[SESSIONS].end(request.cookies.get(SESSION_COOKIE))
    response = web.HTTPSeeOther("/staff/login")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@routes.get("/staff")
async def staff_search(request: web.Request) -> web.Response:
    query = request.query.get("q", "").strip()[:200]
    hits = knowledge_base(request.app).search(query, audience=None, limit=20) if query else []
    return render(request, "staff/search.html", query=query, hits=hits)


@routes.get("/staff/plan")
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


@routes.get("/staff/plan.ics")
async def staff_plan_ics(request: web.Request) -> web.Response:
    try:
        plan = build_plan(plan_request_from_form(request.query, clinic_settings()["country"]))
    except ValueError as problem:
        raise web.HTTPBadRequest(text=str(problem))
    return _ics_response(plan)


@routes.get("/staff/triage")
async def staff_triage(request: web.Request) -> web.Response:
    return render(request, "staff/triage.html", summaries=triage_store(request.app).recent())


@routes.get("/staff/chat")
async def staff_chat_page(request: web.Request) -> web.Response:
    return render(request, "staff/chat.html")


@routes.post("/staff/api/chat")
async def staff_chat(request: web.Request) -> web.Response:
    return await _chat(request, "staff")


# --- middleware and the application -------------------------------------------------------------


@web.middleware
async def same_origin_posts(request: web.Request, handler):
    """Refuses a state-changing request sent from another site (SameSite cookies are the other half)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        origin = request.headers.get("Origin")
        if origin is not None and origin != f"{request.scheme}://{request.host}":
            raise web.HTTPForbidden(text="cross-site request refused")
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            raise web.HTTPForbidden(text="cross-site request refused")
    return await handler(request)


@web.middleware
async def staff_only(request: web.Request, handler):
    """Every /staff page but the login needs a live staff session."""
    session = request.app[SESSIONS].get(request.cookies.get(SESSION_COOKIE))
    if session:
        request["staff"] = session
    if request.path.startswith("/staff") and request.path != "/staff/login" and not session:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"/staff/login?next={quote(request.path_qs, safe='')}")
        raise web.HTTPUnauthorized(text="log in first")
    return await handler(request)


@web.middleware
async def knowledge_missing(request: web.Request, handler):
    from knowledge.store import KnowledgeBaseError

    try:
        return await handler(request)
    except KnowledgeBaseError as error:
        logger.error("%s", error)
        return web.Response(status=503, text=f"The knowledge base is not built: {error}")


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith(("/staff", "/api")):
        response.headers.setdefault("Cache-Control", "no-store")  # never keep patient data in caches


def make_app(config: WebConfig) -> web.Application:
    """The web application; run it with web.run_app or aiohttp's test server."""
    app = web.Application(middlewares=[same_origin_posts, staff_only, knowledge_missing],
                          client_max_size=64 * 1024)
    app[CONFIG] = config
    app[SESSIONS] = StaffSessions()
    app[TEMPLATE_ENV] = template_environment()
    app[KNOWLEDGE] = {}
    app.add_routes(routes)
    from assistant import request_queue  # the front desk's queue of requests (its own module)

    request_queue.setup(app, config.triage_db, render)
    app.router.add_static("/static", STATIC)
    app.on_response_prepare.append(_security_headers)

    async def rasa_client(app: web.Application):
        token = config.api_token
        if not token:
            from assistant.serve import api_token

            token = api_token()
        timeout = aiohttp.ClientTimeout(total=config.rasa_timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            app[RASA] = RasaClient(config.rasa_url, token, session)
            yield

    app.cleanup_ctx.append(rasa_client)
    return app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.web", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the widget page and the staff console")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    commands.add_parser("hash-password", help="print a password hash for staff_accounts.yml")
    args = parser.parse_args(argv)
    if args.command == "hash-password":
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("The two passwords differ.", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(make_app(WebConfig(rasa_url=args.rasa_url)), host=args.host, port=args.port,
                print=lambda text: print(text, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
