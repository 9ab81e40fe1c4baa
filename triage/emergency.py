"""Renders the emergency answer to a reported red flag: call the emergency number now, then the clinic."""
from __future__ import annotations

from knowledge.answers import ENVIRONMENT
from knowledge.clinic import clinic_settings
from triage.redflags import RedFlagCheck, describe

TEMPLATE = "red_flag.j2"
# Cited when a message was routed here without a recognised flag (the classifier's red_flag intent).
GENERAL_SOURCE = "patient-information-page, Serious Side Effects (Rare but May Require Immediate Medical Attention)"


def emergency_message(check: RedFlagCheck | None = None, clinic: dict | None = None) -> str:
    """The emergency answer naming what check recognised; with no flags, the same advice in general words."""
    flags = tuple(getattr(check, "flags", ()) or ())
    recognised = [{"label": flag.label, "why": describe(flag.id).why} for flag in flags]
    sources = list(dict.fromkeys(str(flag.source) for flag in flags)) or [GENERAL_SOURCE]
    return ENVIRONMENT.get_template(TEMPLATE).render(
        recognised=recognised,
        sources=sources,
        clinic=clinic or clinic_settings(),
    ).strip()
