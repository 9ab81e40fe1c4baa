"""assistant/rasa_fixes.py: Rasa behaves as documented, and as before, with the fixes installed."""
import asyncio
import gc

import jsonschema
import pytest

import assistant.rasa_fixes  # noqa: F401  installs the fixes, as loading the model does
from assistant.rasa_fixes import settle_loaded_objects
from rasa.core.actions.action import ActionExtractSlots
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker


def test_rasa_still_rejects_a_malformed_action_response_after_the_speed_up():
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction("action_x", None).action_response_format_spec()
    jsonschema.validate({"events": [{"event": "slot", "name": "indication", "value": "mrd-positive"}],
                         "responses": [{"text": "hi"}]}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"events": [{"event": "slot", "timestamp": "not a number"}]}, schema)
    with pytest.raises(jsonschema.SchemaError):  # a broken schema is still refused
        jsonschema.validate({}, {"type": "no such type"})


def test_a_slot_mapping_actions_message_reaches_the_user():
    domain = Domain.from_yaml("""
version: "3.1"
slots:
  plan_start:
    type: text
    mappings:
      - type: custom
""")
    tracker = DialogueStateTracker.from_events("patient", [UserUttered("it started on 31 February")], domain.slots)
    refused = BotUttered("there is no day 31 in February 2026")
    events = asyncio.run(ActionExtractSlots(None)._execute_validation_action(
        [refused, SlotSet("plan_start", None)], None, None, tracker, domain))
    assert events == [refused, SlotSet("plan_start", None)]


def test_events_are_read_back_as_their_own_classes():
    read = [Event.from_parameters(event.as_dict()) for event in
            (UserUttered("hello"), SlotSet("indication", "mrd-positive"), ActionExecuted("action_listen"))]
    assert [type(event) for event in read] == [UserUttered, SlotSet, ActionExecuted]
    assert Event.from_parameters({"event": "slot", "name": "indication", "value": "ph-positive"}) == SlotSet(
        "indication", "ph-positive")
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet  # not remembered as the answer
    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")


def test_what_a_worker_has_loaded_is_left_out_of_later_collections():
    loaded = [{"weights": list(range(100))} for _ in range(1000)]
    try:
        settle_loaded_objects()
        assert gc.get_freeze_count() >= len(loaded)
        collected_over = {id(o) for o in gc.get_objects(generation=2)}
        assert not any(id(x) in collected_over for x in loaded)
    finally:
        gc.unfreeze()
