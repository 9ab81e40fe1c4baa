"""Answers a patient's questions about their own plan from the scheduling core, with dates."""
import datetime as dt
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import parsing, told_events
from actions.common import SafeAction, long_date, today
from actions.plan_form import ActionAskIndication, describe_facts, read_interruption
from knowledge.clinic import clinic_settings
from knowledge.regimens import indications, load_regimen
from knowledge.texts import render_text
from scheduling import queries
from scheduling.bags import bag_due
from scheduling.dosing import bsa_dose, format_dose
from scheduling.model import Interruption, Plan, PlanError, PlanRequest, Regimen
from scheduling.planner import make_plan, toxicity_escalation

WEEK = dt.timedelta(days=7)


NEXT_CYCLE_QUESTIONS = ("ask_plan_next_cycle", "ask_plan_bloods")


def plan_request(tracker: Tracker, cycles: Optional[int] = None, indication: Optional[str] = None) -> PlanRequest:
    """The confirmed facts as a request; cycles: plan as far as this cycle (a question about cycle 3);
    indication: plan for this one rather than the patient's."""
    stops = [Interruption(*read_interruption(entry)) for entry in tracker.get_slot("interruptions") or []]
    weight, height = tracker.get_slot("weight_kg"), tracker.get_slot("height_cm")
    weight = None if height is None else weight  # no height was needed: the question's answer gives no dose
    first = int(tracker.get_slot("plan_cycle") or 1)
    return PlanRequest(
        indication=indication or tracker.get_slot("indication"),
        start=dt.date.fromisoformat(tracker.get_slot("plan_start")),
        start_cycle=first,
        cycles=max(cycles, first) if cycles else None,
        weight_kg=float(weight) if weight is not None else None,
        height_cm=float(height) if height is not None else None,
        country=clinic_settings()["country"],
        interruptions=tuple(stops),
    )


def cited(regimen: Regimen, *sections: str) -> List[str]:
    """The regimen's sources whose section heading is one of these, in the regimen's order."""
    found = [where for _, where in regimen.sources if where.split(", ", 1)[1] in sections]
    return list(dict.fromkeys(found)) or [regimen.sources[0][1]]


def dose_sources(regimen: Regimen, plan: Plan) -> List[str]:
    return [regimen.phases[0].source] + ([regimen.phases[0].bsa_source] if plan.bsa_m2 else [])


def cycle_shape(regimen: Regimen) -> Dict[str, int]:
    """The rule behind a cycle's dates, said with them: days of infusion, then days without."""
    return {"infusion_days": regimen.infusion_days_per_cycle, "free_days": regimen.treatment_free_days}


def _per_m2_rule(regimen: Regimen, found: list, bsa_m2: Optional[float] = None) -> Optional[Dict[str, Any]]:
    if not found or None in found:
        return None
    return {"per_m2": [format_dose(r.dose_per_m2) for r in found], "unit": regimen.phases[0].dose_per_m2_unit,
            "bsa": f"{bsa_m2:.2f}" if bsa_m2 else None, "threshold": format_dose(regimen.bsa_threshold_kg)}


def per_m2(regimen: Regimen, bsa_m2: Optional[float], *doses: float) -> Optional[Dict[str, Any]]:
    """The per-m² rule behind doses worked out from body surface area ("5 then 15 mcg/m²/day for 0.74 m²"),
    or None when the doses are flat."""
    if not bsa_m2:
        return None
    rules = [*regimen.phases, regimen.toxicity_restart]
    return _per_m2_rule(regimen, [next((r for r in rules if bsa_dose(r.dose_per_m2, bsa_m2, r.cap) == dose), None)
                                  for dose in doses], bsa_m2)


def flat_to_per_m2(regimen: Regimen, *doses: float) -> Optional[Dict[str, Any]]:
    """The per-m² doses under the weight threshold of the phases that give these flat doses, or None."""
    return _per_m2_rule(regimen, [next((p for p in regimen.phases if p.dose == dose), None) for dose in doses])


def event_detail(plan: Plan, day: dt.date, kind: str) -> Optional[str]:
    """The text of the first event of this kind on that day ("step-up: ..." -> "...")."""
    found = queries.day_on(plan, day)
    for event in found.events if found else ():
        if event.startswith(kind + ":"):
            return event.split(": ", 1)[1]
    return None


