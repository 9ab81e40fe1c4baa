"""The web server: the patient widget page, the staff console, and a same-origin proxy to Rasa's REST channel.

Each part lives in the module of its concern (auth, sessions, audit, rasa_client, plan_form, calendar,
pages, context, patient, console, app). `make_app`, `WebConfig` and `ROUTES` are named here too,
loaded on first use, so that a process needing one small part (Rasa's tracker store writing the
audit log) does not load the whole server.
"""
import importlib

_PUBLIC = {"make_app": "assistant.web.app", "ROUTES": "assistant.web.app", "WebConfig": "assistant.web.config"}

__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
