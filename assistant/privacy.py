"""What Rasa's tracker store keeps of a request to the front desk: the patient's phone numbers and name
are masked in the stored events (their messages, the bot's replies, the request slots), because the
request store holds them and nothing else may. The clinic's own numbers, which the assistant gives
out, stay."""
from typing import Any, Dict, Iterable, List, Optional

from rasa.shared.core.events import ActiveLoop, Event, Restarted, SessionStarted, SlotSet

from frontdesk.details import GIVEN, MASKED_NAME, name_span
from frontdesk.phones import mask_numbers
from knowledge.clinic import clinic_settings

REQUEST_FORM = "request_form"
PRIVATE_SLOTS = frozenset({"request_name", "request_phone", "request_reason"})
WHOLE_ANSWER_SLOTS = {"request_name": MASKED_NAME}  # the answer to "what name ...?" is all name


def _clinic_numbers(clinic: dict) -> tuple:
    return str(clinic.get("front_desk_phone", "")), str(clinic.get("emergency_phone", ""))


def mask_text(text: str, clinic: dict) -> str:
    """Phone numbers (any but the clinic's own) and a name said as "my name is ..." masked."""
    text = mask_numbers(text, clinic, keep=_clinic_numbers(clinic))
    span = name_span(text)
    return text[:span[0]] + MASKED_NAME + text[span[1]:] if span else text


def _mask_event(data: Dict[str, Any], asked: Optional[str], clinic: dict) -> Dict[str, Any]:
    kind = data.get("event")
    if kind == "user" and isinstance(data.get("text"), str):
        text = WHOLE_ANSWER_SLOTS.get(asked) or mask_text(data["text"], clinic)
        data["text"] = text
        if isinstance(data.get("parse_data"), dict) and "text" in data["parse_data"]:
            data["parse_data"]["text"] = text
    elif kind == "bot" and isinstance(data.get("text"), str):  # the assistant never says a name back
        data["text"] = mask_numbers(data["text"], clinic, keep=_clinic_numbers(clinic))
    elif kind == "slot" and data.get("name") in PRIVATE_SLOTS and data.get("value") not in (None, GIVEN):
        data["value"] = GIVEN
    return data


def masked_events(events: Iterable[Event], start: int) -> List[Dict[str, Any]]:
    """The stored form (as_dict) of the events from `start` on, masked; the earlier events tell which
    question of the request form a message answers."""
    clinic = clinic_settings()
    loop, requested, masked = None, None, []
    for index, event in enumerate(events):
        if index >= start:
            masked.append(_mask_event(event.as_dict(), requested if loop == REQUEST_FORM else None, clinic))
        if isinstance(event, ActiveLoop):
            loop = event.name
        elif isinstance(event, SlotSet) and event.key == "requested_slot":
            requested = event.value
        elif isinstance(event, (Restarted, SessionStarted)):
            loop, requested = None, None
    return masked