def weeks(plan: Plan, start: dt.date) -> List[Dict[str, Any]]:
    """A week-by-week summary from the week containing `start` to the end of the plan."""
    summary = []
    first = max(start - dt.timedelta(days=start.weekday()), plan.days[0].date)
    while first <= plan.days[-1].date:
        days = [d for d in plan.days if first <= d.date < first + WEEK]
        infusing = [d for d in days if d.infusing]
        summary.append({
            "first": long_date(days[0].date), "last": long_date(days[-1].date),
            "cycles": sorted({d.cycle for d in days}),
            "doses": sorted({format_dose(d.dose) for d in infusing}, key=float),
            "unit": days[0].dose_unit,
            "infusion_days": len(infusing),
            "hospital": [f"{d.date:%a} {d.date.day}" for d in days if d.in_hospital],
            "bags": [f"{d.date:%a} {d.date.day}" for d in days if d.bag_change],
        })
        first += WEEK
    return summary


def stops_told(plan: Plan, stops) -> List[Dict[str, Any]]:
    """Each interruption with what it did: a new cycle from the restart day, or the same cycle carrying on."""
    told = []
    for stop in stops:
        back = queries.day_on(plan, stop.start + dt.timedelta(days=stop.days))
        if back:
            told.append({"start": long_date(stop.start), "days": stop.days, "restart": long_date(back.date),
                         "cycle": back.cycle, "new_cycle": back.cycle_day == 1})
    return told


def answer(question: str, plan: Plan, regimen: Regimen, now: dt.date, asked: dt.date,
           cycle_asked: Optional[int] = None, stops=(), small: bool = False) -> Dict[str, Any]:
    """The template and its values for one personal question; cycle_asked names the cycle the question
    is about ("when does cycle 3 start?"), else the current or next one is meant."""
    named = queries.cycle_of(plan, cycle_asked) if cycle_asked else None
    if named and asked == now:
        asked = named.start  # "what dose will I be on when cycle 2 begins?"
    if question == "ask_plan_dose":
        day = queries.day_on(plan, asked)
        return {"template": "plan_dose.j2", "sources": dose_sources(regimen, plan),
            "day": day, "date": long_date(asked), "before": asked < plan.days[0].date,
            "first": long_date(plan.days[0].date), "dose": format_dose(day.dose) if day and day.dose else None,
            "step_up": event_detail(plan, asked, "step-up") if day else None,
            "by_size": per_m2(regimen, plan.bsa_m2, day.dose) if day and day.dose else None}
    if question == "ask_plan_step_up":
        up = queries.step_up_date(plan, now)
        around = [getattr(queries.day_on(plan, d), "dose", None) for d in (up - dt.timedelta(days=1), up)] if up else []
        unsized = small and not plan.bsa_m2  # a child's size not given: the rule per m², not an adult's doses
        return {"template": "plan_step_up.j2",
                "sources": dose_sources(regimen, plan) + ([regimen.phases[0].bsa_source] if unsized else []),
                "date": long_date(up) if up else None, "detail": event_detail(plan, up, "step-up") if up else None,
                "by_size": per_m2(regimen, plan.bsa_m2, *around) if all(around) else None,
                "per_m2_only": flat_to_per_m2(regimen, *around) if unsized and all(around) else None,
                "doses": sorted({format_dose(d.dose) for d in plan.days if d.dose}, key=float),
                "unit": plan.days[0].dose_unit}
    if question == "ask_plan_bag_change":
        upcoming = queries.next_bag_change(plan, now)
        # A cycle's first morning hangs its first bag: the change asked about is the one after it.
        first_bag = upcoming if upcoming in {c.start for c in plan.cycles} else None
        if first_bag:
            upcoming = queries.next_bag_change(plan, first_bag + dt.timedelta(days=1))
        week = queries.bag_changes_between(plan, now, now + WEEK - dt.timedelta(days=1))
        return {"template": "plan_bag_change.j2", "sources": cited(regimen, "Administration"),
                "next": long_date(upcoming) if upcoming else None,
                "first_bag": long_date(first_bag) if first_bag else None, "window": regimen.bag_change_window_hours,
                "week": [long_date(d) for d in week], "max_hours": regimen.bag_max_hours,
                "warnings": list(plan.warnings)}
    if question == "ask_plan_discharge":
        ahead = [d for d in queries.discharge_dates(plan) if d >= (named.start if named else now)]
        stay_cycle = queries.day_on(plan, ahead[0]).cycle if ahead else None
        return {"template": "plan_discharge.j2", "sources": [regimen.hospital_stays[0].source],
                "date": long_date(ahead[0]) if ahead else None, "stay_cycle": stay_cycle,
                "stay_days": next((s.days for s in regimen.hospital_stays if s.cycle == stay_cycle), None),
                "home": long_date(ahead[0] + dt.timedelta(days=1)) if ahead else None,
                "in_hospital": bool(queries.day_on(plan, now) and queries.day_on(plan, now).in_hospital)}
    if question == "ask_plan_break":
        free = queries.treatment_free_start(plan, named.start if named else now)
        return {"template": "plan_break.j2", "sources": cited(regimen, "Cycle frequency"),
                "date": long_date(free) if free else None, "days": regimen.treatment_free_days}
    if question == "ask_plan_next_cycle":
        cycle = named or queries.next_cycle_start(plan, now)
        return {"template": "plan_next_cycle.j2", "sources": cited(regimen, "Cycle frequency", "Number of cycles"),
                "cycle": cycle, "date": long_date(cycle.start) if cycle else None,
                "beyond": bool(cycle and cycle.number > regimen.default_cycles), **cycle_shape(regimen),
                "note": regimen.beyond_default_note, "discontinued": plan.status == "discontinued"}
    if question == "ask_plan_bloods":
        cycle = named or next((c for c in plan.cycles if c.start >= now), None)
        return {"template": "plan_bloods.j2",
                "sources": [i.source for i in regimen.investigations],
                "cycle": cycle, "first": long_date(cycle.bloods_from) if cycle else None,
                "validity": next((i.validity_text for i in regimen.investigations
                                  if i.applies_to == ("first" if cycle and cycle.number == 1 else "later")), None),
                "last": long_date(cycle.bloods_to) if cycle else None}
    if question == "ask_plan_premedication":
        coming = [(long_date(d), what) for d, what in queries.pre_medication_events(plan) if d >= now][:6]
        return {"template": "plan_premedication.j2", "sources": list(dict.fromkeys(m.source for m in regimen.pre_medication)),
                "coming": coming}
    if question == "ask_plan_last_infusion":
        current = named or next((c for c in plan.cycles if c.last_infusion >= now), plan.cycles[-1])
        return {"template": "plan_last_infusion.j2", "sources": cited(regimen, "Cycle frequency"),
                "cycle": current, "date": long_date(current.last_infusion), **cycle_shape(regimen),
                "course_last": long_date(queries.last_infusion_day(plan)), "stops": stops_told(plan, stops),
                "infused": sum(d.infusing for d in plan.days if d.cycle == current.number),
                "same_cycle_days": regimen.same_cycle_max_interruption_days}
    if question == "ask_plan_interruption":
        restarts = [(long_date(d.date), e.split(": ", 1)[1]) for d in plan.days for e in d.events
                    if e.startswith(("restart:", "restart dose:", "discontinued:"))]
        return {"template": "plan_interruption.j2", "sources": [where for what, where in regimen.sources if what == "interruptions"],
                "restarts": restarts, "cycles": plan.cycles, "long_date": long_date,
                "status": plan.status, "same_cycle_days": regimen.same_cycle_max_interruption_days,
                "new_cycle_days": regimen.new_cycle_max_interruption_days}
    return {"template": "plan_summary.j2", "sources": cited(regimen, "Cycle frequency") + dose_sources(regimen, plan),
            "weeks": weeks(plan, now), "cycles": plan.cycles, "long_date": long_date,
            "warnings": list(plan.warnings)}


