"""frontdesk/ and actions/request_time.py: opening hours and holidays, phone numbers, the patient's words
for a request, the request store, and the masking of what Rasa's tracker keeps."""
import datetime as dt
import re

import pytest
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered

from actions.request_time import BestTime, check_best_time, find_best_time
from assistant.privacy import masked_events
from frontdesk import details, phones
from frontdesk.hours import FrontDeskHours, describe_hours, when_words
from frontdesk.request_store import RequestError, RequestStore
from knowledge.clinic import clinic_settings

CLINIC = clinic_settings()
HOURS = FrontDeskHours.from_settings(CLINIC)
ZONE = HOURS.zone


def at(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZONE)


@pytest.mark.parametrize("now, open_now, said, holidays", [
    ("2026-12-10T10:00", True, "10:00 today", ()),  # Thursday, within 8:00-17:00
    ("2026-12-10T23:00", False, "8:00 tomorrow", ()),
    ("2026-12-11T07:59", False, "8:00 today", ()),
    ("2026-12-11T17:00", False, "8:00 on Monday 14 December", ()),  # closing time is closed; then the weekend
    ("2026-12-24T23:00", False, "8:00 on Monday 28 December", ("Friday 25 December is Christmas Day",)),
])
def test_the_next_opening_skips_nights_weekends_and_public_holidays(now, open_now, said, holidays):
    opening = HOURS.next_opening(at(now))
    assert opening.open_now is open_now and when_words(opening.at, at(now)) == said
    assert opening.closed_days == holidays


def test_the_week_is_described_in_one_phrase():
    assert describe_hours(HOURS) == "Monday to Friday, 8:00 to 17:00 (closed on public holidays)"


@pytest.mark.parametrize("typed, said, stored", [
    ("(312) 555 0142", "312-555-0142", "+13125550142"),
    ("3125550142", "312-555-0142", "+13125550142"),
    ("call me on 312.555.0142 please", "312-555-0142", "+13125550142"),
    ("+44 20 7946 0958", "+44 20 7946 0958", "+442079460958"),  # another country: international format
])
def test_a_phone_number_is_said_back_in_the_clinics_format(typed, said, stored):
    number = phones.find_number(typed, CLINIC)
    assert phones.say_back(number, CLINIC) == said and phones.stored_form(number) == stored


@pytest.mark.parametrize("typed, reason", [
    ("555-0142", "area code"), ("312 555 01425 5", "whole phone number"), ("123-456-7890", "isn't a phone number"),
])
def test_a_number_that_cannot_be_called_is_refused_with_the_reason(typed, reason):
    with pytest.raises(phones.PhoneNumberError, match=reason):
        phones.find_number(typed, CLINIC)


def test_no_digits_is_no_number():
    assert phones.find_number("tomorrow please", CLINIC) is None


def test_masking_keeps_the_clinics_numbers_and_dates():
    text = "I'm on 312-555-0142 (or 555 0142); the desk is 469-391-0070; I started 2026-12-10, 7/12"
    masked = phones.mask_numbers(text, CLINIC, keep=[CLINIC["front_desk_phone"]])
    assert "0142" not in masked and masked.count(phones.MASK) == 2
    assert "469-391-0070" in masked and "2026-12-10" in masked and "7/12" in masked


@pytest.mark.parametrize("text, name", [
    ("Can someone call me back? My name is Jane Doe, my number is 312", "Jane Doe"),
    ("this is J. Ortiz on 469 555 0111", "J. Ortiz"),
    ("call me back about my rash", None),
])
def test_a_name_in_a_sentence_is_found_by_its_introduction(text, name):
    assert details.find_name(text) == name


def test_a_name_answer_is_a_name_or_initials():
    assert details.read_name_answer("my name is Priya Raman.") == "Priya Raman"
    assert details.read_name_answer("JD") == "JD"
    for not_a_name in ("312 555 0142", "", "I would like you to call me on the landline please"):
        with pytest.raises(details.RequestInputError):
            details.read_name_answer(not_a_name)


@pytest.mark.parametrize("text, kind", [
    ("can someone call me back", details.CALL_BACK), ("book me a video visit", details.TELEMEDICINE),
    ("I'd like a telehealth appointment", details.TELEMEDICINE), ("tomorrow morning", None),
])
def test_the_kind_of_request(text, kind):
    assert details.find_kind(text) == kind


def test_the_reason_is_the_patients_own_words():
    assert details.find_reason("call me back tomorrow, it's about my next bag change. thanks") == "my next bag change"
    assert details.find_reason("call me back tomorrow") is None


THURSDAY = at("2026-12-10T10:00")


@pytest.mark.parametrize("words, day, part", [
    ("tomorrow morning", dt.date(2026, 12, 11), "morning"),
    ("Monday afternoon", dt.date(2026, 12, 14), "afternoon"),
    ("this afternoon", dt.date(2026, 12, 10), "afternoon"),
    ("morning", dt.date(2026, 12, 10), "morning"),  # at 10:00 this morning is not over yet
    ("afternoon", dt.date(2026, 12, 10), "afternoon"),
    ("Friday", dt.date(2026, 12, 11), None),
])
def test_the_best_time_is_read_like_the_plan_forms_dates(words, day, part):
    best = check_best_time(find_best_time(words, THURSDAY, CLINIC), THURSDAY, HOURS, CLINIC)
    assert (best.day, best.part) == (day, part)


