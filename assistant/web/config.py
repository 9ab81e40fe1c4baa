"""What the web server is configured with, and the keys under which the application keeps its parts."""
import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from aiohttp import web
from jinja2 import Environment

from assistant.paths import staff_db_path
from assistant.web.audit import AuditLog
from assistant.web.auth import AccountStore, ConsolePolicy, LoginThrottle
from assistant.web.rasa_client import RasaClient
from assistant.web.sessions import SessionStore
from knowledge.clinic import clinic_settings

ROOT = Path(__file__).resolve().parent.parent.parent
WEB = ROOT / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"


@dataclass
class WebConfig:
    """What the web server needs to know; `blina serve` and the tests fill it in."""

    rasa_url: str = "http://127.0.0.1:5005"
    api_token: str = ""  # Rasa's HTTP API token; empty: assistant.serve.api_token()
    staff_db: Path = field(default_factory=staff_db_path)  # accounts, sessions, login failures, audit log
    policy: ConsolePolicy = field(default_factory=lambda: ConsolePolicy.from_settings(clinic_settings()))
    triage_db: Optional[Path] = None  # None: triage.summaries.default_db_path()
    knowledge_db: Optional[Path] = None  # None: knowledge.store's default
    secure_cookies: bool = False  # True: Secure cookies even when the request does not look like HTTPS
    rasa_timeout_s: float = 60.0
    clock: Callable[[], float] = time.time  # sessions and lockouts; tests move it instead of waiting


CONFIG = web.AppKey("config", WebConfig)
SESSIONS = web.AppKey("sessions", SessionStore)
ACCOUNTS = web.AppKey("accounts", AccountStore)
THROTTLE = web.AppKey("throttle", LoginThrottle)
AUDIT = web.AppKey("audit", AuditLog)
# Logins are checked one at a time, so guesses sent all at once cannot all pass before the count.
LOGIN_TURN = web.AppKey("login_turn", asyncio.Lock)
TEMPLATE_ENV = web.AppKey("templates", Environment)
RASA = web.AppKey("rasa", RasaClient)
KNOWLEDGE = web.AppKey("knowledge", dict)
