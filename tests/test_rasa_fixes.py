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
    with pytest.raises(jsonschema.ValidationError):  # an event of no known type
        jsonschema.validate({"events": [{"event": "no_such_event"}]}, schema)
    with pytest.raises(jsonschema.ValidationError):  # a oneOf not told apart by event type still needs exactly one
        jsonschema.validate(3, {"oneOf": [{"type": "integer"}, {"minimum": 0}]})
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


# --- the socket.io channel --------------------------------------------------------------------------


def socketio_server_with_a_client():
    """A python-socketio AsyncServer with one client connected to its default namespace, and what it emits."""
    import socketio

    sio = socketio.AsyncServer(async_mode="asgi")
    emitted = []

    async def record(event, data=None, to=None, room=None, **kwargs):
        emitted.append((event, data, to or room))

    sio.emit = record
    sid = asyncio.run(sio.manager.connect("eio-1", "/"))
    return sio, sid, emitted


def test_a_session_request_puts_the_client_in_its_sessions_room():
    from assistant.rasa_fixes import awaited_session_request

    sio, sid, emitted = socketio_server_with_a_client()
    rooms = lambda: set(sio.rooms(sid))  # noqa: E731
    # What Rasa 3.6 does: enter_room without await, which python-socketio >= 5.10 never runs.
    with pytest.warns(RuntimeWarning, match="never awaited"):
        sio.enter_room(sid, "session-0")
        gc.collect()
    assert "session-0" not in rooms()

    handler = awaited_session_request(sio, True, None, lambda session_id: session_id != "bad id")
    asyncio.run(handler(sid, {"session_id": "session-1"}))
    assert "session-1" in rooms()
    assert emitted == [("session_confirm", "session-1", sid)]
    asyncio.run(handler(sid, {"session_id": "bad id"}))  # refused: a new one, as Rasa gives a missing one
    (_, new_id, _) = emitted[-1]
    assert new_id != "bad id" and new_id in rooms()


def test_custom_json_reaches_the_room_as_custom():
    import socketio
    from rasa.core.channels.socketio import SocketIOOutput

    from assistant.rasa_fixes import SocketIOOutputToRoom

    sio = socketio.AsyncServer(async_mode="asgi")
    # Rasa 3.6 passes the payload's keys to emit as arguments: the red-flag reply's urgency fails.
    with pytest.raises(TypeError):
        asyncio.run(SocketIOOutput(sio, "bot_uttered").send_custom_json("session-1", {"urgency": "emergency"}))

    sio, sid, emitted = socketio_server_with_a_client()
    output = SocketIOOutputToRoom(sio, "bot_uttered")
    asyncio.run(output.send_custom_json("session-1", {"urgency": "emergency"}))
    assert emitted == [("bot_uttered", {"custom": {"urgency": "emergency"}}, "session-1")]
    assert output.sent == 1
