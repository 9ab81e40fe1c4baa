"""Understanding, measured on messages written blind by people who never saw data/ (tests/eval/*.yml):
the sets stay out of training, their scoring rules hold, and the assistant keeps its measured figures."""
import datetime as dt
import re

import pytest
import yaml

from evaluation.scoring import (CATEGORIES, DEV_SETS, EVAL_DIR, FINAL_SETS, Reply, has_token, judge, load_cases,
                                messages_of, names_date)
from tests.conftest import ROOT

# A little under what `make eval` measured (README, "Understanding"); a drop below one is a regression.
# Measured: dev 95 / 95 / 94 / 84 / 98 / 88 / 95 % (answerable, follow-ups, uncovered, red flag, not a report,
# plan, small talk), final_m_a 91 / 95 / 85 / 70 / 100 / 100 / 75 %, final_m_b 89 / 92 / 100 / 100 / 90 / 88 / 75 %.
# The final sets are small (138 cases each), so their floors sit a case or two under.
FLOORS = {
    "dev": {"answerable": 0.94, "followup": 0.93, "uncovered": 0.92, "red_flag": 0.82, "not_red_flag": 0.96,
            "plan": 0.86, "small_talk": 0.93},
    "final_m_a": {"answerable": 0.87, "followup": 0.90, "uncovered": 0.77, "red_flag": 0.60, "not_red_flag": 0.90,
                  "plan": 0.87, "small_talk": 0.50},
    "final_m_b": {"answerable": 0.85, "followup": 0.87, "uncovered": 0.92, "red_flag": 0.90, "not_red_flag": 0.80,
                  "plan": 0.75, "small_talk": 0.50},
}


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def training_sentences() -> set:
    sentences = set()
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            sentences |= {normalise(line[2:]) for line in block["examples"].splitlines() if line.strip()}
    for path in sorted((ROOT / "knowledge" / "facts").glob("*.yml")):
        for fact in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("facts") or []:
            sentences |= {normalise(q) for q in fact.get("questions") or []}
    return sentences


@pytest.mark.parametrize("names", [DEV_SETS, FINAL_SETS], ids=["dev", "final"])
def test_no_evaluation_message_is_in_the_training_data(names):
    seen = training_sentences()
    # A greeting is the same words in every set and in training ("hello!"), so small talk may repeat them.
    overlap = [m for case in load_cases(names) if case["category"] != "small_talk"
               for m in messages_of(case) if normalise(m) in seen]
    assert overlap == []


def test_the_sets_are_large_and_cover_every_category():
    dev, final = load_cases(DEV_SETS), load_cases(FINAL_SETS)
    assert len(dev) >= 400 and len(final) >= 200
    for cases in (dev, final):
        assert {case["category"] for case in cases} == set(CATEGORIES)
        assert {case.get("voice") for case in cases if case["category"] == "answerable"} == {"plain", "real", "staff"}
    assert not {case["id"] for case in dev} & {case["id"] for case in final}


def test_a_number_must_stand_alone_and_alternatives_count():
    assert has_token("platelets above 100 x 10^9/L", "100")
    assert not has_token("within 1000 days", "100")
    assert has_token("about $178,000 a month", "178") and not has_token("1,780 mg", "178")
    assert not has_token("1,000 mg", "1")
    assert not has_token("0.9 mg", "9")
    assert has_token("two weeks", "14 days|two weeks")
    assert has_token("a 0.2 μm filter", "0.2 micron|0.2 μm")
    assert has_token("for the first 1–2 cycles", "1-2") and not has_token("for the first 1–2 cycles", "1-3")


def test_a_date_is_found_however_the_answer_writes_it():
    assert names_date("Cycle 2 starts on Monday 18 January 2027.", [dt.date(2027, 1, 18)])
    assert not names_date("Cycle 2 starts on Monday 18 January 2027.", [dt.date(2027, 1, 8)])


def test_each_category_is_judged_by_what_it_needs():
    cited = Reply("The filter is 0.2 micron.\nSource: clinical-protocol, Administration")
    declined = Reply("My documents don't cover showering. Call the front desk on 469-391-0070.")
    alarm = Reply("Call 911 now.", urgency="emergency")
    assert judge({"category": "answerable", "expect": ["0.2"]}, [cited])
    assert not judge({"category": "answerable", "expect": ["0.2"]}, [declined])
    assert judge({"category": "uncovered"}, [declined]) and not judge({"category": "uncovered"}, [cited])
    assert judge({"category": "red_flag", "tier": "emergency"}, [alarm])
    assert not judge({"category": "not_red_flag"}, [alarm])
    assert not judge({"category": "small_talk"}, [cited])


@pytest.fixture(scope="module")
def measured(trained_model, tmp_path_factory):
    """Both sets sent to real servers, as `make eval` does: figures per category."""
    import asyncio

    from assistant.serve import Servers, free_port
    from evaluation.__main__ import run_cases
    from evaluation.scoring import tally

    work = tmp_path_factory.mktemp("eval")
    servers = Servers(rasa_port=free_port(), actions_port=free_port(), web_port=free_port(),
                      tracker_db=work / "trackers.db", log_dir=work / "logs",
                      extra_env={"BLINA_TODAY_FROM_METADATA": "1"})
    with servers:
        return {name: tally(asyncio.run(run_cases(servers.rasa_url, load_cases(sets))))
                for name, sets in (("dev", DEV_SETS), *((name[:-4], [name]) for name in FINAL_SETS))}


@pytest.mark.slow
@pytest.mark.parametrize("which", ["dev", *(name[:-4] for name in FINAL_SETS)])
def test_understanding_holds_its_measured_figures(measured, which):
    rows = measured[which]
    below = {category: f"{rows[category]} < {floor:.0%}" for category, floor in FLOORS[which].items()
             if rows[category].rate < floor}
    assert below == {}