@pytest.mark.parametrize("words, now, why", [
    ("tomorrow evening", "2026-12-10T10:00", "works from 8:00 to 17:00 on Fridays"),
    ("Saturday morning", "2026-12-10T10:00", "closed on Saturday 12 December"),
    ("tomorrow morning", "2026-12-24T23:00", "closed on Friday 25 December (Christmas Day)"),
    ("this morning", "2026-12-10T13:00", "already over today"),
    ("12/01", "2026-12-10T10:00", "has already passed"),  # 1 December (month first, as the clinic reads)
])
def test_a_time_the_desk_cannot_keep_is_refused_with_the_reason(words, now, why):
    with pytest.raises(details.RequestInputError, match=re.escape(why)):
        check_best_time(find_best_time(words, at(now), CLINIC), at(now), HOURS, CLINIC)


def test_a_part_of_the_day_alone_is_the_next_open_one():
    night = at("2026-12-24T23:00")
    best = check_best_time(find_best_time("morning", night, CLINIC), night, HOURS, CLINIC)
    assert best.words() == "Monday 28 December, morning"  # after Christmas Day and the weekend


def test_as_soon_as_possible_and_nothing_at_all():
    assert find_best_time("as soon as possible", THURSDAY, CLINIC) == BestTime(asap=True)
    assert find_best_time("my number is 312 555 0142", THURSDAY, CLINIC) is None  # digits are not a date


@pytest.fixture
def store(tmp_path):
    return RequestStore(tmp_path / "triage.db")


def test_a_draft_is_not_in_the_queue_until_it_is_sent(store):
    draft = store.update_draft("chat-1", kind="call back", name="Jane Doe")
    assert store.queue() == [] and draft.status == "draft"
    with pytest.raises(RequestError):
        store.get(draft.reference)  # the console never sees an unfinished request
    sent = store.submit("chat-1")
    assert sent.reference == draft.reference and sent.status == "new" and sent.name == "Jane Doe"
    assert [(c.status, c.who) for c in sent.changes] == [("new", "the patient, in the chat")]


def test_every_change_records_who_and_when_and_a_note(store):
    store.update_draft("chat-1", name="A")
    reference = store.submit("chat-1").reference
    store.change(reference, "called", "left a voicemail", "Front Desk Demo")
    changed = store.change(reference, "booked", "", "Another Person")
    assert changed.status == "booked"
    assert [(c.status, c.who, c.note) for c in changed.changes] == [
        ("new", "the patient, in the chat", None), ("called", "Front Desk Demo", "left a voicemail"),
        ("booked", "Another Person", None)]
    assert all(dt.datetime.fromisoformat(c.at).tzinfo for c in changed.changes)


@pytest.mark.parametrize("status, note, who, why", [
    ("lost", None, "A", "status must be one of"), ("called", "x" * 501, "A", "at most 500"),
    ("called", None, " ", "who made it"),
])
def test_a_bad_change_is_refused_and_changes_nothing(store, status, note, who, why):
    store.update_draft("chat-1", name="A")
    reference = store.submit("chat-1").reference
    with pytest.raises(RequestError, match=why):
        store.change(reference, status, note, who)
    assert store.get(reference).status == "new" and len(store.get(reference).changes) == 1


def test_the_queue_is_open_first_urgent_first_then_the_oldest(store):
    references = {}
    for sender, urgency in (("old", "routine"), ("closed", "emergency"), ("urgent", "emergency"), ("new", "routine")):
        store.update_draft(sender, urgency=urgency)
        references[sender] = store.submit(sender).reference
    store.change(references["closed"], "closed", None, "A")
    assert [r.sender_id for r in store.queue()] == ["urgent", "old", "new", "closed"]


def test_a_cancelled_draft_is_deleted_with_its_details(store):
    store.update_draft("chat-1", name="Jane Doe", phone="+13125550142")
    store.discard_draft("chat-1")
    assert store.draft("chat-1") is None
    with pytest.raises(RequestError):
        store.submit("chat-1")


def test_references_are_unique(store):
    seen = {store.update_draft(f"chat-{n}", name="A").reference for n in range(50)}
    assert len(seen) == 50 and all(r.startswith("R-") for r in seen)


def test_what_the_tracker_keeps_of_a_request_is_masked():
    events = [
        UserUttered("book me a video visit, my name is Jane Doe", {"name": "request_callback"}),
        ActionExecuted("request_form"), ActiveLoop("request_form"), SlotSet("requested_slot", "request_name"),
        BotUttered("What name should the front desk ask for?"), ActionExecuted("action_listen"),
        UserUttered("Okafor", {"name": "inform"}),
        SlotSet("request_name", "Okafor"),  # a careless action: masked all the same
        SlotSet("requested_slot", "request_phone"),
        UserUttered("312 555 0142", {"name": "inform"}),
        BotUttered("Thank you: they will call 312-555-0142. Or call us on 469-391-0070."),
        ActiveLoop(None), SlotSet("requested_slot", None),
        UserUttered("Okafor is my favourite band", {"name": "out_of_scope"}),  # outside the form: kept
        BotUttered("This is general information, not medical advice."),
    ]
    stored = masked_events(events, 0)
    texts = [e.get("text") for e in stored if e["event"] in ("user", "bot")]
    assert texts == ["book me a video visit, my name is [name]", "What name should the front desk ask for?",
                     "[name]", "[phone number]", "Thank you: they will call [phone number]. Or call us on 469-391-0070.",
                     "Okafor is my favourite band", "This is general information, not medical advice."]
    assert [e["value"] for e in stored if e.get("name") == "request_name"] == ["[given]"]
    assert stored[6]["parse_data"]["text"] == "[name]"
    later = masked_events(events, 10)  # only the new events are returned, read in their context
    assert len(later) == 5 and "[phone number]" in later[0]["text"]
