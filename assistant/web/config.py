"""What the web server is configured with, and the keys under which the application keeps its parts."""
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from aiohttp import web
from jinja2 import Environment

from assistant.web.auth import STAFF_ACCOUNTS
from assistant.web.rasa_client import RasaClient
from assistant.web.sessions import StaffSessions

ROOT = Path(__file__).resolve().parent.parent.parent
WEB = ROOT / "web"
TEMPLATES = WEB / "templates"
STATIC = WEB / "static"


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


CONFIG = web.AppKey("config", WebConfig)
SESSIONS = web.AppKey("sessions", StaffSessions)
TEMPLATE_ENV = web.AppKey("templates", Environment)
RASA = web.AppKey("rasa", RasaClient)
KNOWLEDGE = web.AppKey("knowledge", dict)
