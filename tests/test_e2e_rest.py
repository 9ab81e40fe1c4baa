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
