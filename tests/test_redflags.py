"""The red-flag detector: reports, questions, negations, non-urgent symptoms, typos and hostile input."""
import dataclasses
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage import redflags
from triage.lexicon import RED_FLAGS_PATH, load
from triage.redflags import RedFlagCheck, check

SOURCES = Path(__file__).resolve().parent.parent.parent / "shared" / "sources"
SOURCE_FILES = {
    "patient-information-page": "patient-information-page.txt",
    "clinical-protocol": "clinical-protocol.txt",
    "prescribing-information": "label-facts.md",
}

# The red flags the house rule names (DEVELOPERS' rule and issue 2, section 4).
REQUIRED_FLAGS = {"seizure", "confusion", "speaking", "breathing", "high_fever", "fainting",
                  "very_low_blood_pressure", "face_swelling", "pump_line", "flushed_line"}


def ids(check_result: RedFlagCheck) -> set:
    return {flag.id for flag in check_result.flags}


# ---------------------------------------------------------------------------------------------
# The table: (message, red flags reported, ids asked about, ids denied, non-urgent symptoms).
# Each expectation is worked out by hand from the documents and the house rule; the comment says
# which. PIP = patient information page; "serious" = its Serious Side Effects heading.
# ---------------------------------------------------------------------------------------------
TABLE = [
    # --- reports of a red flag (first person, third person, lay words, typos) ---
    ("I had a fit", {"seizure"}, set(), set(), set()),  # PIP serious: seizures; UK "fit" = seizure
    ("My husband had a seizure this morning", {"seizure"}, set(), set(), set()),  # third person, past
    ("he's fitting", {"seizure"}, set(), set(), set()),  # UK lay "fitting" = having a seizure
    ("my daughter is convulsing", {"seizure"}, set(), set(), set()),  # protocol toxicity table: convulsion
    ("I keep having siezures", {"seizure"}, set(), set(), set()),  # common misspelling
    ("I think I'm having a seizure?", {"seizure"}, set(), set(), set()),  # a "?" alone is no question
    ("Is this a seizure?", {"seizure"}, set(), set(), set()),  # names something happening now
    ("Could I be having a seizure?", {"seizure"}, set(), set(), set()),  # "having": now, not supposing
    ("my son is very confused", {"confusion"}, set(), set(), set()),  # PIP serious: confusion
    ("im confussed", {"confusion"}, set(), set(), set()),  # typo and no apostrophe
    ("I feel confused, is that normal?", {"confusion"}, set(), set(), set()),  # report inside a question
    ("My mum seems disorientated", {"confusion"}, set(), set(), set()),  # protocol: disorientation (UK)
    ("He doesn't know where he is", {"confusion"}, set(), set(), set()),  # lay words for disorientation
    ("pt disorientated overnight", {"confusion"}, set(), set(), set()),  # staff shorthand, no verb
    ("she can't speak properly", {"speaking"}, set(), set(), set()),  # PIP serious: trouble speaking
    ("His speech is slurred", {"speaking"}, set(), set(), set()),  # protocol: speech disorders
    ("He failed the writing test", {"speaking"}, set(), set(), set()),  # protocol: weekly writing test
    ("I can't breathe", {"breathing"}, set(), set(), set()),  # PIP serious: difficulty breathing (CRS)
    ("cant breath", {"breathing"}, set(), set(), set()),  # typo, no apostrophe, no subject
    ("Why can't I breathe?", {"breathing"}, set(), set(), set()),  # a complaint, not a supposition
    ("I'm short of breath", {"breathing"}, set(), set(), set()),  # protocol infusion reactions: breathlessness
    ("He's not breathing!", {"breathing"}, set(), set(), set()),  # the "not" is the symptom, not a denial
    ("He has a high temperature", {"high_fever"}, set(), set(), set()),  # high fever (no threshold used)
    ("I have a fever and chills", {"high_fever"}, set(), set(), {"fever", "chills"}),  # PIP: chills with fever
    ("I have rigors", {"high_fever"}, set(), set(), set()),  # shivering with fever, clinical word
    ("I fainted", {"fainting"}, set(), set(), set()),  # PIP: low blood pressure may cause fainting
    ("she blacked out", {"fainting"}, set(), set(), set()),  # lay words for losing consciousness
    ("he passed out", {"fainting"}, set(), set(), set()),
    ("Why won't he wake up?", {"fainting"}, set(), set(), set()),  # protocol: disturbances in consciousness
    ("My blood pressure dropped", {"very_low_blood_pressure"}, set(), set(), set()),  # PIP serious: CRS
    ("My bp is very low", {"very_low_blood_pressure"}, set(), set(), set()),
    ("my face is swollen", {"face_swelling"}, set(), set(), set()),  # protocol infusion reactions
    ("I'm wheezy", {"face_swelling"}, set(), set(), set()),  # protocol infusion reactions: wheezing
    ("my face and ankles are swollen", {"face_swelling"}, set(), set(), set()),  # the face makes it urgent
    ("My lips are swollen", {"face_swelling"}, set(), set(), set()),
    ("the line is leaking", {"pump_line"}, set(), set(), set()),  # PIP: contact immediately about issues
    ("line is wet", {"pump_line"}, set(), set(), set()),
    ("My line fell out", {"pump_line"}, set(), set(), set()),
    ("the pump keeps alarming", {"pump_line"}, set(), set(), set()),  # protocol: alarmed CADD pumps
    ("pump is beeping", {"pump_line"}, set(), set(), set()),
    ("Why is the pump beeping?", {"pump_line"}, set(), set(), set()),  # the device is the subject, now
    ("I flushed the line", {"flushed_line"}, set(), set(), set()),  # protocol NOTE: excess dosage
    ("The nurse flushed my line", {"flushed_line"}, set(), set(), set()),
    ("I accidentally flushed my PICC with saline", {"flushed_line"}, set(), set(), set()),
    ("I have CRS", {"crs"}, set(), set(), set()),  # PIP serious: cytokine release syndrome
    ("I have a fever and low blood pressure", {"crs"}, set(), set(), {"fever", "low_blood_pressure"}),
    ("Confused and dizzy", {"confusion"}, set(), set(), {"dizziness"}),  # a bare list of symptoms: a report
    ("help my son is fitting", {"seizure"}, set(), set(), set()),
    ("can u help my son is having a fit", {"seizure"}, set(), set(), set()),  # "can" opens, "is having" now
    ("There was no fever, but now he has had a fit", {"seizure"}, set(), {"fever"}, set()),
    ("I'm not feeling well I'm confused", {"confusion"}, set(), set(), set()),  # "not" belongs to "well"
    ("I don't know if it was a seizure", {"seizure"}, set(), set(), set()),  # doubt: err towards alarm
    ("I'm not sure but I think he had a seizure", {"seizure"}, set(), set(), set()),
    ("Can blinatumomab cause seizures? I think I had one yesterday", {"seizure"}, set(), set(), set()),
    ("fever: no. confusion: yes", {"confusion"}, set(), {"fever"}, set()),
    ("Hi, I'm Sarah. My dad started blincyto on Monday. Today he seems muddled and can't find his words. "
     "Should I be worried?", {"confusion", "speaking"}, set(), set(), set()),
    ("<p>I had a <b>seizure</b></p>", {"seizure"}, set(), set(), set()),  # HTML tags stripped first
    ("I can\u2019t breathe", {"breathing"}, set(), set(), set()),  # a phone keyboard's curly apostrophe
    ("short-of-breath", {"breathing"}, set(), set(), set()),  # hyphens between words
    ("my speech is a bit off", {"speaking"}, set(), set(), set()),  # lay words for a speech disorder
    ("my words are coming out wrong", {"speaking"}, set(), set(), set()),
    ("there's a whistling sound when I breathe", {"breathing"}, set(), set(), set()),
    ("he's gone blue", {"breathing"}, set(), set(), set()),
    ("My dad is shaking uncontrollably", {"seizure"}, set(), set(), set()),  # err towards alarm
    ("She seems out of it", {"confusion"}, set(), set(), set()),
    ("I almost fainted in the shower", {"fainting"}, set(), set(), set()),
    ("the dressing over my line is soaking wet", {"pump_line"}, set(), set(), set()),
    ("the bag came off the tube", {"pump_line"}, set(), set(), set()),  # disconnected
    ("I'm bleeding from my line", {"pump_line"}, set(), set(), set()),
    # --- questions about a symptom: not a report ---
    ("tell me about seizures as a side effect", set(), {"seizure"}, set(), set()),
    ("can blinatumomab cause confusion?", set(), {"confusion"}, set(), set()),
    ("is fainting a side effect", set(), {"fainting"}, set(), set()),
    ("what is CRS", set(), {"crs"}, set(), set()),
    ("Will I get seizures?", set(), {"seizure"}, set(), set()),  # future, supposing
    ("What should I do if I have a seizure?", set(), {"seizure"}, set(), set()),  # hypothetical "if"
    ("Are seizures common?", set(), {"seizure"}, set(), set()),
    ("Do people get seizures on this?", set(), {"seizure"}, set(), set()),
    ("Is breathlessness a side effect?", set(), {"breathing"}, set(), set()),
    ("Should I flush the line?", set(), {"flushed_line"}, set(), set()),
    ("What if the line leaks?", set(), {"pump_line"}, set(), set()),
    ("What do the pump alarms mean?", set(), {"pump_line"}, set(), set()),
    ("I'm worried about seizures", set(), {"seizure"}, set(), set()),  # worry, not a report
    ("I want to know if blincyto causes seizures", set(), {"seizure"}, set(), set()),
    ("My son asked me what a seizure is", set(), {"seizure"}, set(), set()),
    ("I have one more question about seizures", set(), {"seizure"}, set(), set()),
    ("Can it make me confused?", set(), {"confusion"}, set(), set()),
    ("If I get confused, who do I call?", set(), {"confusion"}, set(), set()),
    ("Can blinatumomab cause headaches?", set(), {"headache"}, set(), set()),
    ("What does an allergic reaction look like?", set(), {"face_swelling"}, set(), set()),
    ("I'm scared I'll have a seizure", set(), {"seizure"}, set(), set()),  # fear of a future one
    ("what happens if the bag is flushed", set(), {"flushed_line"}, set(), set()),
    ("could the fever be CRS?", set(), {"crs", "fever"}, set(), set()),
    ("how often do people get seizures on blinatumomab", set(), {"seizure"}, set(), set()),
    # --- told as past history, or asked about timing: mentioned, not happening now ---
    ("My son had a seizure last year", set(), {"seizure"}, set(), set()),
    ("I had a seizure last year and now I'm confused", {"confusion"}, {"seizure"}, set(), set()),
    ("I had a fit last year and again today", {"seizure"}, set(), set(), set()),  # "again today": now
    ("my pump was off for 4 days, how does that change my schedule", set(), {"pump_line"}, set(), set()),
    ("my pump has been off for 2 hours", {"pump_line"}, set(), set(), set()),  # still off: now
    ("the infusion was stopped for 8 days because of CRS, what now", set(), {"crs"}, set(), set()),
    ("when's my drip coming out", set(), {"pump_line"}, set(), set()),  # the end of the infusion
    # --- clinical words used as topics, with nobody named ---
    ("neurotoxicity with blinatumomab", set(), {"neurological"}, set(), set()),
    ("flushing the line?", set(), {"flushed_line"}, set(), set()),
    ("is it ok to flush the catheter", set(), {"flushed_line"}, set(), set()),
    ("the line was flushed", {"flushed_line"}, set(), set(), set()),  # past tense: it happened
    ("he is not responding", {"fainting"}, set(), set(), set()),
    ("my leukaemia didn't respond to chemo", set(), set(), set(), set()),  # not "not responding"
    # --- denials ---
    ("no fever", set(), set(), {"fever"}, set()),
    ("I haven't had a seizure", set(), set(), {"seizure"}, set()),
    ("not confused", set(), set(), {"confusion"}, set()),
    ("without any swelling", set(), set(), {"face_swelling"}, set()),
    ("No seizures, no confusion, no fever", set(), set(), {"seizure", "confusion", "fever"}, set()),
    ("I don't feel confused", set(), set(), {"confusion"}, set()),
    ("She's no longer confused", set(), set(), {"confusion"}, set()),
    ("Neither confused nor dizzy", set(), set(), {"confusion", "dizziness"}, set()),
    ("seizures - none", set(), set(), {"seizure"}, set()),
    ("Never flush the line", set(), set(), set(), set()),  # the protocol's own rule, quoted: an instruction
    ("Someone flushed my son's line", {"flushed_line"}, set(), set(), set()),
    ("she had a fit and it's not stopping", {"seizure"}, set(), set(), set()),
    ("he's a fit and healthy man", set(), set(), set(), set()),
    ("he's been seizure free for 20 years", set(), set(), set(), set()),
    ("I have a fever but no chills", set(), set(), {"chills"}, {"fever"}),  # no chills: no red flag
    # --- non-urgent symptoms: "contact your care team promptly", not the emergency answer ---
    ("I have a fever", set(), set(), set(), {"fever"}),  # PIP common side effect
    ("I have a temperature", set(), set(), set(), {"fever"}),  # UK lay word for fever
    ("I have a headache", set(), set(), set(), {"headache"}),  # PIP common
    ("I'm so tired", set(), set(), set(), {"fatigue"}),  # PIP common: fatigue
    ("I feel sick", set(), set(), set(), {"nausea"}),  # PIP common: nausea (UK "feel sick")
    ("I threw up twice", set(), set(), set(), {"vomiting"}),  # protocol frequent: vomiting
    ("I'm dizzy and lightheaded", set(), set(), set(), {"dizziness"}),  # PIP less common
    ("I have low blood pressure", set(), set(), set(), {"low_blood_pressure"}),  # PIP less common
    ("My ankles are a bit swollen", set(), set(), set(), {"swollen_ankles"}),  # protocol: peripheral oedema
    ("I feel flushed", set(), set(), set(), {"flushing"}),  # a flushed face, not a flushed line
    ("I have a faint rash", set(), set(), set(), {"rash"}),  # "faint" here is not fainting
    # --- look-alikes that are not symptoms at all ---
    ("I'm a bit confused about when to change the bag", set(), set(), set(), set()),
    ("This is confusing", set(), set(), set(), set()),
    ("I feel fit and well today", set(), set(), set(), set()),
    ("Does the bag fit in the pouch?", set(), set(), set(), set()),
    ("I'm setting an alarm for the bag change", set(), set(), set(), set()),
    ("What temperature should the fridge be?", set(), set(), set(), set()),
    ("I painted the fence", set(), set(), set(), set()),  # one letter from "fainted", a real word
    ("I was smelling the roses", set(), set(), set(), set()),  # one letter from "swelling"
    ("my eyes keep weeping", set(), set(), set(), set()),  # one letter from "beeping"
    ("When is my next bag change?", set(), set(), set(), set()),
    ("I'm fine thanks", set(), set(), set(), set()),
    ("why is the pump alarmed and locked", set(), set(), set(), set()),  # protocol: alarmed, lockable pumps
    ("the line site is red and sore", set(), set(), set(), {"infection"}),  # PIP serious: infections
    ("a hot red swollen patch round my dad's central line", set(), set(), set(), {"infection"}),  # not the face
    ("the skin around his picc is red and swollen", set(), set(), set(), {"infection"}),
    ("our daughter's pump was stopped for 3 weeks because she had an infection (she's over it now). "
     "does she carry on where she left off?", set(), {"pump_line", "infection"}, set(), set()),
    ("Which symptoms of cytokine release syndrome mean I should go to the emergency room?", set(), {"crs"}, set(), set()),
    ("what are the warning signs of a seizure that mean we call 911", set(), {"seizure"}, set(), set()),
    ("my son is showing signs of a seizure", {"seizure"}, set(), set(), set()),
    ("husband cant get his breath, lips are going a bluish colour, he's on the bag at home", {"breathing"}, set(),
     set(), set()),  # "are going" is not "was gone"
    ("just did a test and i'm pregnant. i'm halfway through cycle 2 of blina", {"pregnant_on_treatment"}, set(),
     set(), set()),
    ("what if i'm pregnant when the cycle starts?", set(), {"pregnant_on_treatment"}, set(), set()),
    # bewildered by what was read or told, not disoriented; a confused person is still a report
    ("I'm confused - the US website says 2 cycles but the hospital says up to 5. Which is right?", set(), set(), set(),
     set()),
    ("one nurse said every 2 days, another every 4 days, and now i'm confused. how long does a bag last", set(), set(),
     set(), set()),
    ("im so confused, which dose is right?", set(), set(), set(), set()),
    ("i'm really confused - can't think", {"confusion"}, set(), set(), set()),
    ("I'm confused and dizzy", {"confusion"}, set(), set(), {"dizziness"}),
    ("me and my wife are a bit confused.. she's got the pump at home. how many hours either side is it?", set(), set(),
     set(), set()),
    ("we're both really confused about the bag timing", set(), set(), set(), set()),
    ("we are worried, he is confused and shaking", {"confusion"}, set(), set(), {"chills"}),
    ("I don't have any headache, confusion or shaking. Why is the writing test needed?", set(), set(),
     {"confusion", "chills", "headache"}, set()),  # the denial reaches every item of its list
    ("I don't have a temperature, but I'm confused", {"confusion"}, set(), {"fever"}, set()),
    ("the consultant kept saying 'CRS' on the ward round. what is it?", set(), {"crs"}, set(), set()),
    # --- a condition's name as what was talked about is a topic; said of the patient, a report ---
    ("his consultant keeps talking about CRS. what is it?", set(), {"crs"}, set(), set()),
    ("the nurse told us about the risk of cytokine release syndrome", set(), {"crs"}, set(), set()),
    ("the doctor mentioned CRS at clinic", set(), {"crs"}, set(), set()),
    ("the nurse said my husband has CRS", {"crs"}, set(), set(), set()),
    ("the confusion and speech problems people talk about - when do they show up?", set(),
     {"confusion", "speaking"}, set(), set()),
    ("my husband has the confusion the nurse told us about", {"confusion"}, set(), set(), set()),
    # --- the last bag coming off is the end of the course; a bag or line that came off is a report ---
    ("my last bag comes off on friday, how soon can i breastfeed?", set(), {"pump_line"}, set(), set()),
    ("my last bag came out and the line is bleeding", {"pump_line"}, set(), set(), set()),
    ("his line came off", {"pump_line"}, set(), set(), set()),
    # --- a denial before a comma does not deny what a new clause reports ---
    ("he's not answering me, his eyes are rolling back", {"seizure"}, set(), set(), set()),
    ("his eyes are rolling back, its been going on about 2 minutes", {"seizure"}, set(), set(), set()),
    # --- the flag's own verb says it is over, whatever else the message says is now ---
    ("pt had gr3 CRS in C1, fully resolved, now due C2 - premed?", set(), {"crs"}, set(), set()),
    ("after his CRS resolved they restarted the pump", set(), {"crs"}, set(), set()),
    ("his fever resolved but it is back again now, 39.1", {"high_fever"}, set(), set(), set()),  # back again
    # --- a fear of what may happen is no report; a fear of what happened is ---
    ("i keep worrying i'll roll over in the night and yank the line out", set(), {"pump_line"}, set(), set()),
    ("my husband is scared he'll pull the line out in his sleep", set(), {"pump_line"}, set(), set()),
    ("I am scared, he pulled the line out", {"pump_line"}, set(), set(), set()),
    ("I'm worried he might be confused", {"confusion"}, set(), set(), set()),  # how he may be now
    # --- protocol: the line is never flushed; a habit or an intention is not a flush that happened ---
    ("they flush his line constantly for everything else, why not with this one?", set(), set(), set(), set()),
    ("the nurse wanted to flush it but the ward told us not to let anyone", set(), set(), set(), set()),
    ("the nurse flushed his line", {"flushed_line"}, set(), set(), set()),
    # --- PIP pregnancy: "if you become pregnant while undergoing treatment, contact your provider immediately" ---
    ("my wife just found out she's pregnant", {"pregnant_on_treatment"}, set(), set(), set()),
    ("we found out today that she is pregnant", {"pregnant_on_treatment"}, set(), set(), set()),
    # --- a clinical word said as a name is a topic; what someone keeps saying he has is not ---
    ("the doctors keep saying CRS, CRS, CRS like i should know what it means. my son is 15 and on blinatumomab",
     set(), {"crs"}, set(), set()),
    ("he keeps saying he can't breathe", {"breathing"}, set(), set(), set()),
    ("whats this cytokine release syndrome thing the nurses keep going on about with my wife's blina",
     set(), {"crs"}, set(), set()),
    ("my wife has CRS, the nurses keep going on about it", {"crs"}, set(), set(), set()),
    # --- a calendar year, or before the illness, places the event in the past ---
    ("I had a seizure in 2019, years before my leukaemia. Does that matter for blinatumomab?",
     set(), {"seizure"}, set(), set()),
    ("she is having a seizure now, she had one in 2019 too", {"seizure"}, set(), set(), set()),
    # --- staff shorthand for when, then the verb that says it is over ---
    ("pt had G2 CRS C1D2, resolved, now C1D9 afebrile and well. any dose change needed?",
     set(), {"crs"}, set(), set()),
    ("pt G2 CRS D3, not resolved", {"crs"}, set(), set(), set()),
    # --- a negated verb mid-message tells; it opens no question ---
    ("keep getting shaking chills for the last hour, havent got a thermometer, on blina at home",
     {"high_fever"}, set(), set(), set()),
]


