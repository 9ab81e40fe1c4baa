"""End to end: the real action server and Rasa on loopback, spoken to through the REST channel."""
import uuid

import pytest
import requests

pytestmark = pytest.mark.slow

FRONT_DESK = "469-391-0070"  # patient information page, first line


def say(servers, text, sender=None, metadata=None):
    body = {"sender": sender or uuid.uuid4().hex, "message": text}
    if metadata:
        body["metadata"] = metadata
    reply = requests.post(f"{servers.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    reply.raise_for_status()
    return reply.json()


def texts(messages):
    return "\n".join(m.get("text", "") for m in messages)


def test_greeting_carries_the_disclaimer(servers):
    assert "not medical advice" in texts(say(servers, "hello there"))


def test_cost_question_is_answered_with_its_source(servers):
    answer = texts(say(servers, "how much does blincyto cost?"))
    assert "178,000" in answer  # patient page: about $178,000 for a 30-day supply with GoodRx
    assert answer.strip().splitlines()[-1].startswith("Source: patient-information-page")


def test_dosing_for_a_named_indication(servers):
    answer = texts(say(servers, "what dose is given for MRD positive ALL?"))
    assert "28" in answer and "Source:" in answer  # 28 mcg/day on days 1-28


def test_dosing_without_an_indication_offers_the_three(servers):
    messages = say(servers, "what is the dose of blinatumomab?")
    payloads = [b["payload"] for m in messages for b in m.get("buttons", [])]
    assert {p.split('"')[3] for p in payloads} >= {"relapsed-refractory", "ph-positive", "mrd-positive"}


def test_the_chosen_indication_answers_the_pending_question(servers):
    sender = uuid.uuid4().hex
    say(servers, "what is the dose of blinatumomab?", sender)
    answer = texts(say(servers, '/inform_indication{"indication": "mrd-positive"}', sender))
    assert "28" in answer and "Source:" in answer


def test_a_red_flag_gets_the_emergency_answer(servers):
    messages = say(servers, "my husband is on the blincyto drip and just had a fit")
    assert "911" in texts(messages) and FRONT_DESK in texts(messages)
    assert any(m.get("custom", {}).get("urgency") == "emergency" for m in messages)


def test_a_question_about_a_symptom_is_not_an_emergency(servers):
    messages = say(servers, "can blinatumomab cause seizures as a side effect?")
    assert not any(m.get("custom", {}).get("urgency") == "emergency" for m in messages)
    assert "Source:" in texts(messages)


def test_the_http_api_needs_the_token(servers):
    refused = requests.get(f"{servers.rasa_url}/conversations/someone/tracker", timeout=10)
    assert refused.status_code in (401, 403)
    parse = requests.post(f"{servers.rasa_url}/model/parse", json={"text": "hi"}, timeout=10)
    assert parse.status_code in (401, 403)


def urgency(messages):
    return next((m["custom"].get("urgency") for m in messages if isinstance(m.get("custom"), dict)), None)


def test_a_pump_problem_gets_the_urgent_tier_not_911(servers):
    messages = say(servers, "the pump is beeping right now and the screen says occlusion")
    assert urgency(messages) == "urgent"
    assert texts(messages).startswith(f"Call the clinic now on {FRONT_DESK}")


def test_a_blood_pressure_reading_is_a_red_flag_not_a_date(servers):
    messages = say(servers, "I feel really dizzy and my blood pressure is 80/50")
    assert urgency(messages) == "emergency" and "no day" not in texts(messages)


def test_last_weeks_seizure_is_history_and_gets_an_answer_not_the_911_script(servers):
    messages = say(servers, "he had one seizure last week and they restarted the blina after. "
                            "what happens if he has another one?")
    assert urgency(messages) is None and "Source:" in texts(messages)


def test_staff_asking_about_a_toxicity_get_the_protocol_not_the_patient_script(servers):
    messages = say(servers, "patient had CRS grade 4, can they restart?", metadata={"audience": "staff"})
    answer = texts(messages)
    assert urgency(messages) is None and "911" not in answer
    assert "discontinue permanently" in answer.lower()  # protocol toxicity table: CRS grade 4


def test_a_subject_the_documents_do_not_cover_is_declined_with_a_referral(servers):
    answer = texts(say(servers, "can I have a shower with the pump on?"))
    assert "My documents don't cover" in answer and FRONT_DESK in answer and "Source:" not in answer


def test_a_general_schedule_question_gets_the_general_answer(servers):
    messages = say(servers, "Do I get a break between cycles?")
    assert "14 days" in texts(messages)  # protocol: 28 days of treatment, then 14 days treatment free
    assert any(b["title"] == "Work out my own dates" for m in messages for b in m.get("buttons") or ())
