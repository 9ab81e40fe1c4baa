"""The web application: its routes (listed in one place), the middleware that guards them, and its start-up."""
import logging
from urllib.parse import quote

import aiohttp
from aiohttp import web

from assistant.web import console, patient
from assistant.web.config import CONFIG, KNOWLEDGE, RASA, SESSIONS, STATIC, TEMPLATE_ENV, WebConfig
from assistant.web.pages import template_environment
from assistant.web.rasa_client import RasaClient
from assistant.web.sessions import SESSION_COOKIE, StaffSessions

logger = logging.getLogger(__name__)

# Every page and endpoint of the server; a new console page is one more line here.
ROUTES = (
    ("GET", "/healthz", patient.health),
    ("GET", "/", patient.patient_page),
    ("POST", "/api/chat", patient.patient_chat),
    ("GET", "/api/plan.ics", patient.patient_plan_ics),
    ("GET", "/staff/login", console.login_page),
    ("POST", "/staff/login", console.login),
    ("POST", "/staff/logout", console.logout),
    ("GET", "/staff", console.staff_search),
    ("GET", "/staff/plan", console.staff_plan),
    ("GET", "/staff/plan.ics", console.staff_plan_ics),
    ("GET", "/staff/triage", console.staff_triage),
    ("GET", "/staff/chat", console.staff_chat_page),
    ("POST", "/staff/api/chat", console.staff_chat),
)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


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
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
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
