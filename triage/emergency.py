"""Renders the answer to a reported red flag by its tier: call the emergency number now, then the clinic
(emergency), or call the clinic now (urgent: a pump, line or reading problem)."""
from __future__ import annotations

from knowledge.answers import ENVIRONMENT
from knowledge.clinic import clinic_settings
from triage.redflags import RedFlagCheck, describe

TEMPLATES = {"emergency": "red_flag.j2", "urgent": "urgent_flag.j2"}
# Cited when a message was routed here without a recognised flag (the classifier's red_flag intent).
GENERAL_SOURCE = "patient-information-page, Serious Side Effects (Rare but May Require Immediate Medical Attention)"


def emergency_message(check: RedFlagCheck | None = None, clinic: dict | None = None) -> str:
    """The answer for the check's tier, naming what it recognised; with no flags, the emergency advice in
    general words (the classifier's red_flag intent)."""
    flags = tuple(getattr(check, "flags", ()) or ())
    tier = getattr(check, "tier", None) or "emergency"
    recognised = [{"label": flag.label, "why": describe(flag.id).why} for flag in flags]
    sources = list(dict.fromkeys(str(flag.source) for flag in flags)) or [GENERAL_SOURCE]
    return ENVIRONMENT.get_template(TEMPLATES[tier]).render(
        recognised=recognised,
        sources=sources,
        line_advice=any(describe(flag.id).line_advice for flag in flags),
        clinic=clinic or clinic_settings(),
    ).strip()


def staff_note(check: RedFlagCheck | None = None, clinic: dict | None = None) -> str:
    """For the staff console: what to tell a caller who describes a red flag now, by its tier."""
    flags = tuple(getattr(check, "flags", ()) or ())
    return ENVIRONMENT.get_template("staff_red_flag.j2").render(
        tier=getattr(check, "tier", None) or "emergency",
        labels=[flag.label for flag in flags],
        sources=list(dict.fromkeys(str(flag.source) for flag in flags)) or [GENERAL_SOURCE],
        clinic=clinic or clinic_settings(),
    ).strip()
