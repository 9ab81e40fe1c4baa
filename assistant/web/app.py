"""The web application: its routes (listed in one place), the middleware that guards them, and its start-up."""
import asyncio
import logging
import secrets
from urllib.parse import quote

import aiohttp
from aiohttp import web

from assistant.web import console, patient, requests
from assistant.web.audit import AuditLog
from assistant.web.auth import AccountStore, LoginThrottle
from assistant.web.config import (ACCOUNTS, AUDIT, CONFIG, KNOWLEDGE, LOGIN_TURN, RASA, SESSIONS, STATIC,
                                  TEMPLATE_ENV, THROTTLE, WebConfig)
from assistant.web.pages import template_environment
from assistant.web.rasa_client import RasaClient
from assistant.web.sessions import SESSION_COOKIE, SessionStore, csrf_matches

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
    ("GET", r"/staff/triage/{summary_id:\d+}", console.staff_triage_summary),
    ("GET", "/staff/audit", console.staff_audit),
    ("GET", "/staff/requests", requests.queue_page),
    ("POST", requests.PATH, requests.change_request),
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
    if request.path.startswith("/staff") and request.path != console.LOGIN_PATH and not session:
        if request.method == "GET":
            raise web.HTTPSeeOther(f"{console.LOGIN_PATH}?next={quote(request.path_qs, safe='')}")
        raise web.HTTPUnauthorized(text="log in first")
    return await handler(request)


@web.middleware
async def csrf_tokens(request: web.Request, handler):
    """Every state-changing staff request carries its CSRF token: the session's (an X-CSRF-Token header or
    a csrf_token form field), or for the login form the one its page set in a cookie."""
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.path.startswith("/staff"):
        sent = request.headers.get("X-CSRF-Token")
        if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sent = (await request.post()).get("csrf_token")  # read once; the handler gets the same form
        if request.path == console.LOGIN_PATH:
            expected = request.cookies.get(console.LOGIN_CSRF_COOKIE)
            valid = bool(expected and sent) and secrets.compare_digest(str(expected), str(sent))
        else:
            valid = csrf_matches(request["staff"], sent)
        if not valid:
            raise web.HTTPForbidden(text="This form has expired or did not come from the console. "
                                         "Go back, reload the page and try again.")
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
    app = web.Application(middlewares=[same_origin_posts, staff_only, csrf_tokens, knowledge_missing],
                          client_max_size=64 * 1024)
    app[CONFIG] = config
    policy = config.policy
    app[AUDIT] = AuditLog(config.staff_db)
    app[ACCOUNTS] = AccountStore(config.staff_db)
    app[THROTTLE] = LoginThrottle(config.staff_db, policy, app[AUDIT], clock=config.clock)
    app[SESSIONS] = SessionStore(config.staff_db, policy.session_idle_minutes, policy.session_absolute_hours,
                                 clock=config.clock)
    app[SESSIONS].end_expired()
    app[LOGIN_TURN] = asyncio.Lock()
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
