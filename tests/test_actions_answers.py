"""actions/answers.py: knowledge answers through a rasa_sdk Tracker and CollectingDispatcher."""
import pytest

from actions.answers import ActionAnswerQuestion, ActionReportSymptom
from tests.trackers import entity, run_action, tracker_for

pytestmark = pytest.mark.usefixtures("built_knowledge")


def only_text(messages):
    assert len(messages) == 1
    return messages[0]["text"]


def test_a_question_is_answered_with_its_source_last():
    messages, events = run_action(ActionAnswerQuestion(), tracker_for("how much is it", "ask_cost"))
    text = only_text(messages)
    assert "178,000" in text  # patient page: about $178,000 for a 30-day supply
    assert text.splitlines()[-1].startswith("Source: patient-information-page")
    assert {"event": "slot", "timestamp": None, "name": "last_topic", "value": "cost"} in events


def test_dosing_without_an_indication_offers_each_and_three_buttons():
    messages, _ = run_action(ActionAnswerQuestion(), tracker_for("what's the dose", "ask_dosing"))
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == [
        '/inform_indication{"indication":"relapsed-refractory"}',
        '/inform_indication{"indication":"ph-positive"}',
        '/inform_indication{"indication":"mrd-positive"}',
    ]


def test_a_named_indication_in_lay_words_narrows_the_answer():
    tracker = tracker_for("dose for MRD?", "ask_dosing", entities=[entity("indication", "MRD")])
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    assert "28" in only_text(messages)  # 28 mcg/day, days 1-28
    assert not [b for b in messages[0]["buttons"] if b["payload"].startswith("/inform_indication")]
    assert {"event": "slot", "timestamp": None, "name": "indication", "value": "mrd-positive"} in events


def test_another_indication_unconfirms_a_confirmed_plan():
    tracker = tracker_for("dose for MRD?", "ask_dosing", entities=[entity("indication", "MRD")],
                          slots={"indication": "relapsed-refractory", "plan_confirmed": True})
    _, events = run_action(ActionAnswerQuestion(), tracker)
    assert {"event": "slot", "timestamp": None, "name": "plan_confirmed", "value": None} in events


def test_the_same_indication_keeps_the_plan_confirmed():
    tracker = tracker_for("dose for MRD?", "ask_dosing", entities=[entity("indication", "MRD")],
                          slots={"indication": "mrd-positive", "plan_confirmed": True})
    _, events = run_action(ActionAnswerQuestion(), tracker)
    assert not [e for e in events if e["name"] == "plan_confirmed"]


def test_choosing_the_indication_answers_the_pending_topic():
    tracker = tracker_for("/inform_indication", "inform_indication",
                          entities=[entity("indication", "mrd-positive")], slots={"last_topic": "dosing"})
    messages, _ = run_action(ActionAnswerQuestion(), tracker)
    assert "28" in only_text(messages) and "Source:" in messages[0]["text"]


def test_staff_get_protocol_detail_patients_do_not():
    staff, _ = run_action(ActionAnswerQuestion(),
                          tracker_for("blood limits", "ask_blood_limits", metadata={"audience": "staff"}))
    patient, _ = run_action(ActionAnswerQuestion(), tracker_for("blood limits", "ask_blood_limits"))
    assert "100" in staff[0]["text"]  # platelets > 100 x 10^9/L (protocol, staff detail)
    assert staff[0]["text"] != patient[0]["text"]


def test_a_symptom_report_says_contact_the_care_team_and_cites():
    tracker = tracker_for("I've got a headache", "report_symptom", entities=[entity("side_effect", "headache")])
    text = only_text(run_action(ActionReportSymptom(), tracker)[0])
    assert "469-391-0070" in text and "Source:" in text


