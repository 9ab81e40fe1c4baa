"""A Rasa NLU component that checks every message for red flags after the classifier, so that a
reported red flag becomes the `red_flag` intent whatever the classifier thought. A message from the
staff console escalates only when it relays a patient going through it now; otherwise it is a
colleague's protocol question and goes to the classifier's answer."""
from typing import Any, Dict, List

import assistant.rasa_fixes  # noqa: F401  (loaded into the Rasa server with the model)
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    METADATA,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from triage import redflags

RED_FLAG_INTENT = "red_flag"


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
            if redflags.escalation(message.get(TEXT) or "", audience):
                red_flag = {INTENT_NAME_KEY: RED_FLAG_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
                message.set(INTENT, red_flag, add_to_output=True)
                # Alone in the ranking, so the FallbackClassifier's ambiguity check cannot undo it.
                message.set(INTENT_RANKING_KEY, [red_flag], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
