"""Checks on the NLU training data and the held-back NLU test set that need no trained model."""
import difflib
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NLU_DIR = ROOT / "data" / "nlu"
HOLDOUT = ROOT / "tests" / "nlu_holdout.yml"
TOPICS = ROOT / "knowledge" / "topics.yml"

# The intents outside the knowledge topics, as the task names them (issues 2, 4 and 5).
PLAN_INTENTS = {
    "ask_plan_dose", "ask_plan_step_up", "ask_plan_bag_change", "ask_plan_discharge",
    "ask_plan_break", "ask_plan_next_cycle", "ask_plan_bloods", "ask_plan_premedication",
    "ask_plan_last_infusion", "ask_plan_interruption", "ask_plan_summary",
    "inform_plan_facts", "restart_plan",
}
OTHER_INTENTS = {
    "inform_indication", "report_symptom", "start_triage",
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope",
    "ask_uncovered", "ask_more", "request_callback", "delete_conversation",
}
MIN_TRAINING = 15
MIN_HOLDOUT = 4
# A holdout sentence this similar to a training sentence is a near copy, not a new way to ask.
NEAR_DUPLICATE_RATIO = 0.85


def normalise(text: str) -> str:
    """Lower case, punctuation dropped, spaces collapsed: "What's the dose?" -> "whats the dose"."""
    text = re.sub(r"[^\w\s]", "", text.lower())
    return " ".join(text.split())


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(intent, example) pairs of one Rasa 3.1 NLU file, in file order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert document.get("version") == "3.1", f"{path.name}: version must be \"3.1\""
    assert isinstance(document.get("nlu"), list), f"{path.name}: no nlu list"
    pairs = []
    for block in document["nlu"]:
        intent = block["intent"]
        for line in block["examples"].splitlines():
            line = line.strip()
            if not line:
                continue
            assert line.startswith("- "), f"{path.name}/{intent}: not an example line: {line!r}"
            pairs.append((intent, line[2:].strip()))
    return pairs


def training_files() -> list[Path]:
    return sorted(NLU_DIR.glob("*.yml"))


@pytest.fixture(scope="module")
def training() -> list[tuple[str, str]]:
    return [pair for path in training_files() for pair in read_examples(path)]


@pytest.fixture(scope="module")
def holdout() -> list[tuple[str, str]]:
    return read_examples(HOLDOUT)


@pytest.fixture(scope="module")
def expected_intents() -> set[str]:
    topics = yaml.safe_load(TOPICS.read_text(encoding="utf-8"))["topics"]
    return {f"ask_{topic}" for topic in topics} | PLAN_INTENTS | OTHER_INTENTS


def test_training_files_are_split_by_topic_group():
    names = {path.name for path in training_files()}
    assert {"about_medicine.yml", "dosing.yml", "administration.yml", "side_effects.yml",
            "safety.yml", "practical.yml", "plan.yml", "conversation.yml"} <= names


def test_every_topic_of_the_knowledge_base_has_its_intent(training):
    topics = yaml.safe_load(TOPICS.read_text(encoding="utf-8"))["topics"]
    # topics.yml fixes 33 topics; each must be asked about as ask_<topic>.
    assert len(topics) == 33
    intents = {intent for intent, _ in training}
    missing = sorted(f"ask_{topic}" for topic in topics if f"ask_{topic}" not in intents)
    assert missing == []


def test_intents_are_exactly_the_agreed_ones(training, expected_intents):
    # 33 topics + 13 plan intents + 14 others = 60; anything else (e.g. a red-flag intent,
    # which the triage package handles instead) is a mistake.
    assert len(expected_intents) == 60
    assert {intent for intent, _ in training} == expected_intents


def test_every_intent_has_enough_training_examples(training, expected_intents):
    counts = Counter(intent for intent, _ in training)
    too_few = {intent: counts[intent] for intent in expected_intents if counts[intent] < MIN_TRAINING}
    assert too_few == {}