def test_a_broken_knowledge_base_gives_a_clear_message_not_silence(monkeypatch):
    import actions.answers

    def broken(*args, **kwargs):
        raise RuntimeError("database is gone")

    monkeypatch.setattr(actions.answers, "answer_question", broken)
    text = only_text(run_action(ActionAnswerQuestion(), tracker_for("cost?", "ask_cost"))[0])
    assert "can't look that up" in text and "469-391-0070" in text


def ranked(*pairs):
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_the_fact_that_answers_leads_with_the_number_asked_for():
    tracker = tracker_for("what platelet count do I need before it goes ahead?", "ask_blood_limits",
                          ranking=ranked(("ask_blood_limits", 0.7), ("ask_blood_tests", 0.2)))
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    text = only_text(messages)
    assert "100 x 10^9/L" in text.split("\n\n")[0]  # protocol: platelets > 100 x 10^9/L
    assert "clinical-protocol, Standard limits for administration to go ahead" in text.splitlines()[-1]
    [given] = [e["value"] for e in events if e["name"] == "last_facts"]
    assert "blood-limits-patient" in given


def test_tell_me_more_gives_the_rest_of_the_topic_not_the_same_fact_again():
    tracker = tracker_for("tell me more", "ask_more",
                          slots={"last_topic": "blood_limits", "last_facts": ["blood-limits-patient"]})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "consultant" in text and "Source: clinical-protocol, Haematological toxicity" in text
    assert "creatinine clearance) above 30" not in text


