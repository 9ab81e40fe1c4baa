"""`knowledge.answers`: cited chat answers from the templates: one Source line last, buttons when the
type of ALL is unknown, nothing staff-only for patients, conflicts sent to the care team."""
import re

import pytest

from knowledge.answers import Answer, compose_answer, compose_facts, facts_html, indication_payload
from knowledge.build import build_database
from knowledge.store import Fact, KnowledgeBase


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return KnowledgeBase(build_database(tmp_path_factory.mktemp("kb") / "knowledge.db"))


def every_answer(kb):
    """(topic, audience, indication, answer) for every topic, both audiences, each indication."""
    for topic in kb.topics():
        for audience in ("patient", "staff"):
            for indication in (None, *kb.indications()):
                yield topic.id, audience, indication, compose_answer(kb, topic.id, audience, indication)


def test_every_answer_ends_with_one_source_line(kb):
    for topic, audience, indication, answer in every_answer(kb):
        lines = answer.text.splitlines()
        assert lines[-1] == "Source: " + "; ".join(answer.sources), (topic, audience, indication)
        assert sum(line.startswith("Source:") for line in lines) == 1
        assert len(answer.sources) == len(set(answer.sources)) >= 1


def test_the_source_line_uses_document_ids_and_headings(kb):
    # Protocol, Pre-medication: "fluid intake of at least 3 litres per day".
    answer = compose_answer(kb, "fluids")
    assert answer.text == (
        "Aim for a fluid intake of at least 3 litres a day during treatment.\n\n"
        "Source: clinical-protocol, Pre-medication"
    )
    assert answer.sources == ["clinical-protocol, Pre-medication"]
    assert answer.buttons == []


def test_sources_are_deduplicated_in_order(kb):
    # Two bag-change entries for patients cite the protocol's Administration section, one the label's bags.
    answer = compose_answer(kb, "bag_change", "patient")
    assert answer.sources == ["clinical-protocol, Administration", "prescribing-information, Infusion bags"]
    assert "4 hours" in answer.text and "96 hours" in answer.text


def test_unknown_indication_gives_each_briefly_and_three_buttons(kb):
    answer = compose_answer(kb, "dosing", "patient")
    assert answer.buttons == [
        {"title": "Relapsed or refractory B-cell ALL",
         "payload": '/inform_indication{"indication":"relapsed-refractory"}'},
        {"title": "Philadelphia chromosome-positive ALL",
         "payload": '/inform_indication{"indication":"ph-positive"}'},
        {"title": "MRD-positive ALL", "payload": '/inform_indication{"indication":"mrd-positive"}'},
    ]
    # Patient page: relapsed/refractory and Ph+ are 9 mcg/day on days 1-7 then 28 on days 8-28;
    # MRD-positive is 28 mcg/day for 28 days; all in a 42-day cycle.
    bullets = [line for line in answer.text.splitlines() if line.startswith("- ")]
    assert len(bullets) == 3
    assert "9 mcg a day on days 1–7" in bullets[0] and "28 mcg a day on days 8–28" in bullets[0]
    assert "9 mcg a day on days 1–7" in bullets[1]
    assert "28 mcg a day" in bullets[2] and "9 mcg" not in bullets[2]
    assert "Which type do you have?" in answer.text


def test_every_topic_by_indication_offers_the_buttons(kb):
    for topic in (t.id for t in kb.topics() if t.by_indication):
        for audience in ("patient", "staff"):
            answer = compose_answer(kb, topic, audience)
            assert [b["payload"] for b in answer.buttons] == [
                indication_payload(i) for i in ("relapsed-refractory", "ph-positive", "mrd-positive")
            ], (topic, audience)


def test_a_known_indication_gets_its_own_answer_first_and_no_buttons(kb):
    answer = compose_answer(kb, "hospital_stay", "patient", "mrd-positive")
    assert answer.buttons == []
    # Prescribing information, MRD-positive B-ALL: first 3 days of cycle 1, first 2 days of cycle 2.
    first = answer.text.split("\n\n")[0]
    assert "3 days when cycle 1 starts" in first and "2 days when cycle 2 starts" in first
    assert "9 days" not in answer.text  # the relapsed-refractory stay is not given
    assert answer.sources[0] == "prescribing-information, MRD-positive B-ALL"


def test_topics_without_an_indication_ignore_it(kb):
    assert compose_answer(kb, "fluids", "patient", "ph-positive") == compose_answer(kb, "fluids")


def test_an_indication_named_as_a_term_narrows_the_answer(kb):
    # "What's the dose for MRD?": the NLU gives the indication as an entity.
    answer = compose_answer(kb, "dosing", "patient", None, "mrd-positive")
    assert answer.buttons == []
    assert answer.text.startswith("The dose is 28 mcg a day")


