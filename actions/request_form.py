"""The request to the front desk: a call back or a telemedicine visit. The form asks only for what the
patient has not said (the kind, a name or initials, a phone number, the best time, the reason), keeps
the name and the phone number in the request store only (the tracker gets a placeholder), and ends
with a reference and an honest time for when the front desk will see it."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet

from actions.common import SafeAction, latest_intent, now
from actions.request_time import check_best_time, find_best_time
from frontdesk import details, phones
from frontdesk.hours import FrontDeskHours, describe_hours, say_clock, when_words
from frontdesk.request_store import Request, RequestStore
from frontdesk.texts import render_text
from knowledge.clinic import clinic_settings
from triage import redflags
from triage.emergency import emergency_message

FORM = "request_form"
REQUEST_SLOTS = ("request_kind", "request_name", "request_phone", "request_time", "request_reason")
GIVEN = details.GIVEN
TRIAGE_PAYLOAD, NO_THANKS_PAYLOAD = "/start_triage", "/deny"
CONTACT_BUTTON = "/ask_contact"  # "Talk to a person" (utter_out_of_scope)
REQUEST_BUTTONS = [{"title": "Ask for a call back", "payload": "I'd like a call back"},
                   {"title": "Book a telemedicine visit", "payload": "I'd like a telemedicine visit"}]


@functools.lru_cache(maxsize=1)
def front_desk_hours() -> FrontDeskHours:
    return FrontDeskHours.from_settings(clinic_settings())


def hours_now(tracker: Tracker) -> str:
    """The honest time: open now until when, or when it opens next (and the holidays in between)."""
    moment = now(tracker)
    opening = front_desk_hours().next_opening(moment)
    return render_text("desk_hours.j2", opening=opening, when=when_words(opening.at, moment),
                       closes=say_clock(opening.closes) if opening.closes else "")


@dataclass
class Reading:
    """What one message gives the request: fields for the store, placeholders for the tracker's slots,
    and what to say (a number said back, a refusal, the emergency answer)."""

    fields: Dict[str, Any] = field(default_factory=dict)
    slots: Dict[str, Any] = field(default_factory=dict)
    said: List[str] = field(default_factory=list)
    red_flag: Optional[redflags.RedFlagCheck] = None

    def refuse(self, reason: str, slot: str) -> None:
        self.said.append(render_text("request_refused.j2", reason=reason))
        self.slots[slot] = None


def read_request(text: str, requested: Optional[str], tracker: Tracker) -> Reading:
    """Reads everything a message gives; the slot being asked for takes the whole answer (a name, the
    reason), other details only when the words say what they are ("my name is ...", "about ...")."""
    settings, reading = clinic_settings(), Reading()
    refuse = reading.refuse
    free_words = requested in ("request_name", "request_reason")  # "Dawn" is a name, not a time of day

    kind = None if free_words else details.find_kind(text)
    if kind and (requested == "request_kind" or not tracker.get_slot("request_kind")):
        reading.fields["kind"], reading.slots["request_kind"] = kind, kind
    elif requested == "request_kind":
        refuse("I didn't catch which you would like", "request_kind")

    try:
        number = phones.find_number(text, settings)
    except phones.PhoneNumberError as problem:
        number = None
        if requested in ("request_phone", None) or not tracker.get_slot("request_phone"):
            refuse(f"{problem}. Please give the whole number, with the area code, for example "
                   f"{settings['front_desk_phone']}", "request_phone")
    if number is not None:
        said = phones.say_back(number, settings)
        reading.fields.update(phone=phones.stored_form(number), phone_said=said)
        reading.slots["request_phone"] = GIVEN
        reading.said.append(render_text("request_phone_said.j2", phone=said))
    elif requested == "request_phone" and "request_phone" not in reading.slots:
        refuse("I couldn't find a phone number in that", "request_phone")

    if requested == "request_name":
        try:
            reading.fields["name"], reading.slots["request_name"] = details.read_name_answer(text), GIVEN
        except details.RequestInputError as problem:
            refuse(str(problem), "request_name")
    elif name := details.find_name(text):
        reading.fields["name"], reading.slots["request_name"] = name, GIVEN

    moment = now(tracker)
    try:
        best = None if free_words else find_best_time(text, moment, settings)
        if best is not None:
            best = check_best_time(best, moment, front_desk_hours(), settings)
            reading.fields["best_time"] = reading.slots["request_time"] = best.words()
        elif requested == "request_time":
            refuse("I couldn't read a day or a time of day in that", "request_time")
    except details.RequestInputError as problem:
        refuse(str(problem), "request_time")

    reason = None
    if requested == "request_reason":
        try:
            reason = details.read_reason_answer(text)
        except details.RequestInputError as problem:
            refuse(str(problem), "request_reason")
    elif requested is None:
        reason = details.find_reason(text)
    if reason:
        reading.fields["reason"], reading.slots["request_reason"] = reason, GIVEN
        found = redflags.check(reason)
        if found.tier:  # a red flag as the reason: the emergency answer at once, and the request marked
            reading.red_flag = found
            reading.fields["urgency"] = found.tier
    return reading


def clear_slots() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in REQUEST_SLOTS]


class ValidateRequestForm(SafeAction):
    """Reads each message inside the form; Rasa's form then asks for the first slot still empty."""

    def name(self) -> Text:
        return "validate_request_form"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        requested = tracker.get_slot("requested_slot")
        store = RequestStore()
        if requested and details.wants_to_cancel(text):
            store.discard_draft(tracker.sender_id)
            dispatcher.utter_message(text=render_text("request_cancelled.j2"))
            return clear_slots() + [SlotSet("requested_slot", None), ActiveLoop(None)]
        if latest_intent(tracker) == "red_flag":
            return []  # nothing taken: the form is rejected and action_red_flag answers at once
        reading = read_request("" if text.startswith("/") else text, requested, tracker)
        if reading.fields:
            store.update_draft(tracker.sender_id, **reading.fields)
        if reading.red_flag:  # the emergency answer before anything else
            dispatcher.utter_message(text=emergency_message(reading.red_flag),
                                     json_message={"urgency": reading.red_flag.tier})
        slots = dict(reading.slots)
        if requested is None and any(  # the form starts: nothing has been asked yet
                (slots[s] if s in slots else tracker.get_slot(s)) is None for s in REQUEST_SLOTS):
            dispatcher.utter_message(text=render_text("request_intro.j2", hours=hours_now(tracker),
                                                      clinic=clinic_settings()))
        for said in reading.said:
            dispatcher.utter_message(text=said)
        if requested and requested not in slots:
            slots[requested] = None  # nothing usable for the slot asked: the form asks again
        # At activation one slot event at least, so that Rasa does not run this validation a second time.
        slots.setdefault("request_kind", tracker.get_slot("request_kind"))
        return [SlotSet(slot, value) for slot, value in slots.items()]