def test_a_subject_the_documents_do_not_cover_is_declined_with_a_referral():
    tracker = tracker_for("can I have a shower with the pump on?", "ask_uncovered",
                          entities=[entity("uncovered", "shower")],
                          ranking=ranked(("ask_uncovered", 0.6), ("ask_administration", 0.2)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert text.startswith("My documents don't cover showering or bathing with the pump, so I can't answer that safely")
    assert "469-391-0070" in text and "telemedicine" in text
    assert "Source:" not in text  # nothing clinical was said, so nothing is cited


def test_the_covered_part_of_a_two_part_question_is_answered_and_the_rest_declined():
    tracker = tracker_for("can I shower with the pump? and how much water should I drink each day?",
                          "ask_fluids", entities=[entity("uncovered", "shower")],
                          ranking=ranked(("ask_fluids", 0.5), ("ask_uncovered", 0.4)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "3 litres" in text  # protocol: a fluid intake of at least 3 litres a day
    assert "My documents don't cover showering or bathing with the pump, so I can't answer that part" in text
    assert text.splitlines()[-1] == "Source: clinical-protocol, Pre-medication"


def test_each_of_two_questions_on_different_topics_gets_its_own_fact():
    tracker = tracker_for("What kind of pump delivers the infusion, and should the line be flushed when the bag is "
                          "changed?", "ask_flushing", ranking=ranked(("ask_flushing", 0.9), ("ask_administration", 0.05)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    # Protocol, Administration: programmable, lockable, alarmed CADD pumps; the line is never flushed.
    assert "CADD" in text and "never be flushed" in text


def test_a_question_nothing_answers_is_declined_not_answered_with_a_neighbour():
    tracker = tracker_for("will the moon landing affect my zodiac sign", "nlu_fallback",
                          ranking=ranked(("nlu_fallback", 0.3), ("ask_about", 0.12), ("ask_research", 0.1)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert text.startswith("My documents don't cover that") and "Source:" not in text


def test_a_general_schedule_question_gets_the_general_answer_and_an_offer():
    tracker = tracker_for("do you get a break between cycles?", "ask_plan_break",
                          ranking=ranked(("ask_plan_break", 0.8)))
    messages, _ = run_action(ActionAnswerQuestion(), tracker)
    assert "14 days without treatment" in messages[0]["text"]  # protocol: 28 days on, 14 days off
    assert messages[0]["buttons"][0] == {"title": "Work out my own dates", "payload": "/ask_plan_break"}


def test_a_follow_up_is_read_with_the_question_before_it():
    tracker = tracker_for("and for how long?", "ask_cycles", ranking=ranked(("ask_cycles", 0.5)),
                          slots={"last_topic": "premedication",
                                 "last_question": "is there a painkiller I should take regularly?"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "48 hours" in text  # protocol: regular paracetamol during the first 48 hours of each cycle


def test_a_follow_up_of_a_follow_up_still_leans_on_the_first_question():
    slots = {"last_topic": "supportive_medicines", "last_question": "allopurinol dose w/ blina?"}
    _, events = run_action(ActionAnswerQuestion(), tracker_for("CrCl <20?", "ask_supportive_medicines",
                                                               ranking=ranked(("ask_supportive_medicines", 0.5)),
                                                               slots=slots))
    kept = next(e["value"] for e in events if e["event"] == "slot" and e["name"] == "last_question")
    assert kept.startswith("CrCl <20?") and "allopurinol" in kept
    tracker = tracker_for("duration?", "ask_supportive_medicines", ranking=ranked(("ask_supportive_medicines", 0.5)),
                          slots={**slots, "last_question": kept})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "cycles" in text and "allopurinol" in text.lower()  # protocol: for the first 1-2 cycles


def test_a_follow_up_asks_for_something_new_not_the_facts_just_given():
    tracker = tracker_for("and the serious ones?", "ask_serious_side_effects",
                          ranking=ranked(("ask_serious_side_effects", 0.79), ("ask_neurological_effects", 0.04)),
                          slots={"last_topic": "side_effects", "last_facts": ["side-effects-common"],
                                 "last_question": "whats the common side effects of blina"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "cytokine release syndrome" in text.split("\n\n")[0]  # patient page: the rare but serious ones
    assert "Common side effects" not in text.split("\n\n")[0]


def test_a_follow_up_naming_a_term_of_the_fact_just_given_is_answered_from_that_fact():
    tracker = tracker_for("dex on restart?", "ask_interruption", entities=[entity("medicine", "dex")],
                          ranking=ranked(("ask_interruption", 0.57), ("ask_dose_modifications", 0.12)),
                          slots={"last_topic": "dose_modifications", "last_facts": ["dose-modifications-neurological"],
                                 "last_question": "G3 neurotox - when can we restart?"},
                          metadata={"audience": "staff"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "dexamethasone 24 mg" in text.split("\n\n")[0]  # protocol toxicity table, neurological grade 3


@pytest.mark.parametrize("text, last_question, last_topic, last_fact, expected", [
    # Protocol, Hepatic impairment: severe liver impairment has not been studied.
    ("hepatic?", "renal dose adj needed for blina?", "kidney_liver", "kidney-renal-impairment",
     "severe liver impairment"),
    # Protocol, Supportive medication: an H2 antagonist or a proton-pump inhibitor.
    ("GI protection?", "emetic risk of the blina regimen", "nausea", "nausea-emetogenicity",
     "proton-pump inhibitor"),
    # Protocol, toxicity table: neurological grade 3 restarts with dexamethasone 24 mg; the row speaks of restarts.
    ("premed on restart?", "G3 neurotox on blina - management?", "dose_modifications",
     "dose-modifications-neurological",
     "dexamethasone 24 mg"),
])
def test_a_follow_up_is_answered_by_the_neighbour_its_own_words_name(text, last_question, last_topic, last_fact,
                                                                     expected):
    tracker = tracker_for(text, "nlu_fallback", ranking=ranked(("nlu_fallback", 0.3), ("ask_small_talk", 0.2)),
                          slots={"last_topic": last_topic, "last_facts": [last_fact],
                                 "last_question": last_question},
                          metadata={"audience": "staff"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert expected in text.split("\n\n")[0]


def test_another_grade_of_the_toxicity_just_given_is_answered_from_that_row():
    tracker = tracker_for("and gr4?", "nlu_fallback", ranking=ranked(("nlu_fallback", 0.3), ("ask_small_talk", 0.2)),
                          slots={"last_topic": "dose_modifications", "last_facts": ["dose-modifications-elevated-lfts"],
                                 "last_question": "gr3 ALT rise on blina - plan + restart dose?"},
                          metadata={"audience": "staff"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    # Protocol toxicity table, elevated LFTs: grade 4, consider discontinuing permanently.
    assert "Grade 4: consider discontinuing permanently" in text.split("\n\n")[0]


def test_a_whole_new_question_opening_with_and_is_read_by_itself():
    tracker = tracker_for("and what filter does the line need?", "ask_administration",
                          entities=[entity("equipment", "filter"), entity("equipment", "line")],
                          ranking=ranked(("ask_administration", 1.0)),
                          slots={"last_topic": "flushing", "last_facts": ["flushing-never"],
                                 "last_question": "the nurse told us never to flush dad's line when the blina bag "
                                                  "gets changed, why not?"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "0.2 micron" in text.split("\n\n")[0]  # protocol, Administration: a 0.2 micron in-line filter


def test_an_indication_given_after_a_question_about_another_is_answered_for_the_new_one():
    tracker = tracker_for("And for MRD-positive?", "inform_indication", entities=[entity("indication", "MRD-positive")],
                          slots={"last_topic": "dosing", "indication": "relapsed-refractory",
                                 "last_question": "What is the dose of blinatumomab for adults with relapsed or "
                                                  "refractory B-cell ALL?"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    # Patient page, MRD-positive ALL: 28 mcg a day for 28 days of a 42-day cycle, no 9 mcg first week.
    assert "28 mcg a day" in text and "9 mcg" not in text


def test_plan_facts_told_outside_the_form_go_through_the_form():
    tracker = tracker_for("that's wrong, it was the 8th", "inform_plan_facts",
                          slots={"plan_start": "2026-12-07", "last_topic": "hospital_stay"})
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    assert messages == [] and events == [{"event": "followup", "timestamp": None, "name": "plan_form"}]


def test_another_cycle_asked_after_a_general_answer_gets_the_general_answer():
    tracker = tracker_for("and in cycle 2?", "inform_plan_facts", ranking=ranked(("ask_hospital_stay", 0.3)),
                          slots={"last_topic": "hospital_stay", "indication": "relapsed-refractory",
                                 "last_question": "how long is the hospital stay for relapsed ALL?"})
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    # Protocol, Administration: in hospital for the first 9 days of cycle 1 and the first 2 days of cycle 2.
    assert "first 2 days of cycle 2" in only_text(messages)
    assert not [e for e in events if e["event"] == "followup"]


@pytest.mark.parametrize("text,entities,declined", [
    ("we dont have insurance, roughly how much is this stuff going to cost us", ["insurance"], False),
    ("how much is blincyto without insurance? and will medicaid pay for it?", ["insurance", "medicaid"], True),
])
def test_a_subject_the_answer_speaks_of_in_the_questions_words_is_not_declined(text, entities, declined):
    tracker = tracker_for(text, "ask_cost", entities=[entity("uncovered", e) for e in entities],
                          ranking=ranked(("ask_cost", 0.8)))
    reply = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    # Patient page: about $178,000 for a 30-day supply, "particularly for individuals without insurance".
    assert "178,000" in reply and ("don't cover insurance" in reply) is declined


def test_an_answer_that_depends_on_the_type_of_all_still_declines_the_part_not_covered():
    tracker = tracker_for("how many cycles will I get, and what are my chances of remission?", "ask_cycles",
                          entities=[entity("uncovered", "chances of remission")], ranking=ranked(("ask_cycles", 0.7)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert text.startswith("The answer depends on the type of ALL")
    assert "My documents don't cover the chances of remission or cure, so I can't answer that part" in text
    assert text.splitlines()[-1].startswith("Source: ")


def test_a_subject_told_before_a_question_that_points_at_it_is_declined():
    tracker = tracker_for("mum loves sushi and soft cheese, her friend says she can't have those now. is that true?",
                          "ask_side_effects", entities=[entity("uncovered", "sushi"), entity("uncovered", "soft cheese")],
                          ranking=ranked(("ask_side_effects", 0.4), ("ask_uncovered", 0.3)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "My documents don't cover diet or food" in text


@pytest.mark.parametrize("text,intent,subject,expected", [
    # a clause that only tells
    ("our daughter's due her chickenpox jab at school, she's on blincyto, should she have it", "ask_vaccines",
     "school", "live vaccines"),  # patient page: avoid live vaccines
    # a sentence that tells, before a question very like a fact's
    ("our son (age 6) is on blinatumomab and the school nurse says he's due his MMR booster. is it ok to go ahead "
     "with it?", "ask_vaccines", "school", "live vaccines"),
    # what is put aside ("instead of")
    ("I live 3 hours away from the clinic. Is there a way to speak to one of your doctors by video instead of "
     "driving in?", "ask_contact", "driving", "telemedicine"),
    # the subject says who is asking
    ("mums hospice nurse asked if they can use their own syringe driver rather than the hospital pump. does it have "
     "to be a particular kind of pump?",
     "ask_administration", "hospice", "CADD"),  # protocol: programmable, lockable, alarmed CADD pumps
])
def test_a_subject_named_only_as_context_is_not_declined(text, intent, subject, expected):
    tracker = tracker_for(text, intent, entities=[entity("uncovered", subject)], ranking=ranked((intent, 0.8)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert expected in text and "don't cover" not in text


def test_a_subject_asked_about_next_to_what_is_put_aside_is_still_declined():
    tracker = tracker_for("can he take advil instead of the tylenol?", "ask_interactions",
                          entities=[entity("uncovered", "advil")], ranking=ranked(("ask_interactions", 0.5)))
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "My documents don't cover ibuprofen" in text


@pytest.mark.parametrize("text", ["and <45kg?", "pt is 40 kg?", "pt is 31kg"])
def test_a_weight_threshold_after_a_dose_answer_is_a_general_follow_up_not_a_weight(text):
    tracker = tracker_for(text, "inform_plan_facts", ranking=ranked(("inform_plan_facts", 0.6)),
                          slots={"last_topic": "dosing", "indication": "relapsed-refractory",
                                 "last_question": "blina C1 dosing, adult R/R?"})
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    # Protocol, Regimen details: under 45 kg, 5 mcg/m²/day on days 1-7, then 15 mcg/m²/day.
    assert "15" in only_text(messages) and "m²" in only_text(messages)
    assert not [e for e in events if e["event"] == "followup"]


@pytest.mark.parametrize("text,intent", [
    ("blina C1D1 premed - drug + dose?", "ask_premedication"),  # the day asked about, not today
    ("C1D12 ALT G3 on blina. hold? restart dose?", "ask_dose_modifications"),  # the table's rule
])
def test_a_cycle_day_that_labels_the_question_does_not_start_a_plan(text, intent):
    tracker = tracker_for(text, intent, ranking=ranked((intent, 0.8)))
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    assert not [e for e in events if e["event"] == "followup"]
    assert "Source:" in only_text(messages)


def test_a_weight_under_the_threshold_finds_the_restart_dose_by_body_size():
    tracker = tracker_for("pt 31 kg restarting after G3 TLS - what are the restart and step-up doses?",
                          "ask_dose_modifications", entities=[entity("side_effect", "TLS")],
                          ranking=ranked(("ask_dose_modifications", 0.8)), metadata={"audience": "staff"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    # Protocol, Other toxicities: under 45 kg, restart at 5 mcg/m²/day, escalate to 15 mcg/m²/day after 7 days.
    assert "5 mcg/m²/day" in text and "15 mcg/m²/day" in text


def test_a_slot_that_keeps_its_value_is_not_set_again():
    tracker = tracker_for("how much is it", "ask_cost", slots={"last_topic": "cost", "indication": "mrd-positive"})
    _, events = run_action(ActionAnswerQuestion(), tracker)
    assert [e["name"] for e in events if e["event"] == "slot"] == ["last_facts", "last_question"]


def test_a_buttons_payload_gets_the_topics_answer_for_the_known_indication():
    tracker = tracker_for("/ask_dosing", "ask_dosing", slots={"indication": "mrd-positive"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert text.splitlines()[-1].startswith(
        "Source: patient-information-page, Dosing for Minimal Residual Disease-Positive Acute Lymphoblastic Leukemia")


def test_a_dose_question_with_a_childs_height_and_weight_gets_that_childs_doses():
    # 144 cm, 36 kg: BSA sqrt(144 x 36 / 3600) = 1.20 m²; relapsed cycle 1: 5 x 1.2 = 6, 15 x 1.2 = 18 mcg/day.
    tracker = tracker_for("grandson is 11, weighs 36 kg and is 144 cm tall, on blina for his relapse. what daily "
                          "dose would that work out at?", "ask_dosing",
                          entities=[entity("indication", "relapse")])
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "1.2 m²" in text
    assert "- days 1–7: 6 mcg/day (5 mcg/m²/day)\n- days 8–28: 18 mcg/day (15 mcg/m²/day)\n" in text  # one line each
    assert "Source: clinical-protocol, Regimen details; prescribing-information, Dosing for patients under 45 kg" in text


def test_a_follow_up_about_another_cycle_uses_the_size_just_given():
    # 118 cm, 22 kg: BSA sqrt(118 x 22 / 3600) = 0.85 m²; relapsed cycle 1: 5 x 0.85 = 4.25 -> 4.3 mcg/day.
    first = tracker_for("my daughter is 22 kg and 118 cm, relapsed ALL. what is her dose in the first week?",
                        "ask_dosing", entities=[entity("indication", "relapsed ALL")])
    messages, events = run_action(ActionAnswerQuestion(), first)
    assert "days 1–7: 4.3 mcg/day" in only_text(messages)
    kept = {e["name"]: e["value"] for e in events if e["event"] == "slot"}
    assert kept["weight_kg"] == 22 and kept["height_cm"] == 118 and kept["last_topic"] == "dosing"
    # Cycle 2 has no step: 15 x 0.85 = 12.75 -> 12.8 mcg/day on days 1-28.
    follow = tracker_for("and in cycle 2?", "ask_cycles", slots={**kept, "indication": "relapsed-refractory"})
    text = only_text(run_action(ActionAnswerQuestion(), follow)[0])
    assert "cycle 2" in text and "days 1–28: 12.8 mcg/day" in text


def test_a_dose_question_naming_the_cycle_gets_that_cycles_doses():
    # Protocol, relapsed/refractory: the 9 mcg step is in cycle 1 only; later cycles are 28 mcg/day on days 1-28.
    tracker = tracker_for("on my 3rd cycle for relapsed ALL, do i get the 9 microgram week again?",
                          "ask_plan_step_up", entities=[entity("indication", "relapsed ALL")])
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "cycle 3" in text and "days 1–28: 28 mcg/day" in text and "9 mcg" not in text


def test_a_childs_dose_question_without_a_weight_is_never_given_the_adult_doses():
    tracker = tracker_for("my son is on cycle 2 for relapsed ALL, what dose is he on?", "ask_dosing",
                          entities=[entity("indication", "relapsed ALL")])
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "The daily doses in cycle 2" not in text and "Source:" in text


def test_a_dose_question_without_the_height_gets_the_general_answer():
    tracker = tracker_for("he weighs 18 kg, what dose will he get for relapsed ALL?", "ask_dosing",
                          entities=[entity("indication", "relapsed ALL")])
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "Worked out from" not in text and "45 kg" in text  # the rule for under 45 kg, not a made-up dose


def test_a_follow_up_with_a_new_amount_is_answered_even_by_the_fact_just_given():
    # "more" is in the words, but a new amount is asked about: protocol, more than 14 days stops treatment.
    tracker = tracker_for("and more than two weeks?", "ask_more", ranking=ranked(("ask_more", 0.61), ("thank", 0.33)),
                          slots={"last_topic": "interruption", "last_facts": ["interruption-patient"],
                                 "last_question": "What happens if my blinatumomab is stopped for 5 days?"})
    text = only_text(run_action(ActionAnswerQuestion(), tracker)[0])
    assert "If it stops for more than 14 days, the clinic protocol says treatment is stopped permanently" in text


def test_how_to_tell_crs_is_answered_with_its_signs():
    # Patient page, serious side effects: CRS "can cause fever, low blood pressure, and difficulty breathing".
    tracker = tracker_for("how would I know if I had it?", "ask_serious_side_effects",
                          ranking=ranked(("ask_serious_side_effects", 0.4)),
                          slots={"last_topic": "serious_side_effects",
                                 "last_facts": ["serious-side-effects-boxed-warning"],
                                 "last_question": "What is cytokine release syndrome?"})
    lead = only_text(run_action(ActionAnswerQuestion(), tracker)[0]).split("\n\n")[0]
    assert "a fever, low blood pressure and difficulty breathing" in lead


def test_a_short_question_that_reads_better_with_the_one_before_it_is_read_so():
    # Prescribing information: do not breastfeed during treatment and for at least 48 hours after the last dose.
    tracker = tracker_for("how soon after the last bag could she go back to it?", "ask_bag_change",
                          ranking=ranked(("ask_bag_change", 0.5), ("ask_breastfeeding", 0.2)),
                          slots={"last_topic": "breastfeeding", "last_facts": ["breastfeeding-not-recommended"],
                                 "last_question": "is breastfeeding allowed during blincyto?"})
    lead = only_text(run_action(ActionAnswerQuestion(), tracker)[0]).split("\n\n")[0]
    assert "48 hours" in lead and "bag" not in lead.lower()


def test_a_new_question_after_an_answer_is_not_read_with_it():
    # Patient page: relapsed ALL, 9 mcg a day on days 1-7.
    tracker = tracker_for("what dose is given in the first week for relapsed ALL?", "ask_dosing",
                          entities=[entity("indication", "relapsed-refractory")],
                          ranking=ranked(("ask_dosing", 0.8)),
                          slots={"last_topic": "breastfeeding", "last_facts": ["breastfeeding-not-recommended"],
                                 "last_question": "is breastfeeding allowed during blincyto?"})
    lead = only_text(run_action(ActionAnswerQuestion(), tracker)[0]).split("\n\n")[0]
    assert "9 mcg" in lead and "breast" not in lead.lower()


def test_an_answer_by_type_of_all_gives_each_type_the_fact_that_answers_the_question():
    tracker = tracker_for("will she get that steroid again when the dose goes up on day 8 or just at the start?",
                          "ask_premedication", entities=[entity("medicine", "steroid")],
                          ranking=ranked(("ask_premedication", 0.83), ("ask_dose_modifications", 0.09)))
    messages, events = run_action(ActionAnswerQuestion(), tracker)
    relapsed = next(line for line in only_text(messages).splitlines() if line.startswith("- Relapsed"))
    # Label facts, Pre-medication: dexamethasone 20 mg 1 hour before the cycle 1 day 8 step-up dose too.
    assert "step-up dose on cycle 1 day 8" in relapsed
    [given] = [e["value"] for e in events if e["name"] == "last_facts"]
    assert "premedication-dexamethasone-label" in given  # a follow-up then asks for something new
