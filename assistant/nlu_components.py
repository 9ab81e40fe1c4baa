"""A Rasa NLU component that checks every message for red flags after the classifier, so that a
reported red flag becomes the `red_flag` intent whatever the classifier thought. A message from the
staff console escalates only when it relays a patient going through it now; otherwise it is a
colleague's protocol question and goes to the classifier's answer."""
import re
from typing import Any, Dict, List

import assistant.rasa_fixes  # noqa: F401  (loaded into the Rasa server with the model)
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    ENTITIES,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT_RANKING_KEY,
    METADATA,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.parsing import asks_a_date, names_a_plan_fact, statement_and_question
from frontdesk.details import asks_to_be_called_back
from triage import redflags

RED_FLAG_INTENT = "red_flag"
REQUEST_INTENT = "request_callback"
# A short follow-up ("and after that?", "neuts?", "dex on restart?") is often heard as small talk.
CONVERSATIONAL_INTENTS = frozenset({"thank", "affirm", "deny", "greet", "goodbye", "bot_challenge", "out_of_scope",
                                    "restart_plan"})
FOLLOW_UP_OPENING = re.compile(r"^\W*(?:and|what about|how about|same for|for how long|how long for|or)\b", re.I)
PLAIN_REPLY = re.compile(r"^\W*(?:yes|yeah|yep|yup|no|nope|nah|ok|okay|sure|thanks?|thank you|ta|cheers|bye|"
                         r"goodbye|hi|hello|hey)\b[\W]*$", re.I)
# "who are you?", "what are you?": a short question about the assistant, not about the medicine.
ABOUT_THE_ASSISTANT = re.compile(r"^\W*(?:(?:who|what)\s+(?:are|r)|who\s+(?:made|built|created|programmed))\s+"
                                 r"(?:you|u|ya)\W*$", re.I)
RESTART_WORDS = re.compile(r"\b(?:start (?:again|over)|forget|reset|clear)\b", re.I)
SHORT_QUESTION_WORDS = 4
PLAN_FACTS_INTENT = "inform_plan_facts"
SYMPTOM_INTENT = "report_symptom"
TERM_ENTITIES = frozenset({"test", "medicine", "side_effect", "equipment"})


def overrule(message: Message, intent_name: str) -> None:
    """The message's intent, whatever the classifier thought: alone in the ranking, so that the
    FallbackClassifier's ambiguity check cannot undo it (a classifier 0.99 sure of a topic would)."""
    intent = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent], add_to_output=True)


def follow_up_question(text: str, intent: str) -> bool:
    """Whether a message the classifier took for small talk is a follow-up question about the medicine."""
    if intent not in CONVERSATIONAL_INTENTS or text.startswith("/") or PLAIN_REPLY.search(text):
        return False
    if RESTART_WORDS.search(text) or ABOUT_THE_ASSISTANT.search(text):
        return False
    short_question = text.strip().endswith("?") and len(text.split()) <= SHORT_QUESTION_WORDS
    return bool(FOLLOW_UP_OPENING.search(text) or short_question)


# "10 days?", "and if it's 3 wks?": a length asked about, after the rule for a stop, is not a stop being told.
BARE_LENGTH_QUESTION = re.compile(
    r"^\W*(?:and|or|what about|how about|what if|and if|if)?\s*(?:it'?s|it is|it was|its|for|after)?\s*"
    r"(?:\d{1,3}|a|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|sixteen|twenty)"
    r"\s*(?:days?|d|wks?|weeks?)?\s*\?+\s*$", re.I)
LENGTH_INTENTS = frozenset({PLAN_FACTS_INTENT, "ask_plan_interruption"})


def reports_symptom_not_a_plan_question(message: Message, text: str) -> bool:
    """"I keep getting dizzy since starting blina three days ago": heard as the patient's own plan (a start
    is told), it reports a side effect now and asks no date, so it gets the side-effect reply, not the form."""
    intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
    if not (intent == PLAN_FACTS_INTENT or intent.startswith("ask_plan_")) or text.startswith("/"):
        return False
    return bool(redflags.check(text).symptoms) and not asks_a_date(statement_and_question(text).asked)


def detail_for_the_question(message: Message, intent: str) -> bool:
    """"CrCl is 18 though" after a question about allopurinol: heard as a plan fact, it names a term
    of the knowledge base and gives nothing a plan is made from, so it adds to the question before.
    So does a bare length asked about ("12 days?") after the rule for a stop."""
    if intent in LENGTH_INTENTS and BARE_LENGTH_QUESTION.search(message.get(TEXT) or ""):
        return True
    if intent != PLAN_FACTS_INTENT:
        return False
    labels = {entity.get(ENTITY_ATTRIBUTE_TYPE) for entity in message.get(ENTITIES) or []}
    return bool(labels & TERM_ENTITIES) and "indication" not in labels and not names_a_plan_fact(
        message.get(TEXT) or "")


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class FollowUpClassifier(GraphComponent):
    """Gives a follow-up heard as small talk the likeliest knowledge question instead; the answer action
    then reads it with the question before it."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "FollowUpClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
            if not (follow_up_question(message.get(TEXT) or "", intent) or detail_for_the_question(message, intent)):
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            asked = [r for r in ranking if str(r.get(INTENT_NAME_KEY, "")).startswith("ask_")
                     and not str(r.get(INTENT_NAME_KEY, "")).startswith("ask_plan_")]
            if asked:
                message.set(INTENT, dict(asked[0]), add_to_output=True)
                message.set(INTENT_RANKING_KEY, asked + [r for r in ranking if r not in asked], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RequestClassifier(GraphComponent):
    """A patient's message that asks to be called back is a request to the front desk, whatever its reason
    is about ("call me back about my next bag change" is not a plan question); a red flag still wins."""

    @classmethod
    def create(cls, config: Dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "RequestClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            staff = (message.get(METADATA) or {}).get("audience") == "staff"
            if staff or text.startswith("/") or not asks_to_be_called_back(text):
                continue
            overrule(message, REQUEST_INTENT)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class RedFlagClassifier(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RedFlagClassifier":
        redflags.preload()  # build the lexicon at model load, not during the first user's message
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            audience = (message.get(METADATA) or {}).get("audience") or "patient"
            text = message.get(TEXT) or ""
            if redflags.escalation(text, audience):
                overrule(message, RED_FLAG_INTENT)
            elif audience == "patient" and reports_symptom_not_a_plan_question(message, text):
                overrule(message, SYMPTOM_INTENT)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