def test_no_training_example_appears_twice_or_in_two_intents(training):
    seen = defaultdict(list)
    for intent, text in training:
        seen[normalise(text)].append(intent)
    repeated = {text: intents for text, intents in seen.items() if len(intents) > 1}
    assert repeated == {}


PERSONAL_WORD = re.compile(r"\b(my|me|i|im|we|our|us|he|she|his|her|him|sons?|daughters?)\b")
# The general question that each personal-plan question is most easily confused with.
GENERAL_COUNTERPARTS = {
    "ask_dosing", "ask_cycles", "ask_bag_change", "ask_hospital_stay", "ask_interruption",
    "ask_premedication", "ask_blood_tests",
}


def test_personal_plan_questions_speak_of_the_patient(training):
    # The classifier tells "when is my next bag change" from "how often is the bag changed" by
    # the personal words; a few terse fragments ("next bag change?") may lack them, most may not.
    plan = [(intent, text) for intent, text in training
            if intent.startswith("ask_plan_")]
    by_intent = defaultdict(list)
    for intent, text in plan:
        by_intent[intent].append(bool(PERSONAL_WORD.search(normalise(text))))
    weak = {intent: sum(flags) / len(flags) for intent, flags in by_intent.items()
            if sum(flags) / len(flags) < 0.9}
    assert len(by_intent) == 11 and weak == {}


def test_general_counterparts_never_ask_about_ones_own_dates(training):
    # "when ... my" is what makes a schedule question personal (actions/parsing.py), so the general
    # twins never say it, though carers write "my husband" in general questions too.
    from actions.parsing import asks_about_own_dates

    mine = [(intent, text) for intent, text in training
            if intent in GENERAL_COUNTERPARTS and asks_about_own_dates(text)]
    assert mine == []


def test_examples_carry_no_entity_annotations(training, holdout):
    # Entities come from the EntityRuler, so "[drip](medicine)" markup would only mislead DIET.
    annotated = [text for _, text in training + holdout if re.search(r"\]\(|\]\{", text)]
    assert annotated == []


def test_rasa_reads_the_training_data_as_written(training):
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(NLU_DIR))
    assert len(data.training_examples) == len(training)
    assert data.intents == {intent for intent, _ in training}
    assert data.entities == set()


def test_holdout_covers_every_intent(holdout, expected_intents):
    counts = Counter(intent for intent, _ in holdout)
    too_few = {intent: counts[intent] for intent in expected_intents if counts[intent] < MIN_HOLDOUT}
    assert too_few == {}
    assert set(counts) == expected_intents


def test_holdout_has_no_repeats(holdout):
    counts = Counter(normalise(text) for _, text in holdout)
    assert [text for text, n in counts.items() if n > 1] == []


def test_no_holdout_example_equals_a_training_example(training, holdout):
    trained = {normalise(text) for _, text in training}
    copied = [text for _, text in holdout if normalise(text) in trained]
    assert copied == []


def test_no_holdout_example_is_a_near_copy_of_a_training_example(training, holdout):
    trained = [normalise(text) for _, text in training]
    near = []
    for _, text in holdout:
        mine = normalise(text)
        matcher = difflib.SequenceMatcher(b=mine)
        for other in trained:
            matcher.set_seq1(other)
            # The cheap upper bounds first: ratio() on every pair would take seconds.
            if (matcher.real_quick_ratio() >= NEAR_DUPLICATE_RATIO
                    and matcher.quick_ratio() >= NEAR_DUPLICATE_RATIO
                    and matcher.ratio() >= NEAR_DUPLICATE_RATIO):
                near.append((text, other))
                break
    assert near == []


def test_normalise_ignores_case_and_punctuation():
    # The duplicate checks above rely on this: these two are the same question.
    assert normalise("What's the DOSE?") == normalise("whats the dose")
    assert normalise("bag change") != normalise("bag chnage")
