"""Ranks a pre-visit triage as emergency, call the clinic today, or routine, by the rules in
knowledge/triage_rules.yml."""
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Tuple

import yaml

RULES_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "triage_rules.yml"


@dataclass(frozen=True)
class TriageRules:
    checklist: Tuple[str, ...]
    severities: Tuple[str, ...]
    today_symptoms: frozenset
    today_severities: frozenset
    today_source: str
    advice_source: str


@functools.lru_cache(maxsize=1)
def triage_rules(path: Path = RULES_PATH) -> TriageRules:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TriageRules(
        checklist=tuple(data["checklist"]),
        severities=tuple(data["severities"]),
        today_symptoms=frozenset(data["call_today"]["symptoms"]),
        today_severities=frozenset(data["call_today"]["severities"]),
        today_source=data["call_today"]["source"],
        advice_source=data["advice_source"],
    )


def decide_urgency(
    red_flags: Iterable[str], symptoms: Iterable[str], severity: str, rules: TriageRules
) -> Tuple[str, str]:
    """(urgency, reason in plain words) for what the patient reported."""
    red_flags, symptoms = list(red_flags), list(symptoms)
    if red_flags:
        return "emergency", "a red flag was reported: " + ", ".join(red_flags)
    urgent = [s for s in symptoms if s in rules.today_symptoms]
    if urgent:
        return "today", "reported " + ", ".join(urgent) + ", which should not wait for the visit"
    if symptoms and severity in rules.today_severities:
        return "today", f"symptoms described as {severity}"
    if symptoms:
        return "routine", "mild symptoms to discuss at the visit"
    return "routine", "no symptoms reported"