@pytest.mark.parametrize("text,flags,asked,negated,symptoms", TABLE, ids=[row[0][:60] for row in TABLE])
def test_table(text, flags, asked, negated, symptoms):
    result = check(text)
    assert ids(result) == flags
    assert result.is_red_flag == bool(flags)
    assert set(result.asked_about) == asked
    assert set(result.negated) == negated
    assert set(result.symptoms) == symptoms


def test_table_is_large_and_balanced():
    assert len(TABLE) >= 60
    assert sum(1 for row in TABLE if row[1]) >= 30  # reports
    assert sum(1 for row in TABLE if not row[1]) >= 30  # questions, denials, symptoms, look-alikes


def test_a_report_beats_a_question_and_a_denial_of_the_same_flag():
    # "no seizures before, but he had a fit just now": the later report wins.
    result = check("He had no seizures before. Now he had a fit")
    assert ids(result) == {"seizure"} and result.negated == () and result.asked_about == ()


def test_plain_fever_and_headache_are_symptoms_never_red_flags():
    result = check("I have a fever and a headache")
    assert not result.is_red_flag
    assert set(result.symptoms) == {"fever", "headache"}


def test_a_phone_number_is_not_numbness():
    # The lemma table reads "number" as the comparative of "numb".
    assert check("What is the clinic's phone number?").asked_about == ()
    assert check("number of cycles?").symptoms == ()
    assert check("my legs feel numb").symptoms == ("tingling",)


