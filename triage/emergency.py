"""Renders the emergency answer to a reported red flag: call the emergency number now, then the clinic."""
from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from knowledge.clinic import clinic_settings
from triage.redflags import RedFlagCheck, describe

TEMPLATES = Path(__file__).resolve().parent.parent / "knowledge" / "templates"
TEMPLATE = "red_flag.j2"
# Cited when a message was routed here without a recognised flag (the classifier's red_flag intent).
GENERAL_SOURCE = "patient-information-page, Serious Side Effects (Rare but May Require Immediate Medical Attention)"


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    # Escape only HTML templates: this answer is chat text, which the widget shows as text.
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=lambda name: bool(name) and ".html" in name,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def emergency_message(check: RedFlagCheck | None = None, clinic: dict | None = None) -> str:
    """The emergency answer naming what check recognised; with no flags, the same advice in general words."""
    flags = tuple(getattr(check, "flags", ()) or ())
    recognised = [{"label": flag.label, "why": describe(flag.id).why} for flag in flags]
    sources = list(dict.fromkeys(str(flag.source) for flag in flags)) or [GENERAL_SOURCE]
    return _environment().get_template(TEMPLATE).render(
        recognised=recognised,
        sources=sources,
        clinic=clinic or clinic_settings(),
    ).strip()
