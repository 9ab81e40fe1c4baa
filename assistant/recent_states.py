"""The rule policy's view of a conversation limited to what its rules can see: the last few states.

Rasa 3.6's RulePolicy turns every prior state of the conversation into a dict on each of its two
lookups per prediction, and then filters every rule against every one of them, although a rule of n
states only ever compares the last n (`RulePolicy._is_rule_applicable` accepts a rule once the turn
index reaches its length). So a 30-turn conversation cost ~90 states a lookup where the longest rule
reads 3. `recent_prediction_states` makes only the states the longest learned rule can reach, from
the same replayed trackers, so each prediction is the one Rasa's own code makes
(tests/test_recent_states.py replays real conversations through both and compares every step).
"""
import json
from typing import Any, Dict, List, Optional, Text

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.trackers import DialogueStateTracker

_stock_prediction_states = RulePolicy._prediction_states
_stock_load = RulePolicy.load.__func__


def longest_rule(lookup: Dict[Text, Any]) -> int:
    """The number of states of the longest learned rule, of either kind the policy filters with."""
    keys = list(lookup.get(RULES, {})) + list(lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {}))
    return max((len(json.loads(key)) for key in keys), default=1)


def last_states(tracker: DialogueStateTracker, domain: Domain, count: int) -> List[State]:
    """The last `count` of `domain.states_for_tracker_history(tracker)`, each made the same way from
    the same replayed tracker; the earlier ones are replayed but not made into states."""
    events = tracker.applied_events()
    actions = sum(isinstance(event, ActionExecuted) for event in events)
    skip = actions + 1 - count  # one state before each action, and one after the last event
    states: List[State] = []
    replay = tracker.init_copy()
    seen = 0
    for event in events:
        if isinstance(event, ActionExecuted):
            if seen >= skip:
                states.append(domain._clean_state(domain.get_active_state(replay)))
            seen += 1
        replay.update(event)
    states.append(domain._clean_state(domain.get_active_state(replay)))
    return states


def recent_prediction_states(
    self: RulePolicy,
    tracker: DialogueStateTracker,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """RulePolicy._prediction_states limited to the states its rules can reach, for a loaded policy
    whose featurizer keeps the whole history (the stock one); training keeps Rasa's own."""
    reach = getattr(self, "rule_reach", None)
    featurizer = self.featurizer
    if reach is None or type(featurizer) is not MaxHistoryTrackerFeaturizer or featurizer.max_history:
        return _stock_prediction_states(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
    states = last_states(tracker, domain, reach)
    featurizer._choose_last_user_input([states], use_text_for_last_user_input)
    return states


@classmethod
def load_with_rule_reach(cls, *args, **kwargs) -> RulePolicy:
    """RulePolicy.load, noting how many states its longest learned rule reads."""
    policy = _stock_load(cls, *args, **kwargs)
    policy.rule_reach = longest_rule(policy.lookup)
    return policy