def test_typo_one_keystroke_away_is_still_caught():
    # "seizrue" and "dissoriented" are in no spelling list: caught as one slip from the real word.
    assert ids(check("I think he had a seizrue")) == {"seizure"}
    assert ids(check("she is dissoriented")) == {"confusion"}


def test_evidence_quotes_the_words_that_were_recognised():
    result = check("Help, my son is convulsing")
    assert ("seizure", "convulsing") in result.evidence


def test_result_is_frozen():
    result = check("I had a fit")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.is_red_flag = False  # type: ignore[misc]
    assert isinstance(result.flags, tuple) and isinstance(result.flags[0], redflags.RedFlag)


def test_flag_carries_lay_label_and_source():
    (flag,) = check("I flushed the line").flags
    assert flag.label == "the line being flushed"
    assert (flag.source.document, flag.source.section) == ("clinical-protocol", "Administration")
    assert str(flag.source) == "clinical-protocol, Administration"


def test_if_the_full_check_fails_a_plain_word_scan_still_errs_towards_alarm(monkeypatch):
    def broken(*args):
        raise RuntimeError("simulated fault")

    monkeypatch.setattr(redflags, "find_mentions", broken)
    assert ids(check("my son is having a seizure")) == {"seizure"}
    # Without reading negation it over-warns, which is the safe side.
    assert ids(check("no seizures")) == {"seizure"}
    assert not check("when is my next bag change").is_red_flag


