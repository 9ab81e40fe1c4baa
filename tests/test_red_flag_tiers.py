"""Red flags, second version: for every flag a report, a typo, a third-person report, history, a
hypothesis, a question, a denial and a staff question, each row with the tier it expects (or none);
readings in several forms; a report with a question. Tiers come from knowledge/red_flags.yml."""
import pytest

from triage import redflags
from triage.readings import find_readings, mask_readings

E, U, NO = "emergency", "urgent", None

# (message, expected tier) from a patient or carer in the widget.
PATIENT_ROWS = [
    # PIP pregnancy: "If you become pregnant while undergoing Blinatumomab treatment, contact your provider immediately."
    ("my pregnancy test this morning came back positive, what do I do?", U),
    ("I think I'm pregnant and I'm on blina", U),
    ("did a pregnancy test, it's positive. I'm on day 12 of blina", U),
    ("what happens if I get a positive pregnancy test during treatment?", NO),
    ("what if my pregnancy test is positive?", NO),
    ("heart rate 150 and really dizzy, I'm lying on the floor", E),
    ("just took her BP on the home machine, it's 84/52 and she's pale", E),  # the reading a few words on  # a collapse, not only a fast pulse
    ("I dropped the new bag on the floor, is it still ok to use?", NO),
    # seizure
    ("he's having a seizure right now", E),
    ("my son is having a siezure", E),
    ("my husband is fitting on the floor", E),
    ("he had one seizure last week and they restarted the blina after. what happens if he has another one?", NO),
    ("what should I do if she has a fit at home?", NO),
    ("are seizures a side effect of blinatumomab?", NO),
    ("no seizures so far, is that normal?", NO),
    ("our 7yo has gone stiff and is twitching on one side and not answering us!! shes on blinatumomab", E),
    ("the left side of his body keeps jerking", E),
    ("my neck has gone stiff from sleeping funny", NO),
    ("my eye keeps twitching", NO),
    # confusion
    ("I'm really confused and don't know where I am", E),
    ("my mum is confussed and not making sense", E),
    ("in cycle 1 I got confused for a day, it settled. will it happen again?", NO),
    ("what if he gets confused in the night?", NO),
    ("can blinatumomab cause confusion?", NO),
    ("he hasn't been confused at all", NO),
    # speaking
    ("my wife can't speak properly and her words are jumbled", E),
    ("dad's words are coming out all wrong, he can't get a sentence out", E),
    ("is trouble speaking a side effect?", NO),
    # breathing
    ("I can't breathe", E),
    ("my daughter is strugling to breath", E),
    ("2 weeks ago our daughter had trouble breathing on the ward and they said it was CRS. shes doing great now. what does CRS stand for?", NO),
    ("no trouble breathing, just tired", NO),
    # fever with shivering
    ("high fever and chills since last night", E),
    ("I have shaking chills and a high temperature", E),
    ("my son had shaking chills and a high fever in cycle 1 back in january, it passed after a day. will they give him anything beforehand?", NO),
    ("what should I do if I get a fever at home?", NO),
    ("I haven't had any fever or chills, is that normal?", NO),
    # fainting
    ("she passed out in the kitchen", E),
    ("I fainted once last week getting out of bed but I've been fine since. Could that have been the medicine?", NO),
    ("is fainting a side effect?", NO),
    ("I can't wake my son properly, he opens his eyes and drifts straight off again. hes on the blina drip at home", E),
    ("my daughter drifts straight off to sleep at 8pm every night, is that normal?", NO),
    ("I won't wake my son for the 2am obs, is that ok?", NO),
    # balance and coordination
    ("My brother keeps walking into the door frame and can't stand up without holding on to something, he's on blina", E),
    ("he keeps bumping into things", E),
    ("he walked into the room and sat down, he's on blina", NO),
    ("my 5 year old can't stand the taste of the mouthwash", NO),
    ("can blina make you walk into things?", NO),
    # face swelling
    ("my lips and face are swelling up", E),
    ("say my lips started swelling after a bag change, would that be a call 911 thing or a call the clinic thing?", NO),
    ("No rash, swelling or wheezing after the first 2 days. Am I past the usual window?", NO),
    # pump and line: urgent
    ("the pump is beeping right now and the screen says occlusion", U),
    ("the blina bag is leaking, the inside of the pump bag is all wet", U),
    ("my daughter has pulled her line out, theres a tiny bit of blood on the dressing but shes fine otherwise", U),
    ("pump has stopped and the screen is blank", U),
    ("the pump screen's gone blank and it's not running anymore. changed the batteries and nothing", U),
    ("our 5 year old yanked his tube and it's come out of the pump, there's blina dripping on the carpet", U),
    ("is the pump screen meant to go blank at night?", NO),
    ("how long does blinatumomab stay in your body after he came off the pump?", NO),
    ("how do I stop the blina dripping when I change the bag?", NO),
    ("the pump stopped overnight and nobody noticed for about 5 hours, does that matter?", U),
    ("the pump alarmed in the night on tuesday, the home nurse came out and sorted the line and its been running fine ever since. do I need to tell anyone?", NO),
    ("the pump screen flashed up 'occlusion' twice this week and then carried on fine by itself. what does occlusion mean?", NO),
    ("suppose the tubing comes apart from the line one day, should i flush it before i reconnect it?", NO),
    ("my husband had his pump stopped for 6 days last month cos of an infection, does he still get his full 28 days?", NO),
    # flushing the line
    ("I flushed the line by mistake when I changed the bag", U),
    ("the agency nurse just pushed a saline flush through dads line after changing the bag. we were told never to do that. what happens now", U),
    ("can the nurse give a saline flush through his line?", NO),
    ("we have saline flushes in the cupboard from his old chemo, is it ok to use them on his blina line?", NO),
    # history and restarts
    ("they stopped the blina for a couple of days because of CRS, when they put him back on will it be the full dose straight away?", NO),
    ("they told my son they'll restart his blina at a lower dose after his CRS episode, how long before he goes back up?", NO),
    ("how long does blinatumomab stay in your body after the pump comes off?", NO),
    ("the nurse keeps saying blincyto and the leaflet says blinatumomab, my mum is confused are they two different drugs??", NO),
    # a report and a question in one message escalates
    ("he's having a seizure, is that the blina?", E),
]

