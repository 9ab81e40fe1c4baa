"""Rendering the server's pages: the Jinja2 environment, its filters, and the stores pages read."""
import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from assistant.web.config import CONFIG, KNOWLEDGE, TEMPLATE_ENV, TEMPLATES
from knowledge.clinic import clinic_settings
from triage.summaries import TriageStore


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
