"""The emergency answer: emergency number first, then the clinic, what was recognised, and a Source line."""
import re

import pytest

from knowledge.clinic import clinic_settings
from triage import redflags
from triage.emergency import emergency_message
from triage.redflags import RedFlagCheck, check

# The project's clinic file: front desk from the patient information page, 911 as the US default.
FRONT_DESK = "469-391-0070"
EMERGENCY = "911"


def test_clinic_file_holds_the_numbers_the_answer_uses():
    settings = clinic_settings()
    assert (settings["emergency_phone"], settings["front_desk_phone"]) == (EMERGENCY, FRONT_DESK)


def test_emergency_number_comes_first_then_the_clinic():
    text = emergency_message(check("my son is having a seizure"))
    first_line = text.splitlines()[0]
    assert first_line.startswith(f"Call {EMERGENCY} now")
    assert text.index(EMERGENCY) < text.index(FRONT_DESK)


def test_names_what_was_recognised_in_lay_words():
    text = emergency_message(check("I can't breathe and my face is swollen"))
    # Labels from knowledge/red_flags.yml for breathing and face_swelling.
    assert "Trouble breathing." in text
    assert "Swelling of the face, lips or throat, wheezing, or an allergic reaction." in text


def test_ends_with_one_source_line_citing_each_flag():
    text = emergency_message(check("I flushed the line and now I'm confused"))
    last = text.splitlines()[-1]
    # Flags come in the data file's order: confusion (patient page, serious side effects), then
    # flushed_line (protocol, Administration: the NOTE on flushing).
    assert last == ("Source: patient-information-page, Serious Side Effects (Rare but May Require "
                    "Immediate Medical Attention); clinical-protocol, Administration")
    assert sum(1 for line in text.splitlines() if line.startswith("Source:")) == 1


def test_says_why_from_the_documents():
    text = emergency_message(check("I flushed the line"))
    assert "excess dose" in text  # protocol: "Flushing ... can result in excess dosage"


@pytest.mark.parametrize("flag_id", sorted(redflags.red_flag_ids()))
def test_every_flag_renders_without_advice_the_sources_do_not_give(flag_id):
    flag = redflags.red_flag(flag_id)
    text = emergency_message(RedFlagCheck(is_red_flag=True, flags=(flag,)))
    # The tier (knowledge/red_flags.yml) decides whom to call first: 911, or the clinic for a pump problem.
    assert text.startswith(f"Call {EMERGENCY} now" if flag.tier == "emergency" else f"Call the clinic now on {FRONT_DESK}")
    assert FRONT_DESK in text
    assert text.splitlines()[-1].startswith("Source: ") and EMERGENCY in text
    # No dose, unit or instruction to change the treatment: only the two phone numbers carry digits.
    without_phones = text.replace(FRONT_DESK, "").replace(EMERGENCY, "")
    assert not re.search(r"\d", without_phones)
    lowered = text.lower()
    for forbidden in ("mcg", "microgram", "increase", "reduce your", "stop the", "turn off", "unplug",
                      "change your dose", "take paracetamol", "flush it"):
        assert forbidden not in lowered


def test_other_clinic_numbers_come_from_the_settings_given():
    text = emergency_message(check("she passed out"), clinic={"emergency_phone": "999",
                                                             "front_desk_phone": "0161 000 0000"})
    assert text.startswith("Call 999 now")
    assert "0161 000 0000" in text and FRONT_DESK not in text


def test_without_a_recognised_flag_still_sends_to_emergency_care():
    # The classifier may route a message here that the detector did not flag: never an error.
    for value in (check("hello"), RedFlagCheck(is_red_flag=False), None):
        text = emergency_message(value)
        assert text.startswith(f"Call {EMERGENCY} now")
        assert "What I recognised" not in text
        assert text.splitlines()[-1].startswith("Source: patient-information-page")


def test_plain_text_is_not_html_escaped():
    text = emergency_message(check("he had a fit"))
    assert "don't" in text and "&#39;" not in text and "&amp;" not in text


def test_only_a_pump_or_line_problem_is_told_not_to_touch_the_pump_or_line():
    line = emergency_message(check("the pump is beeping and the line is leaking"))
    assert line.startswith("Call the clinic now") and "flush anything on the pump or line" in line
    pregnant = emergency_message(check("my wife just found out she's pregnant"))
    assert pregnant.startswith("Call the clinic now") and "pump" not in pregnant  # PIP: contact the provider
