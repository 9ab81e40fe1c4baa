"""choose_changes: fewest bag changes within the bag limit, closed days avoided first, latest first."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduling.bags import _cheapest, bag_days, choose_changes

FOUR = 4  # a 96-hour bag (clinical-protocol, Administration) changed each morning lasts 4 mornings


def test_96_hours_is_4_mornings():
    assert bag_days(96) == FOUR and bag_days(48) == 2


@pytest.mark.parametrize(
    "length, expected",
    [
        (1, [0]),
        (4, [0]),  # one bag runs days 0-3, until the morning after the last day
        (5, [0, 4]),
        (7, [0, 4]),  # 7 days as 4 + 3: a bag in the morning of day 4
        (21, [0, 4, 8, 12, 16, 20]),  # ceil(21 / 4) = 6 bags
        (28, [0, 4, 8, 12, 16, 20, 24]),  # 7 bags of 4 days
    ],
)
def test_open_days_only(length, expected):
    assert choose_changes([0] * length, FOUR) == expected


def test_a_weekend_is_stepped_over():
    # Mon..Wed next week (10 days), Sat=5 and Sun=6 closed: 0 -> 4 (Fri) -> 8 (Tue) runs to day 12.
    assert choose_changes([0, 0, 0, 0, 0, 1, 1, 0, 0, 0], FOUR) == [0, 4, 8]


def test_avoiding_a_closed_day_is_worth_an_extra_change():
    # 8 days, day 4 closed: [0, 4] would be 2 changes with one closed; [0, 3, 7] is 3 on open days.
    assert choose_changes([0, 0, 0, 0, 1, 0, 0, 0], FOUR) == [0, 3, 7]


def test_four_closed_days_in_a_row_use_the_least_bad_one():
    # Days 4-7 closed (holiday, holiday, weekend, holiday): one of them must get a change; the weekend
    # day 6 costs least. Reaching 6 from 0 needs a change on 2 or 3; the later one, 3, is chosen.
    assert choose_changes([0, 0, 0, 0, 2, 2, 1, 2, 0, 0], FOUR) == [0, 3, 6]


def test_the_first_change_is_always_kept_even_on_a_closed_day():
    # Day 0 is a forced change (start, restart, dose change): its cost is the caller's to report.
    assert choose_changes([2, 0, 0, 0, 0], FOUR) == [0, 4]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([0, 0, 0, 1, 2]), min_size=1, max_size=30))
def test_the_greedy_shortcut_agrees_with_the_full_search(costs):
    # choose_changes tries the latest open morning first and falls back to the exhaustive search
    # only when a closed day cannot be avoided; both must give the same answer.
    assert choose_changes(costs, FOUR) == _cheapest(costs, FOUR)


def test_a_bag_already_hung_is_due_after_its_own_hours():
    from datetime import date

    from scheduling.bags import bag_due
    from scheduling.model import PlanError

    lengths = (24, 48, 72, 96)  # prescribing-information, Infusion bags
    assert bag_due(date(2027, 2, 26), 48, lengths) == date(2027, 2, 28)  # Friday morning + 48 h: Sunday morning
    assert bag_due(date(2026, 12, 9), 96, lengths) == date(2026, 12, 13)  # Wednesday + 96 h: Sunday
    with pytest.raises(PlanError, match="not 12"):
        bag_due(date(2027, 2, 26), 12, lengths)  # no 12-hour bag is made
