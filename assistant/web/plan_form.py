"""A plan request from the caller's plan form or from a conversation's slots, and the plan built from it."""
from typing import Optional

from knowledge.clinic import clinic_settings

INTERRUPTION_ROWS = 3  # the caller's plan form offers this many interruption rows


class PlanInputError(ValueError):
    """The form or the conversation does not give a usable plan request; the text says why."""


def _whole(text, what: str) -> int:
    """A whole number from a form field or a slot (Rasa's float slots hold 2 as 2.0)."""
    try:
        value = float(str(text).strip())
    except ValueError:
        value = float("nan")
    if not value.is_integer():
        raise PlanInputError(f"{what} must be a whole number, not {text!r}")
    return int(value)


def _measure(text, what: str) -> Optional[float]:
    if text is None or str(text).strip() == "":
        return None
    try:
        return float(str(text).strip())
    except ValueError:
        raise PlanInputError(f"{what} must be a number, not {text!r}") from None


def plan_request_from_slots(slots: dict, country: str):
    """The lead's plan slots as a PlanRequest, or None while the conversation has no plan yet."""
    from assistant.plan_command import parse_date, parse_interruption
    from scheduling import PlanRequest

    if not slots.get("indication") or not slots.get("plan_start"):
        return None
    interruptions = slots.get("interruptions") or []
    if isinstance(interruptions, str):
        interruptions = [interruptions]
    return PlanRequest(
        indication=str(slots["indication"]),
        start=parse_date(str(slots["plan_start"]), "the start date"),
        start_cycle=_whole(slots.get("plan_cycle") or 1, "the cycle number"),
        weight_kg=_measure(slots.get("weight_kg"), "the weight"),
        height_cm=_measure(slots.get("height_cm"), "the height"),
        country=country,
        interruptions=tuple(parse_interruption(str(item)) for item in interruptions),
    )


def plan_request_from_form(form, country: str):
    """The caller's plan form (query parameters) as a PlanRequest."""
    from assistant.plan_command import parse_date
    from scheduling import Interruption, PlanRequest

    interruptions = []
    for row in range(1, INTERRUPTION_ROWS + 1):
        start, days = form.get(f"int{row}_date", "").strip(), form.get(f"int{row}_days", "").strip()
        if not start and not days:
            continue
        interruptions.append(Interruption(
            parse_date(start, f"interruption {row}'s first day"),
            _whole(days, f"interruption {row}'s number of days"),
            toxicity=bool(form.get(f"int{row}_toxicity")),
        ))
    cycles = form.get("cycles", "").strip()
    return PlanRequest(
        indication=form.get("indication", "").strip(),
        start=parse_date(form.get("start", "").strip(), "the start date"),
        start_cycle=_whole(form.get("start_cycle", "").strip() or 1, "the cycle number"),
        cycles=_whole(cycles, "the number of cycles") if cycles else None,
        weight_kg=_measure(form.get("weight_kg"), "the weight"),
        height_cm=_measure(form.get("height_cm"), "the height"),
        country=country,
        interruptions=tuple(interruptions),
    )


def build_plan(plan_request):
    """The core's plan for a request; PlanError (a ValueError) says in one line what is wrong."""
    from knowledge.regimens import load_regimen
    from scheduling import make_plan

    return make_plan(load_regimen(plan_request.indication), plan_request)


def plan_as_dict(plan) -> dict:
    """design.md's JSON shape: the calendar is drawn from this stable contract."""
    from scheduling import to_json_dict

    return to_json_dict(plan)


def plan_as_ics(plan) -> bytes:
    from scheduling import Reminders, to_ics

    return to_ics(plan, Reminders.from_settings(clinic_settings()))