def bag_due_text(text: str, indication: Optional[str], tracker: Tracker) -> Optional[str]:
    """The answer to "a 48-hour bag went up on Friday, when is the next change?" from that bag's own length
    and day, or None when the message does not tell one bag hung (or names a length bags are not made in)."""
    hung = told_events.find_bag_hung(text, today(tracker), clinic_settings()["date_order"])
    if not hung:
        return None
    # Every regimen has the same bag rules; the patient's own, when known.
    regimen = load_regimen(indication or indications()[0])
    try:
        due = bag_due(hung.hung_on, hung.hours, regimen.bag_durations_hours)
    except PlanError:
        return None
    body = render_text("bag_due.j2", hours=hung.hours, hung=long_date(hung.hung_on), due=long_date(due),
                       window=regimen.bag_change_window_hours)
    return render_text("plan_answer.j2", body=body, sources=list(regimen.bag_sources))


def toxicity_escalation_text(text: str, indication: Optional[str], tracker: Tracker) -> Optional[str]:
    """The answer to "restarted at the low dose after grade 3 CRS on Wednesday, when does it go back up?"
    from the restart day, or None when the message tells none (or, the indication unknown, the regimens differ)."""
    restarted = told_events.find_toxicity_restart(text, today(tracker), clinic_settings()["date_order"])
    if not restarted:
        return None
    try:
        size = parsing.find_weight_kg(text), parsing.find_height_cm(text)
        # Without the indication, only an answer every regimen gives alike.
        rises = [toxicity_escalation(load_regimen(i), restarted, *size) for i in ([indication] if indication else indications())]
    except (PlanError, parsing.PlanInputError):
        return None
    if len({(r.restart_dose, r.full_dose, r.goes_up_on) for r in rises}) != 1:
        return None
    rise = rises[0]
    regimen = load_regimen(indication or indications()[0])
    body = render_text("toxicity_escalation.j2", low=format_dose(rise.restart_dose), full=format_dose(rise.full_dose),
                       unit=rise.unit, days=rise.restart_days, restarted=long_date(restarted),
                       up=long_date(rise.goes_up_on),
                       by_size=per_m2(regimen, rise.bsa_m2, rise.restart_dose, rise.full_dose))
    return render_text("plan_answer.j2", body=body, sources=list(dict.fromkeys(w for r in rises for w in r.sources)))


