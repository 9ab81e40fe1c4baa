"""The rule policy reading only the states its rules can reach (assistant/recent_states.py) predicts
what Rasa's own RulePolicy predicts, at every step of real conversations: the training stories and
rules, the test stories, and long conversations driven through the running assistant; and its filter
of the rules (assistant/rule_candidates.py) finds Rasa's rules in Rasa's order at every one of those steps."""
import itertools
import json
import tempfile
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter

import assistant.rasa_fixes  # noqa: F401  (installs the recent-states prediction, as the Rasa server has it)
from assistant.rule_candidates import _stock_possible_keys, possible_keys
from assistant.serve import api_token
from tests.test_e2e_rest import say

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "eval"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def policy_and_domain(trained_model):
    """The trained model's RulePolicy, loaded as the Rasa server loads it, and the model's domain."""
    with tempfile.TemporaryDirectory() as storage_dir:
        storage, metadata = LocalModelStorage.from_model_archive(Path(storage_dir), trained_model)
        node = next(node for node in metadata.predict_schema.nodes.values() if node.uses is RulePolicy)
        policy = RulePolicy.load({**RulePolicy.get_default_config(), **node.config}, storage, node.resource,
                                 ExecutionContext(metadata.predict_schema, metadata.model_id))
        yield policy, metadata.domain


def predictions(policy, domain, events, reach):
    """The policy's prediction before every action of the conversation, with `reach` states (None: Rasa's
    own, the whole conversation)."""
    loaded_reach, policy.rule_reach = policy.rule_reach, reach
    tracker = DialogueStateTracker("replay", domain.slots)
    found = []
    try:
        for event in events:
            if isinstance(event, ActionExecuted):
                prediction = policy.predict_action_probabilities(tracker, domain)
                found.append((prediction.max_confidence_index, prediction.probabilities, prediction.events,
                              prediction.hide_rule_turn, prediction.is_end_to_end_prediction,
                              prediction.is_no_user_prediction))
            tracker.update(event)
    finally:
        policy.rule_reach = loaded_reach
    return found


def differences(policy, domain, conversations, reach):
    """How many predictions differ from Rasa's own with `reach` states; and how many there were."""
    differ = total = 0
    for events in conversations:
        stock = predictions(policy, domain, events, None)
        recent = predictions(policy, domain, events, reach)
        differ += sum(ours != theirs for ours, theirs in zip(recent, stock))
        total += len(stock)
    return differ, total


@pytest.fixture(scope="module")
def story_conversations(policy_and_domain):
    """The events of every training story and rule and every test story, as Rasa's training reads them."""
    _, domain = policy_and_domain
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / "data"), str(ROOT / "tests" / "test_stories.yml")])
    trackers = TrainingDataGenerator(importer.get_stories(), domain, augmentation_factor=0).generate()
    return [list(tracker.events) for tracker in trackers]


def eval_messages():
    """Messages written by others for `make eval`, every category, follow-ups in their order."""
    messages = []
    for path in sorted(EVAL.glob("*.yml")):
        for case in yaml.safe_load(path.read_text()) or []:
            messages += [turn["message"] for turn in case.get("turns", [])] or [case.get("message")]
    return [message for message in messages if isinstance(message, str)]


# Conversations as they run: the plan form with a correction and a follow-up, a front-desk request, a
# red flag, the triage form, buttons, and a restart; then questions of every kind until 40 turns.
SCRIPTED = (
    ("hello", "My ALL relapsed and I started my first cycle on 7 December 2026. When will my dose go up?",
     "yes", "when do I go home from hospital?", "that's wrong, it was the 8th", "yes", "what dose am I on today?"),
    ("when is my next bag change?", '/inform_indication{"indication": "relapsed-refractory"}',
     "it started last Monday", "cycle 1", "no", "thanks"),
    ("I'd like a telemedicine appointment", "Priya Raman", "469 555 0111", "Monday afternoon",
     "to go over the results of my bone marrow test", "/start_triage", "cycle 1, day 5", "a mild headache",
     "mild", "none", "no"),
    ("please call me back", "Okafor", "555-0142", "twelve", "ok it's 312 555 0142", "tomorrow afternoon",
     "my husband is having a seizure right now", "what are the side effects?"),
    ("pre-visit check please", "cycle 1 day 12", "I've had a fever and a headache", "mild", "none",
     "can I shower with the line?", "/restart", "what is the dose of blinatumomab?",
     '/inform_indication{"indication": "mrd-positive"}', "and for ph-positive?", "bye"),
)
CONVERSATION_TURNS = 40


@pytest.fixture(scope="module")
def driven_conversations(servers, policy_and_domain):
    """The stored events of long conversations driven through the running assistant over REST."""
    _, domain = policy_and_domain
    others = itertools.cycle(eval_messages())
    conversations = []
    for opening in SCRIPTED + ((),) * 3:
        sender = f"replay-{uuid.uuid4().hex}"
        for turn in range(CONVERSATION_TURNS):
            say(servers, opening[turn] if turn < len(opening) else next(others), sender)
        url = f"{servers.rasa_url}/conversations/{sender}/tracker?include_events=ALL&token={api_token()}"
        with urllib.request.urlopen(url, timeout=60) as reply:
            events = json.loads(reply.read())["events"]
        conversations.append([Event.from_parameters(event) for event in events])
    return conversations


def test_the_longest_rule_reads_a_few_states(policy_and_domain):
    policy, _ = policy_and_domain
    assert 1 < policy.rule_reach < 10


def test_training_stories_and_rules_are_predicted_as_rasa_predicts_them(policy_and_domain, story_conversations):
    policy, domain = policy_and_domain
    differ, total = differences(policy, domain, story_conversations, policy.rule_reach)
    assert total > 500 and differ == 0


def test_long_conversations_are_predicted_as_rasa_predicts_them(policy_and_domain, driven_conversations):
    policy, domain = policy_and_domain
    assert min(len(events) for events in driven_conversations) > 3 * CONVERSATION_TURNS
    differ, total = differences(policy, domain, driven_conversations, policy.rule_reach)
    assert total > 8 * 2 * CONVERSATION_TURNS and differ == 0


def test_reading_too_few_states_would_be_caught(policy_and_domain, story_conversations):
    """The replays can tell a policy that reads too little: with the last state alone, some differ."""
    policy, domain = policy_and_domain
    differ, _ = differences(policy, domain, story_conversations, 1)
    assert differ > 0


def rule_filter_differences(policy, domain, conversations):
    """How many of the filter's answers differ from Rasa's `_get_possible_keys` (the set, in its order), at
    every prediction of the conversations, for both kinds of rules; and how many there were."""
    differ = total = 0
    for events in conversations:
        tracker = DialogueStateTracker("replay", domain.slots)
        for event in events:
            if isinstance(event, ActionExecuted):
                states = policy._prediction_states(tracker, domain)
                for lookup in (policy.lookup[RULES], policy.lookup[RULES_FOR_LOOP_UNHAPPY_PATH]):
                    found = possible_keys(policy, lookup, states)
                    differ += list(found) != list(_stock_possible_keys(policy, lookup, states))
                    total += 1
            tracker.update(event)
    return differ, total


def test_the_rule_filter_finds_rasas_rules_in_rasas_order(policy_and_domain, story_conversations,
                                                         driven_conversations):
    policy, domain = policy_and_domain
    differ, total = rule_filter_differences(policy, domain, story_conversations + driven_conversations)
    assert total > 2 * 1000 and differ == 0