# Readings: (message, expected tier); thresholds are the clinic's settings (assistant/clinic.yml).
READING_ROWS = [
    ("I feel really dizzy and my blood pressure is 80/50", E),
    ("bp 85 over 50", E),
    ("bp 78 over 40 and im so dizzy i cant stand up", E),
    ("the thermometer says 103.1F and she is shivering", E),
    ("temp of 39.2 and shivering", E),
    ("my temperature is 39.4°C", E),
    ("temp of 38.5", U),
    ("102F", U),  # 38.9 °C: past the clinic's 38.0 but short of its 39.0
    ("she's 103F", E),
    ("heart rate 150", U),
    ("heart rate 142 and I feel shaky", U),
    ("Got my temp checked at the pharmacy on the way home, it was 38.9. I'm on blinatumomab week 3", U),
    ("temp 39.4 and rising, day 2 of first cycle", E),  # "day 2 of first cycle" is where she is now
    ("his temp's gone up to 39.5", E),  # "gone up" is not "it was gone"
    ("my weight is 38.9 kg", NO),
    ("temp was fine at the pharmacy but my weight was 38.9", NO),
    ("temp 37.1, weight 38.9kg", NO),
    ("my cycle started on 3.12", NO),
    ("what if his temp goes over 38", NO),
    ("my temp was 39.4 on day 2 of first cycle, it passed after paracetamol. is that normal?", NO),
    ("my temp is 37.2", NO),
    ("bp 120/80, all fine", NO),
    ("If my temperature goes over 38, do I need to go to the ER?", NO),
    ("had a temp of 39.1 the first night of cycle 1, the nurses gave me paracetamol and it was gone by the morning", NO),
    ("my bp dropped to 82/50 on the ward yesterday, they gave me fluids and it's back up to 118/76 this morning", NO),
]