class ActionAskRequestKind(SafeAction):
    def name(self) -> Text:
        return "action_ask_request_kind"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=render_text("request_ask_kind.j2"),
                                 buttons=[{"title": "A call back", "payload": "a call back"},
                                          {"title": "A telemedicine visit", "payload": "a telemedicine visit"}])
        return []


class ActionAskRequestTime(SafeAction):
    def name(self) -> Text:
        return "action_ask_request_time"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(text=render_text("request_ask_time.j2", kind=tracker.get_slot("request_kind"),
                                                  hours=describe_hours(front_desk_hours())))
        return []


def receipt(request: Request, tracker: Tracker, offer_triage: bool) -> str:
    return render_text("request_sent.j2", request=request, hours=hours_now(tracker), clinic=clinic_settings(),
                       offer_triage=offer_triage)


class ActionSubmitRequest(SafeAction):
    """The form is complete: the request goes into the queue, and the patient gets the reference."""

    def name(self) -> Text:
        return "action_submit_request"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        store = RequestStore()
        if store.draft(tracker.sender_id) is None:
            return clear_slots()  # cancelled: nothing to send
        request = store.submit(tracker.sender_id)
        offer = not request.urgent
        buttons = [{"title": "Yes, do the pre-visit check", "payload": TRIAGE_PAYLOAD},
                   {"title": "No, thanks", "payload": NO_THANKS_PAYLOAD}] if offer else []
        dispatcher.utter_message(text=receipt(request, tracker, offer), buttons=buttons)
        return clear_slots() + [SlotSet("request_reference", request.reference)]


class ActionOfferRequest(SafeAction):
    """After the front desk's number: the offer of a call back or a visit; outside opening hours the
    "Talk to a person" button starts the request at once, since nobody can answer the phone."""

    def name(self) -> Text:
        return "action_offer_request"

    def respond(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        moment = now(tracker)
        opening = front_desk_hours().next_opening(moment)
        pressed = (tracker.latest_message.get("text") or "").strip() == CONTACT_BUTTON
        text = render_text("request_offer.j2", opening=opening, when=when_words(opening.at, moment))
        if pressed and not opening.open_now:
            return [FollowupAction(FORM)]  # the form's first words say when the desk opens
        dispatcher.utter_message(text=text, buttons=REQUEST_BUTTONS)
        return []


def file_emergency(tracker: Tracker, text: str, tier: str) -> Request:
    """A red flag inside the request, or in a message asking for one: the request goes into the queue at
    once, marked with the flag's tier, with the message as its reason and whatever details it has."""
    reading = read_request(text, None, tracker)  # only details the words name: the answer asked for is the flag
    store = RequestStore()
    store.update_draft(tracker.sender_id, **{**reading.fields, "reason": text[:details.REASON_MOST_CHARS],
                                            "urgency": tier})
    return store.submit(tracker.sender_id)


def asks_for_request(tracker: Tracker) -> bool:
    """Whether a red-flag message belongs to a request: one in progress, or one asked for in it."""
    text = tracker.latest_message.get("text") or ""
    return tracker.active_loop_name == FORM or (not tracker.active_loop_name and details.asks_for_request(text))


def attach_triage(tracker: Tracker, triage_id: int) -> None:
    """The pre-visit check done after a request is attached to it for the clinician."""
    reference = tracker.get_slot("request_reference")
    if reference:
        RequestStore().attach_triage(reference, triage_id)