def plan_reply(tracker: Tracker, indication: str) -> Tuple[str, List[str], List[Dict[Text, Any]]]:
    """(the reply's body, its sources, the slots it sets) for the waiting personal question, planned for this
    indication; no sources when the reply is a refusal."""
    regimen = load_regimen(indication)
    request = plan_request(tracker, indication=indication)
    try:
        plan = make_plan(regimen, request)
    except PlanError as refused:
        return render_text("plan_input_refused.j2", reason=str(refused)), [], [SlotSet("plan_confirmed", None)]
    question = tracker.get_slot("plan_question")
    now = today(tracker)
    asked = tracker.get_slot("plan_question_date")
    cycle_asked = int(tracker.get_slot("plan_question_cycle") or 0) or None
    done = [SlotSet("plan_question_date", None), SlotSet("plan_question_cycle", None)]
    if not cycle_asked and question in NEXT_CYCLE_QUESTIONS and not any(c.start > now for c in plan.cycles):
        # "When would the next one start?" after the last planned cycle: the one after, if the regimen allows it.
        cycle_asked = plan.cycles[-1].number + 1 if plan.cycles[-1].number < regimen.max_cycles else None
    if cycle_asked and cycle_asked > regimen.max_cycles:
        return render_text("plan_cycle_beyond.j2", cycle=cycle_asked, most=regimen.max_cycles,
                           note=regimen.beyond_default_note), [], done
    if cycle_asked:
        plan = make_plan(regimen, plan_request(tracker, cycles=cycle_asked, indication=indication))
    weight = tracker.get_slot("weight_kg")
    small = bool(tracker.get_slot("small_patient")) or (weight is not None and float(weight) < regimen.bsa_threshold_kg)
    values = answer(question, plan, regimen, now, dt.date.fromisoformat(asked) if asked else now, cycle_asked,
                    request.interruptions, small)
    template, sources = values.pop("template"), values.pop("sources")
    about = values.get("cycle") or (queries.cycle_of(plan, cycle_asked) if cycle_asked else None)
    return (render_text(template, today=long_date(now), **values), sources,
            done + [SlotSet("plan_answered_cycle", about.number if about else None)])


# Doses differ by type of ALL (and by size); other answers may be the same for every type.
DOSE_QUESTIONS = frozenset({"ask_plan_dose", "ask_plan_step_up", "ask_plan_summary", "ask_plan_premedication"})


def reply_for_every_type(tracker: Tracker) -> Optional[Tuple[str, List[str], List[Dict[Text, Any]]]]:
    """The reply, with every type's sources, when each type of ALL gets the same one ("when does my 28-day
    infusion end?"), so the type need not be asked; None when it is known, matters, or facts are missing."""
    question = tracker.get_slot("plan_question")
    if (tracker.get_slot("indication") or not question or question in DOSE_QUESTIONS
            or not (tracker.get_slot("plan_start") and tracker.get_slot("plan_cycle"))):
        return None
    try:
        replies = [plan_reply(tracker, indication) for indication in indications()]
    except (PlanError, ValueError):
        return None
    if len({body for body, _, _ in replies}) != 1 or not replies[0][1]:
        return None
    body, _, events = replies[0]
    return body, list(dict.fromkeys(where for _, sources, _ in replies for where in sources)), events


class ActionAnswerPlanQuestion(SafeAction):
    """Answers the waiting personal question once the plan's facts are confirmed."""

    def name(self) -> Text:
        return "action_answer_plan_question"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        if not tracker.get_slot("plan_question"):
            dispatcher.utter_message(text=render_text("plan_ready.j2", **describe_facts(tracker)))
            return []
        indication = tracker.get_slot("indication")
        reply = plan_reply(tracker, indication) if indication else reply_for_every_type(tracker)
        if reply is None:  # the facts changed since the form let the type go: it matters now
            return ActionAskIndication().respond(dispatcher, tracker, domain)
        body, sources, events = reply
        dispatcher.utter_message(text=render_text("plan_answer.j2", body=body, sources=sources) if sources else body)
        return events
