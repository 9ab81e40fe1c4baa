"""A plan's days laid out as month grids for the printable calendar of the staff console."""
import calendar
from dataclasses import dataclass
from datetime import date
from typing import List, Optional


@dataclass
class CalendarDay:
    day: date
    plan: Optional[dict]  # the plan's day (design.md's JSON shape), None outside the plan


def calendar_months(plan: dict, first_weekday: int) -> List[dict]:
    """The plan's days laid out as month grids: [{"title", "weeks": [[CalendarDay|None]*7]}]."""
    by_date = {date.fromisoformat(d["date"]): d for d in plan.get("days", [])}
    if not by_date:
        return []
    first, last = min(by_date), max(by_date)
    grid = calendar.Calendar(firstweekday=first_weekday)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in grid.monthdatescalendar(year, month):
            cells = [CalendarDay(d, by_date.get(d)) if d.month == month else None for d in week]
            if any(c is not None and c.plan is not None for c in cells):
                weeks.append(cells)
        months.append({"title": f"{calendar.month_name[month]} {year}", "weeks": weeks})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def weekday_names(first_weekday: int) -> List[str]:
    return [calendar.day_abbr[(first_weekday + i) % 7] for i in range(7)]


def first_weekday(country: str) -> int:
    # US calendars start the week on Sunday; most others on Monday.
    return calendar.SUNDAY if country.upper() in ("US", "CA") else calendar.MONDAY


def bag_change_dates(plan: dict) -> List[dict]:
    return [d for d in plan.get("days", []) if d.get("bag_change")]
