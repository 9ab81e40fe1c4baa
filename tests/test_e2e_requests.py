"""End to end: a call-back or telemedicine request through the REST channel, into the request store,
with today and the time fixed (message metadata), and no phone number or name left in Rasa's tracker
or in the logs."""
import re
import sqlite3
import uuid

import pytest
import requests

from frontdesk.request_store import RequestStore
from test_e2e_rest import texts, urgency
from triage.summaries import TriageStore

pytestmark = pytest.mark.slow

THURSDAY_MORNING = "2026-12-10T10:00"  # the front desk is open (Monday to Friday, 8:00 to 17:00)
THURSDAY_NIGHT = "2026-12-10T23:00"
CHRISTMAS_EVE_NIGHT = "2026-12-24T23:00"  # Friday 25 December 2026 is Christmas Day (a US public holiday)
REFERENCE = re.compile(r"\bR-\d{4,}\b")
# Every phone number and name the tests give, to be looked for in the tracker and the logs.
PRIVATE = {"3125550142": "312-555-0142", "7735550123": "773-555-0123", "4695550111": "469-555-0111",
           "names": ["Jane Doe", "Priya Raman", "Okafor"]}


class Patient:
    def __init__(self, servers, now):
        self.servers, self.now, self.sender = servers, now, uuid.uuid4().hex

    def say(self, text):
        body = {"sender": self.sender, "message": text, "metadata": {"now": self.now}}
        reply = requests.post(f"{self.servers.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        reply.raise_for_status()
        return reply.json()


def queued(servers, sender):
    return [r for r in RequestStore(servers.triage_path).queue() if r.sender_id == sender]


def test_everything_in_one_message(servers):
    patient = Patient(servers, THURSDAY_MORNING)
    answer = texts(patient.say("Can someone call me back? My name is Jane Doe, my number is (312) 555 0142, "
                               "tomorrow morning, it's about my rash"))
    reference = REFERENCE.search(answer).group(0)
    assert "312-555-0142" in answer  # said back in the clinic's format
    assert "Friday 11 December, morning" in answer and "open now, until 17:00" in answer
    [request] = queued(servers, patient.sender)
    assert (request.reference, request.status, request.urgency, request.kind) == (reference, "new", "routine",
                                                                                  "call back")
    assert (request.name, request.phone, request.reason) == ("Jane Doe", "+13125550142", "my rash")


def test_one_field_at_a_time_then_the_pre_visit_check_is_attached(servers):
    patient = Patient(servers, THURSDAY_MORNING)
    assert "What name" in texts(patient.say("I'd like a telemedicine appointment"))
    assert "phone number" in texts(patient.say("Priya Raman"))
    assert "When would suit you best for the visit" in texts(patient.say("469 555 0111"))
    assert "what would you like to talk about" in texts(patient.say("Monday afternoon"))
    sent = patient.say("to go over the results of my bone marrow test")
    assert REFERENCE.search(texts(sent)) and "Monday 14 December, afternoon" in texts(sent)
    assert "/start_triage" in [b["payload"] for m in sent for b in m.get("buttons") or ()]
    [request] = queued(servers, patient.sender)
    assert (request.kind, request.name, request.phone_said) == ("telemedicine", "Priya Raman", "469-555-0111")
    assert request.reason == "to go over the results of my bone marrow test" and request.triage_id is None
    patient.say("/start_triage")
    for answer in ("cycle 1, day 5", "a mild headache", "mild", "none", "no"):
        patient.say(answer)
    [request] = queued(servers, patient.sender)
    summary = TriageStore(servers.triage_path).get(request.triage_id)
    assert summary.sender_id == patient.sender and summary.treatment_day == "cycle 1, day 5"


def test_an_invalid_phone_number_is_refused_with_the_reason_and_asked_again(servers):
    patient = Patient(servers, THURSDAY_MORNING)
    patient.say("please call me back")
    patient.say("Okafor")
    refused = texts(patient.say("555-0142"))
    assert "area code" in refused and "Which phone number" in refused
    assert "couldn't find a phone number" in texts(patient.say("twelve"))
    assert "312-555-0142" in texts(patient.say("ok it's 312 555 0142"))
    assert queued(servers, patient.sender) == []  # not sent until the form is complete


def test_a_red_flag_as_the_reason_gets_the_emergency_answer_and_an_urgent_request(servers):
    patient = Patient(servers, THURSDAY_MORNING)
    patient.say("can someone call me back")
    patient.say("Jane Doe")
    patient.say("773-555-0123")
    patient.say("tomorrow afternoon")
    messages = patient.say("my husband is having a seizure right now")
    assert urgency(messages) == "emergency" and texts(messages).startswith("Call 911 now")
    [request] = queued(servers, patient.sender)
    assert request.urgency == "emergency" and request.status == "new"
    assert request.reference in texts(messages) and request.phone == "+17735550123"
    assert RequestStore(servers.triage_path).queue()[0].urgent  # urgent requests lead the queue


def test_outside_opening_hours_the_answer_says_when_the_desk_opens(servers):
    patient = Patient(servers, THURSDAY_NIGHT)
    answer = texts(patient.say("Can someone call me back? My name is Jane Doe, 312-555-0142, "
                               "tomorrow afternoon, about my next bag change"))
    assert "closed now: it opens at 8:00 tomorrow" in answer and REFERENCE.search(answer)


def test_the_talk_to_a_person_button_outside_opening_hours_starts_the_request(servers):
    patient = Patient(servers, THURSDAY_NIGHT)
    answer = texts(patient.say("/ask_contact"))
    assert "469-391-0070" in answer and "opens at 8:00 tomorrow" in answer
    assert "call back, or a telemedicine" in answer  # the form asks its first question


def test_on_a_public_holiday_the_desk_opens_after_it_and_cannot_call_on_it(servers):
    patient = Patient(servers, CHRISTMAS_EVE_NIGHT)
    patient.say("can someone call me back")
    patient.say("Jane Doe")
    patient.say("312-555-0142")
    refused = texts(patient.say("tomorrow morning"))
    assert "closed on Friday 25 December (Christmas Day)" in refused
    patient.say("Monday morning")
    answer = texts(patient.say("my blood results"))
    assert "opens at 8:00 on Monday 28 December" in answer and "Christmas Day" in answer
    assert "Monday 28 December, morning" in answer


def test_cancel_forgets_what_was_given(servers):
    patient = Patient(servers, THURSDAY_MORNING)
    patient.say("book me a video visit")
    patient.say("Jane Doe")
    assert "haven't sent anything" in texts(patient.say("cancel"))
    assert RequestStore(servers.triage_path).draft(patient.sender) is None and queued(servers, patient.sender) == []


def test_the_tracker_and_the_logs_hold_no_phone_number_or_name(servers):
    # Runs after the conversations above (pytest keeps file order) and makes one of its own.
    patient = Patient(servers, THURSDAY_MORNING)
    patient.say("please call me back, my name is Jane Doe, my number is 312-555-0142, Monday morning, about my pump")
    with sqlite3.connect(servers.tracker_db) as db:
        stored = "\n".join(data for (data,) in db.execute("SELECT data FROM events"))
    logs = "\n".join(path.read_text(errors="replace") for path in servers.log_files())
    assert "[phone number]" in stored and "[name]" in stored  # masked, not dropped
    for where, written in (("tracker", stored), ("logs", logs)):
        digits = [re.sub(r"\D", "", run) for run in re.findall(r"\+?[\d(][\d\s().-]{6,}\d", written)]
        for number, said in PRIVATE.items():
            if number == "names":
                assert not [name for name in said if name in written], where
            else:
                assert not [run for run in digits if number in run] and said not in written, where