def test_patient_answers_never_include_staff_only_facts(kb):
    staff_only = [fact for fact in kb.all_facts() if fact.audience == "staff"]
    for topic, audience, indication, answer in every_answer(kb):
        if audience == "patient":
            for fact in staff_only:
                assert fact.answer not in answer.text, (topic, indication, fact.id)
    # Spot check by hand: both give the protocol's limit "Platelets > 100 x 109/L"; only staff get the
    # shorthand row for bilirubin and ALT/AST.
    patient, staff = (compose_answer(kb, "blood_limits", who).text for who in ("patient", "staff"))
    assert "platelets above 100 x 10^9/L" in patient and "ALT/AST" not in patient
    assert "platelets > 100 x 10^9/L" in staff and "ALT/AST" in staff


def test_patients_get_the_label_facts_they_ask_for_in_plain_words(kb):
    # Label facts, Safety: the CYP450 effect is highest in the first 9 days of cycle 1 and 2 days of cycle 2.
    window = compose_facts([f for f in kb.facts("interactions", "patient")
                            if f.source == "prescribing-information, Safety"]).text
    assert "cycle 1's first 9 days" in window and "cycle 2's first 2 days" in window
    assert window.endswith("Source: prescribing-information, Safety")
    # Label facts, Infusion bags: 24 h at 10 mL/h, 48 h at 5 mL/h, the US 7-day bag at 0.6 mL/h.
    bags = " ".join(f.answer for f in kb.facts("bag_change", "patient"))
    assert "10 mL an hour" in bags and "5 mL an hour" in bags and "0.6 mL an" in bags


def test_staff_get_protocol_detail_before_the_plain_versions(kb):
    answer = compose_answer(kb, "supportive_medicines", "staff")
    # Protocol, Additional supportive medication: allopurinol 300mg OD (100mg if CrCl <20mL/min).
    assert answer.text.index("Allopurinol 300 mg once daily") < answer.text.index("You will usually take")


def test_conflict_answers_send_the_patient_to_their_care_team(kb):
    # Number of cycles: patient page "typically 2" vs protocol "2 + up to 3 consolidation".
    cycles = compose_answer(kb, "cycles", "patient", "relapsed-refractory")
    assert "protocol sets your schedule" in cycles.text
    assert "care team has the final word" in cycles.text
    # Interruptions: the protocol's 14-day limit is not in the prescribing information.
    interruption = compose_answer(kb, "interruption", "patient")
    assert "more than 14 days" in interruption.text
    assert "protocol governs" in interruption.text and "care team has the final word" in interruption.text


def test_a_term_leads_the_answer(kb):
    # "Is tremor a side effect?": the protocol's frequent list (with tremor) comes first.
    answer = compose_answer(kb, "side_effects", "patient", term="tremor")
    assert answer.text.startswith("The clinic protocol also lists as frequent:")
    assert answer.sources[0] == "clinical-protocol, Frequently occurring side effects"
    without = compose_answer(kb, "side_effects", "patient")
    assert not without.text.startswith("The clinic protocol also lists as frequent:")


def test_a_term_that_no_fact_mentions_changes_nothing(kb):
    assert compose_answer(kb, "fluids", term="warfarin") == compose_answer(kb, "fluids")


def test_unknown_topic_raises(kb):
    with pytest.raises(KeyError):
        compose_answer(kb, "not_a_topic")


def test_answer_is_frozen(kb):
    answer = compose_answer(kb, "fluids")
    assert isinstance(answer, Answer)
    with pytest.raises(Exception):
        answer.text = "changed"


def test_compose_facts_cites_facts_from_several_topics(kb):
    answer = compose_facts([kb.fact("flushing-never"), kb.fact("bag-change-mornings")], intro="About bags:")
    assert answer.text.startswith("About bags:\n\n")
    assert answer.text.endswith("Source: clinical-protocol, Administration")
    assert compose_facts([]).sources == []


def test_chat_text_is_not_escaped_but_html_is():
    fact = Fact("x", "fluids", None, "both", "<b>Title</b>", "Fluids & more <script>", {},
                "clinical-protocol", "Pre-medication")
    assert "Fluids & more <script>" in compose_facts([fact]).text
    html = facts_html([fact])
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "Fluids &amp; more" in html and "&lt;b&gt;Title&lt;/b&gt;" in html


def test_no_answer_carries_template_leftovers(kb):
    for topic, audience, indication, answer in every_answer(kb):
        assert not re.search(r"\{\{|\{%|\bNone\b|Undefined", answer.text), (topic, audience, indication)


def test_a_short_question_that_points_back_is_a_follow_up():
    from knowledge.answers import is_follow_up

    assert is_follow_up("when do they normally show up?")
    assert is_follow_up("is that for the whole treatment or what")
    assert is_follow_up("how would I know if he had it?")  # "had it": the condition just asked about
    assert is_follow_up("when is the dodgy window for that?")  # "for that", ending the question
    assert is_follow_up("can she go back on it after?")
    assert not is_follow_up("what are the usual side effects of blinatumomab in children?")
    assert not is_follow_up("is there a painkiller I'm meant to take regularly at the start?")