# --- hostile input: never an exception, and a red flag is still found where there is one ---
HOSTILE = [
    "", " ", "\n\t  \r\n", "\x00", "\x00" * 1000, "😀🔥💉", "<script>alert(1)</script>",
    "<<<>>>", "?" * 5000, "'" * 300, "\u202e\u200b\ufeff", "a" * 100_000, "😀" * 25_000,
    "?!.," * 25_000, "<b>x</b>" * 12_500, "\ud800", "n't n't n't", "if if if if", "'s", "-", "...",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(text[:12]) for text in HOSTILE])
def test_hostile_text_never_raises(text):
    result = check(text)
    assert isinstance(result, RedFlagCheck)
    assert not result.is_red_flag


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(), max_size=400)
       | st.lists(st.sampled_from(["I", "no", "not", "if", "seizure", "can't", "breathe", "?", ",", "the",
                                   "line", "is", "leaking", "what", "fever", "and", "chills", "'s", "had",
                                   "one", "<b>", "\x00", "😀", "-", "flushed", "when", "last year"]),
                  max_size=60).map(" ".join))
def test_any_text_gives_a_check_and_never_raises(text):
    result = check(text)
    assert isinstance(result, RedFlagCheck)
    assert result.is_red_flag == bool(result.flags)
    mentioned = [f.id for f in result.flags] + list(result.asked_about) + list(result.negated) + list(result.symptoms)
    assert len(mentioned) == len(set(mentioned))  # each id has one reading


