"""The scheduling core: pure functions that turn a regimen and a patient's inputs into a day-by-day plan."""
from scheduling.model import Cycle, Day, Interruption, Plan, PlanError, PlanRequest, Regimen
from scheduling.planner import make_plan
from scheduling.render import Reminders, to_ics, to_json_dict, to_text

__all__ = [
    "Cycle",
    "Day",
    "Interruption",
    "Plan",
    "PlanError",
    "PlanRequest",
    "Regimen",
    "make_plan",
    "Reminders",
    "to_ics",
    "to_json_dict",
    "to_text",
]
