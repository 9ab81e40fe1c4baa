"""Regimens as data: the numbers match the sources, every number has a source, the loader checks both."""
import copy
from pathlib import Path

import pytest
import yaml

from knowledge.regimens import REGIMEN_DIR, RegimenDataError, indications, load_regimen, regimen_from_data
from scheduling.model import PlanError

SOURCES = Path("/work/shared/sources")
DOCUMENT_FILES = {
    "clinical-protocol": "clinical-protocol.txt",
    "patient-information-page": "patient-information-page.txt",
    "prescribing-information": "label-facts.md",
}


def _raw(name):
    return yaml.safe_load((REGIMEN_DIR / name).read_text(encoding="utf-8"))


def test_every_indication_has_a_regimen():
    assert set(indications()) == {"relapsed-refractory", "ph-positive", "mrd-positive"}


def test_relapsed_refractory_matches_the_protocol():
    # clinical-protocol, Regimen details: cycle 1 9 mcg/day days 1-7, 28 days 8-28; cycles 2-5 28 days 1-28.
    regimen = load_regimen("relapsed-refractory")
    phases = [(p.first_cycle, p.last_cycle, p.first_day, p.last_day, p.dose) for p in regimen.phases]
    assert phases == [(1, 1, 1, 7, 9.0), (1, 1, 8, 28, 28.0), (2, 5, 1, 28, 28.0)]
    # Cycle frequency: 6-week cycles, 28 days of treatment then 14 free. Number of cycles: 2, up to 3 more.
    assert (regimen.cycle_length_days, regimen.infusion_days_per_cycle, regimen.treatment_free_days) == (42, 28, 14)
    assert (regimen.default_cycles, regimen.max_cycles) == (2, 5)
    # Administration: hospital for the first 9 days of cycle 1 and the first 2 of cycle 2; bag expiry 96 hours.
    assert [(s.cycle, s.days) for s in regimen.hospital_stays] == [(1, 9), (2, 2)]
    assert regimen.bag_max_hours == 96
    # Investigations: 14 days (= 336 hours) before cycle 1, 96 hours before later cycles.
    assert {i.applies_to: i.validity_hours for i in regimen.investigations} == {"first": 336, "later": 96}
    # Dose modifications: <= 7 days same cycle, <= 14 new cycle; restart 9 mcg/day (5 mcg/m²/day) for 7 days.
    assert (regimen.same_cycle_max_interruption_days, regimen.new_cycle_max_interruption_days) == (7, 14)
    tox = regimen.toxicity_restart
    assert (tox.dose, tox.dose_per_m2, tox.cap, tox.infusion_days) == (9.0, 5.0, 9.0, 7)
    # Prescribing information, under 45 kg: 5 mcg/m²/day capped at 9, 15 mcg/m²/day capped at 28.
    assert regimen.bsa_threshold_kg == 45
    assert [(p.dose_per_m2, p.cap) for p in regimen.phases] == [(5.0, 9.0), (15.0, 28.0), (15.0, 28.0)]


def test_ph_positive_shares_the_relapsed_refractory_dosing():
    ph, rr = load_regimen("ph-positive"), load_regimen("relapsed-refractory")
    assert ph.phases == rr.phases and ph.indication("ph-positive") is not None
    assert ph.indication("ph-positive")[2].startswith("patient-information-page, ")


def test_mrd_positive_matches_the_prescribing_information():
    # prescribing-information, MRD-positive B-ALL: 28 mcg/day days 1-28 of every 42-day cycle, 1 + up to 3
    # cycles, hospital for the first 3 days of cycle 1 and the first 2 of cycle 2, no 9 mcg/day step.
    regimen = load_regimen("mrd-positive")
    assert [(p.first_cycle, p.last_cycle, p.first_day, p.last_day, p.dose) for p in regimen.phases] == [
        (1, 4, 1, 28, 28.0)
    ]
    assert (regimen.cycle_length_days, regimen.default_cycles, regimen.max_cycles) == (42, 1, 4)
    assert [(s.cycle, s.days) for s in regimen.hospital_stays] == [(1, 3), (2, 2)]
    # Taken from the label, so cited as prescribing information, never as the clinic protocol.
    assert regimen.phases[0].source == "prescribing-information, MRD-positive B-ALL"


def test_unknown_indication_is_a_plan_error():
    with pytest.raises(PlanError, match="unknown indication 'aml'"):
        load_regimen("aml")


def _numbers_without_source(node, parent=None, path="$"):
    """Paths of numbers whose mapping (or its parent mapping) has no *source key."""
    has_source = lambda mapping: isinstance(mapping, dict) and any(k.endswith("source") for k in mapping)  # noqa: E731
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                if not (has_source(node) or has_source(parent)):
                    found.append(f"{path}.{key}")
            else:
                found += _numbers_without_source(value, node, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += _numbers_without_source(item, parent, f"{path}[{index}]")
    return found


@pytest.mark.parametrize("name", ["relapsed-refractory.yml", "mrd-positive.yml"])
def test_every_number_in_the_yaml_has_a_source(name):
    assert _numbers_without_source(_raw(name)) == []


@pytest.mark.skipif(not SOURCES.is_dir(), reason="the source documents are not on this machine")
@pytest.mark.parametrize("indication", ["relapsed-refractory", "mrd-positive"])
def test_every_cited_section_exists_in_its_document(indication):
    regimen = load_regimen(indication)
    cited = {source for _, source in regimen.sources} | {entry[2] for entry in regimen.indications}
    for citation in cited:
        document, section = citation.split(", ", 1)
        text = (SOURCES / DOCUMENT_FILES[document]).read_text(encoding="utf-8")
        assert section in text, citation


def test_the_loader_refuses_a_number_without_source():
    data = _raw("relapsed-refractory.yml")
    broken = copy.deepcopy(data)
    broken["bags"]["max_hours"] = 96
    with pytest.raises(RegimenDataError, match="bags.max_hours"):
        regimen_from_data(broken)
    broken = copy.deepcopy(data)
    broken["interruptions"]["new_cycle_max_days"]["source"] = "my memory, page 3"
    with pytest.raises(RegimenDataError, match="known document"):
        regimen_from_data(broken)


def test_the_loader_refuses_cycles_that_do_not_add_up():
    broken = _raw("mrd-positive.yml")
    broken["treatment_free_days"]["value"] = 13  # 28 + 13 != 42
    with pytest.raises(RegimenDataError, match="42"):
        regimen_from_data(broken)