@pytest.mark.parametrize("value", [None, b"I had a seizure", 12345, ["seizure"]])
def test_non_text_input_never_raises(value):
    result = check(value)
    assert isinstance(result, RedFlagCheck)
    if value == b"I had a seizure":
        assert ids(result) == {"seizure"}


def test_red_flag_at_the_end_of_100_kb_of_text_is_found():
    filler = "What time is my appointment on Monday and where do I park the car. " * 1500
    assert len(filler) > 100_000
    result = check(filler + "My son is having a seizure")
    assert ids(result) == {"seizure"}


def test_100_kb_of_repeated_reports_and_questions():
    text = "I had a seizure. Can blinatumomab cause confusion? no fever. " * 1700
    assert len(text) > 100_000
    result = check(text)
    assert ids(result) == {"seizure"}
    assert result.asked_about == ("confusion",)
    assert result.negated == ("fever",)


# --- the data file ---
def test_every_required_red_flag_is_covered():
    assert REQUIRED_FLAGS <= set(redflags.red_flag_ids())


def test_lexicon_is_built_once_per_process():
    assert load() is load()


def _headings(document: str) -> set:
    path = SOURCES / SOURCE_FILES[document]
    if not path.exists():
        pytest.skip(f"source document {path} is not present")
    # Headings as written, without the protocol's bullet glyphs, a markdown "#" or a closing colon.
    lines = path.read_text(encoding="utf-8").splitlines()
    return {re.sub(r"^[^\w(\"]+", "", line).strip().rstrip(":").strip() for line in lines}


def test_every_source_names_a_real_heading_of_its_document():
    data = yaml.safe_load(RED_FLAGS_PATH.read_text(encoding="utf-8"))
    cited = []
    for entry in data["red_flags"] + data["symptoms"]:
        for source in [entry["source"]] + entry.get("also", []):
            cited.append((entry["id"], source["document"], source["section"]))
    assert len(cited) >= len(data["red_flags"]) + len(data["symptoms"])
    for entry_id, document, section in cited:
        assert section in _headings(document), f"{entry_id}: no heading {section!r} in {document}"


def test_no_number_or_threshold_in_the_red_flag_data():
    # The sources give no temperature or blood-pressure threshold: none may be invented.
    data = yaml.safe_load(RED_FLAGS_PATH.read_text(encoding="utf-8"))
    for entry in data["red_flags"] + data["symptoms"]:
        words = " ".join(entry.get("phrases", []) + entry.get("exact", []))
        assert not re.search(r"\d", words), entry["id"]
