"""The rule policy's filter of its learned rules, checking only the rules a state can match.

Rasa 3.6's `RulePolicy._get_possible_keys` runs `_is_rule_applicable` on every one of ~300 rules for
each recent state, twice per prediction. A rule whose state at that turn names a previous action or
an intent can only match a conversation state with the same ones (but for a conversation's first
state), so `possible_keys` runs Rasa's own check only on the rules filed under the state's previous
action and intent (or under none), in Rasa's order, so the same set comes out in the same order
(tests/test_recent_states.py compares both with Rasa's at every prediction of real conversations).
"""
from typing import Dict, FrozenSet, List, Optional, Set, Text, Tuple

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import State
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

_stock_possible_keys = RulePolicy._get_possible_keys
Filed = Dict[Tuple[Optional[Text], Optional[Text]], FrozenSet[Text]]


def _required(state: State, kind: Text, key: Text) -> Optional[Text]:
    """The value a rule state demands (Rasa's check fails on any other), or None when it demands none."""
    value = state.get(kind, {}).get(key)
    return value if isinstance(value, str) and value and value != SHOULD_NOT_BE_SET else None


def file_rules(policy: RulePolicy, rule_keys: List[Text], turn: int) -> Filed:
    """The rules by (previous action, intent) their state `turn` steps back demands; None: any."""
    filed: Dict[Tuple[Optional[Text], Optional[Text]], Set[Text]] = {}
    for key in rule_keys:
        states = policy._rule_key_to_state(key)
        state = states[-1 - turn] if turn < len(states) else {}  # a shorter rule is accepted at this turn
        demands = (_required(state, PREVIOUS_ACTION, ACTION_NAME), _required(state, USER, INTENT))
        filed.setdefault(demands, set()).add(key)
    return {demands: frozenset(keys) for demands, keys in filed.items()}


def possible_keys(self: RulePolicy, lookup: Dict[Text, Text], states: List[State]) -> Set[Text]:
    """RulePolicy._get_possible_keys, with Rasa's check run only on the rules a state can match, for a
    loaded policy (its rules no longer change); training and a policy without `rule_reach` keep Rasa's."""
    if getattr(self, "rule_reach", None) is None:
        return _stock_possible_keys(self, lookup, states)
    cache = self.__dict__.setdefault("_filed_rules", {})
    possible = set(lookup.keys())
    for turn, state in enumerate(reversed(states)):
        filed = cache.get((id(lookup), turn))
        if filed is None:
            filed = cache[(id(lookup), turn)] = file_rules(self, list(lookup), turn)
        if not state.get(PREVIOUS_ACTION):
            # A conversation's first state: Rasa accepts a first rule state whatever its intent, so check all.
            candidates = possible
        else:
            action, intent = state[PREVIOUS_ACTION].get(ACTION_NAME), state.get(USER, {}).get(INTENT)
            candidates = set().union(*(filed.get(demands, ()) for demands in
                                       ((None, None), (action, None), (None, intent), (action, intent))))
        # Filtered in the order Rasa filters, so the set (and which longest rule wins a tie) is the same.
        possible = set(filter(lambda key: key in candidates and self._is_rule_applicable(key, turn, state),
                              possible))
    return possible
