"""Bag-change days within a run of infusion days (fewest changes, closed days avoided where possible),
and when one bag already hung is due."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from operator import add

from scheduling.model import PlanError

HOURS_PER_DAY = 24
# Any number of changes in a segment is below this, so cost * _SCALE + changes orders cost first.
_SCALE = 1 << 20


def bag_days(max_hours: int) -> int:
    """Whole days one bag may run: bags are changed each morning, so only whole days count."""
    return max_hours // HOURS_PER_DAY


def choose_changes(costs: Sequence[int], max_days: int) -> list[int]:
    """Indices of the mornings to hang a new bag in one segment of consecutive infusion days.

    The segment starts with a new bag (index 0: a start, restart or dose change) and needs a bag
    running until the morning after its last day. costs[i] is 0 where a change is fine (clinic
    open or in hospital) and higher on closed days. Among the plans with no bag over max_days,
    it minimises the summed cost, then the number of changes, then changes as late as possible.
    """
    length = len(costs)
    if not any(costs[1:]):  # nothing to avoid: the latest change each time is every max_days
        return list(range(0, length, max_days))
    # Greedy: the latest open morning within reach each time. If it never gets stuck it is the
    # optimum (no cost, fewest changes, latest first); if it does, a closed day is unavoidable.
    changes = [0]
    i = 0
    while i + max_days < length:
        i = next((j for j in range(i + max_days, i, -1) if not costs[j]), -1)
        if i < 0:
            return _cheapest(costs, max_days)
        changes.append(i)
    return changes


def _cheapest(costs: Sequence[int], max_days: int) -> list[int]:
    """The least total cost, then fewest changes, then latest first (dynamic programming)."""
    length = len(costs)
    # best[i]: cost * _SCALE + changes still needed after a new bag at i (cost first, then count).
    weights = [cost * _SCALE + 1 for cost in costs]
    best = [0] * length
    for i in range(length - 1 - max_days, -1, -1):
        best[i] = min(map(add, weights[i + 1 : i + max_days + 1], best[i + 1 : i + max_days + 1]))
    changes = [0]
    i = 0
    while i + max_days < length:
        i = next(j for j in range(i + max_days, i, -1) if weights[j] + best[j] == best[i])
        changes.append(i)
    return changes


def bag_due(hung_on: date, bag_hours: int, durations_hours: Sequence[int]) -> date:
    """The morning a bag hung on the morning of `hung_on` is due to be changed: after the hours it is made
    up to run, which must be one of the regimen's bag lengths."""
    if bag_hours not in durations_hours:
        lengths = ", ".join(str(hours) for hours in durations_hours)
        raise PlanError(f"bags are made up to run {lengths} hours, not {bag_hours}")
    return hung_on + timedelta(days=bag_days(bag_hours))