# Staff console: protocol questions about a patient's toxicity never escalate; a caller's current report does.
STAFF_ROWS = [
    ("patient had CRS grade 4, can they restart?", NO),
    ("pt had 2 seizures during cycle 1 - ok to continue blina?", NO),
    ("grade 3 CRS now resolved, what dose do we restart at and when do we escalate?", NO),
    ("pt had 1 seizure on blina, does it have to stop permanently?", NO),
    ("had a second convulsion on C2D4, what does the protocol say?", NO),
    ("is tocilizumab part of our CRS management for blina pts?", NO),
    ("caller says her husband is having a seizure right now", E),
    ("caller says the pump is alarming now and the line is leaking", U),
    ("pt's husband ringing - says pt is disorientated and slurring, day 6 blina", E),
    ("if a pt has a seizure on blina, what is the plan?", NO),
    ("pt on C1D3 rang, T 38.1, no other symptoms, asking what to do", U),
    ("pt had T 38.4 on C1D2, now resolved - ok to continue?", NO),
    ("pt had G3 CRS, restart dose?", NO),
    ("pt on C1D2 calling - new slurred speech and can't lift his left arm", E),  # PIP: trouble speaking
    ("pt's wife called, he's confused and drowsy", E),  # PIP serious: confusion
    ("pt had a seizure in C1, new cycle rules?", NO),
    # readings past the clinic's limits are a patient's, now, unless the message says they settled
    ("pt C1D3, T 39.4, BP 80/50, RR 28, short of breath", E),  # PIP: trouble breathing; clinic: BP limit
    ("pt had T 39.4 and BP 80/50 on C1D2, resolved, ok for cycle 2?", NO),
    ("pt C1D3 not feeling well, T 39.4, BP 80/50", E),
]


@pytest.mark.parametrize("message,tier", PATIENT_ROWS + READING_ROWS)
def test_a_patient_message_escalates_only_for_a_current_report(message, tier):
    found = redflags.escalation(message, "patient")
    assert (found.tier if found else None) == tier


@pytest.mark.parametrize("message,tier", STAFF_ROWS)
def test_a_staff_message_escalates_only_when_a_caller_is_going_through_it_now(message, tier):
    found = redflags.escalation(message, "staff")
    assert (found.tier if found else None) == tier


def test_every_flag_has_a_tier_and_the_pump_and_line_ones_are_urgent():
    tiers = {flag_id: redflags.red_flag(flag_id).tier for flag_id in redflags.red_flag_ids()}
    assert set(tiers.values()) == {E, U}
    assert tiers["pump_line"] == tiers["flushed_line"] == U
    assert tiers["seizure"] == tiers["breathing"] == tiers["high_fever"] == E


@pytest.mark.parametrize("text,kind,value", [
    ("temp of 38.5", "temperature", 38.5),
    ("102F", "temperature", 38.9),
    ("temperature is 101.3 degrees", "temperature", 38.5),
    ("bp 85 over 50", "blood_pressure", 85),
    ("80/50 mmHg", "blood_pressure", 80),
    ("pulse 140", "pulse", 140),
    ("heart rate 142", "pulse", 142),
    ("T 38.1", "temperature", 38.1),
    ("Tmax 38.4", "temperature", 38.4),
    ("got my temp checked at the pharmacy, it was 38.9", "temperature", 38.9),
])
def test_readings_are_read_as_measurements(text, kind, value):
    [reading] = find_readings(text)
    assert (reading.kind, reading.value) == (kind, value)


@pytest.mark.parametrize("text", [
    "my weight is 38.9 kg", "temp fine, weight 38.9", "temp 38.9kg", "temp checked. it was fine. he is 38.9",
    "my cycle started on 3.12", "don't 38.5",
])
def test_a_number_that_is_not_a_temperature_is_not_read_as_one(text):
    assert [r for r in find_readings(text) if r.kind == "temperature"] == []


def test_a_blood_pressure_is_never_read_as_a_date():
    from actions.parsing import find_date
    import datetime as dt

    text = "my blood pressure is 80/50, when is my next bag change?"
    assert "80/50" not in mask_readings(text)
    assert find_date(text, dt.date(2026, 12, 10)) is None  # not "no day 50 in month 80"
