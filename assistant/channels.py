"""Rasa input channels (REST and socket.io) that refuse malformed input clearly and never leave the user in silence when the action server is down."""
import functools
import json
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.actions import action as rasa_actions
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as StockRestInput
from rasa.core.channels.socketio import SocketIOInput as StockSocketIOInput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from assistant.lifetime import worker_dies_with_its_server
from assistant.rasa_fixes import SocketIOOutputToRoom, awaited_session_request, settle_loaded_objects

logger = logging.getLogger(__name__)

# The widget's own limit is the same; a pasted page is refused, not run through the classifier.
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
MAX_METADATA_KEYS = 20


@functools.lru_cache(maxsize=1)
def cannot_look_up_text() -> str:
    """'I can't look that up right now, call the clinic on ...', from the clinic's own settings."""
    from knowledge.clinic import clinic_settings
    from knowledge.texts import render_text

    return render_text("cannot_look_up.j2", clinic=clinic_settings())


# Rasa itself handles these failing (the slots stay unfilled); an apology from them would be a second one.
SILENT_ACTIONS = ("action_extract_plan_facts",)


def apologised_this_turn(tracker) -> bool:
    """Whether the apology was already said since the user's latest message."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and event.text == cannot_look_up_text():
            return True
    return False


def _with_fallback(run):
    """RemoteAction.run that answers "call the clinic" instead of failing silently."""

    @functools.wraps(run)
    async def run_or_apologise(self, output_channel, nlg, tracker, domain):
        try:
            return await run(self, output_channel, nlg, tracker, domain)
        except rasa_actions.ActionExecutionRejection:
            raise  # a form's own "not this one" must reach the processor unchanged
        except Exception as error:  # action server down, slow or broken: the user still hears something
            if self.name() in SILENT_ACTIONS:
                raise
            logger.error("custom action %s failed: %s", self.name(), type(error).__name__)
            if apologised_this_turn(tracker):
                return []
            return [BotUttered(text=cannot_look_up_text(), metadata={"action_failed": self.name()})]

    run_or_apologise.blina_fallback = True
    return run_or_apologise


def install_action_fallback() -> None:
    """Rasa logs a failed custom action and says nothing; wrap RemoteAction once so it apologises."""
    if not getattr(rasa_actions.RemoteAction.run, "blina_fallback", False):
        rasa_actions.RemoteAction.run = _with_fallback(rasa_actions.RemoteAction.run)


# Loading this module is how Rasa learns of the channels (credentials file), so the hook goes in here.
install_action_fallback()


def refusal(status: int, reason: str) -> HTTPResponse:
    return response.json({"error": reason}, status=status)


def checked_message(body: Any) -> Dict[str, Any]:
    """The webhook body's sender, message and metadata, or ValueError saying what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object with 'sender' and 'message'")
    sender, message, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS or not sender.isprintable():
        raise ValueError(f"'sender' must be a string of 1-{MAX_SENDER_CHARS} characters")
    if not isinstance(message, str):
        raise ValueError("'message' must be a string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ValueError(f"'message' must be at most {MAX_MESSAGE_CHARS} characters")
    if metadata is not None and (not isinstance(metadata, dict) or len(metadata) > MAX_METADATA_KEYS):
        raise ValueError("'metadata' must be a small JSON object")
    # NUL, other control characters and lone surrogates mean nothing in a chat message: a space each.
    cleaned = "".join(c if c.isprintable() or c in "\n\t" else " " for c in message)
    if not cleaned.strip():  # the classifier fails on a message without a single feature
        raise ValueError("'message' must not be empty")
    return {"sender": sender, "message": cleaned, "metadata": metadata}


def sender_ok(sender: Any) -> bool:
    """Whether a sender (a socket.io session id) is one the REST channel would take."""
    try:
        checked_message({"sender": sender, "message": "-"})
    except ValueError:
        return False
    return True


def listen_as_a_worker(blueprint: Blueprint) -> None:
    """Each Sanic worker dies with its Rasa server, and settles what it has loaded once it serves."""
    blueprint.listener("before_server_start")(lambda _app, _loop: worker_dies_with_its_server())
    # Each Sanic worker has loaded the model by now (Rasa loads it before the server starts).
    blueprint.listener("after_server_start")(lambda _app, _loop: settle_loaded_objects())


class RestInput(StockRestInput):
    """Rasa's REST webhook (same URL), with input checks and an apology instead of silence or a trace."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        listen_as_a_worker(webhook)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = request.json
            except Exception:  # sanic raises its own error for a body that is not JSON
                body = None
            try:
                checked = checked_message(body)
            except ValueError as problem:
                return refusal(400, str(problem))
            collector = CollectingOutputChannel()
            failed = False
            try:
                await on_new_message(UserMessage(
                    checked["message"], collector, checked["sender"],
                    input_channel=self.name(), metadata=checked["metadata"],
                ))
            except CancelledError:
                failed = True
                logger.error("rest: the message was cancelled before it was answered")
            except Exception as error:  # never the text: it may hold personal data
                failed = True
                logger.error("rest: the message could not be handled (%s)", type(error).__name__)
                logger.debug("rest: the failure in full", exc_info=True)
            messages: List[Dict[str, Any]] = collector.messages
            if failed and not messages:
                messages = [{"recipient_id": checked["sender"], "text": cannot_look_up_text()}]
            return response.json(messages)

        return webhook


class SocketIOInput(StockSocketIOInput):
    """Rasa's socket.io channel (same path and events) whose replies reach the client, with allowed
    origins from credentials.yml (`cors_allowed_origins`) and the REST channel's input checks.

    Rasa's one AsyncServer keeps a client's session in the process that accepted it, so this channel
    must be served by one Sanic worker (`blina serve` runs a Rasa of its own for it) or behind sticky
    routing (`make run-scaled`'s nginx).
    """

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "SocketIOInput":
        channel = super().from_credentials(credentials)
        # Not given: the page's own origin only (python-engineio's None); Rasa's [] checked none at all.
        channel.cors_allowed_origins = (credentials or {}).get("cors_allowed_origins")
        return channel

    cors_allowed_origins: Optional[List[Text]] = None

    def get_output_channel(self) -> Optional[OutputChannel]:
        return SocketIOOutputToRoom(self.sio, self.bot_message_evt) if self.sio is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        listen_as_a_worker(webhook)
        sio = self.sio
        sio.eio.cors_allowed_origins = self.cors_allowed_origins  # read by python-engineio on each request
        sio.on("session_request", namespace=self.namespace)(
            awaited_session_request(sio, self.session_persistence, self.namespace, sender_ok))

        async def say(room: Text, text: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=room, namespace=self.namespace)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            sender = data.get("session_id") if self.session_persistence else sid
            metadata = data.get(self.metadata_key)
            try:
                if isinstance(metadata, str):  # rasa-webchat sends it as JSON text
                    metadata = json.loads(metadata)
                checked = checked_message({"sender": sender, "message": data.get("message"), "metadata": metadata})
            except ValueError as problem:  # json's errors are ValueErrors too
                reason = "send session_request first" if self.session_persistence and not sender else problem
                await say(sid, f"That message could not be read: {reason}.")
                return
            output = SocketIOOutputToRoom(sio, self.bot_message_evt)
            try:
                await on_new_message(UserMessage(
                    checked["message"], output, checked["sender"],
                    input_channel=self.name(), metadata=checked["metadata"],
                ))
            except Exception as error:  # never the text: it may hold personal data
                logger.error("socketio: the message could not be handled (%s)", type(error).__name__)
                logger.debug("socketio: the failure in full", exc_info=True)
                if not output.sent:
                    await say(checked["sender"], cannot_look_up_text())

        return webhook
