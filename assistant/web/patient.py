"""The patients' side: the information page with the widget, the chat proxy to Rasa, and the plan's .ics."""
import logging
import re

from aiohttp import web

from assistant.web.config import RASA
from assistant.web.context import audit
from assistant.web.pages import knowledge_base, render
from assistant.web.plan_form import build_plan, plan_as_ics, plan_request_from_slots
from assistant.web.rasa_client import RasaUnavailable, chat_messages
from knowledge.clinic import clinic_settings

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
SENDER_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")  # always used with fullmatch

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


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def patient_page(request: web.Request) -> web.Response:
    kb = knowledge_base(request.app)
    sections = []
    for anchor, heading, topics in PATIENT_SECTIONS:
        facts = [fact for topic in topics for fact in kb.facts(topic, audience="patient")]
        if facts:
            sections.append({"anchor": anchor, "heading": heading, "facts": facts})
    return render(request, "patient.html", sections=sections)


async def relay_chat(request: web.Request, audience: str) -> web.Response:
    """One chat message to Rasa and its reply, for the patients' widget and the staff chat alike."""
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
    has_plan = audience == "patient" and await conversation_plan(request, sender) is not None
    return web.json_response({"messages": messages, "plan": has_plan})


async def conversation_plan(request: web.Request, sender: str):
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


async def patient_chat(request: web.Request) -> web.Response:
    return await relay_chat(request, "patient")


async def patient_plan_ics(request: web.Request) -> web.Response:
    sender = request.query.get("sender", "")
    if not SENDER_ID.fullmatch(sender):
        raise web.HTTPBadRequest(text="sender must be the conversation's id")
    plan = await conversation_plan(request, sender)
    if plan is None:
        raise web.HTTPNotFound(text="this conversation has no treatment plan yet")
    audit(request, "download-ics", target=sender)
    return ics_response(plan)


def ics_response(plan) -> web.Response:
    return web.Response(
        body=plan_as_ics(plan),
        content_type="text/calendar",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="blinatumomab-plan.ics"'},
    )
