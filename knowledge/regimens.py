"""Loads a regimen from knowledge/regimens/*.yml into the scheduling core's dataclasses (the only I/O)."""
from __future__ import annotations

import functools
from pathlib import Path

import yaml

from scheduling.model import (
    HospitalStay,
    Investigations,
    Phase,
    PlanError,
    PreMedication,
    Regimen,
    ToxicityRestart,
)

REGIMEN_DIR = Path(__file__).resolve().parent / "regimens"
DOCUMENTS = ("patient-information-page", "clinical-protocol", "prescribing-information")
_HOURS = {"hours": 1, "days": 24}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RegimenDataError(ValueError):
    """A regimen file is malformed or a number lacks its source (a data bug, not a user error)."""


def _source(text, where: str) -> str:
    if not isinstance(text, str) or not text.startswith(tuple(f"{doc}, " for doc in DOCUMENTS)):
        raise RegimenDataError(f"{where}: source must be 'document, Section' with a known document, not {text!r}")
    return text


def _sourced(node, where: str) -> tuple[float, str]:
    """(value, source) of a {value, source} entry: every clinical number carries its source."""
    value = node.get("value") if isinstance(node, dict) else None
    numbers = value if isinstance(value, list) and value else [value]
    if not all(isinstance(number, (int, float)) for number in numbers):
        raise RegimenDataError(f"{where}: expected {{value: <number or list of numbers>, source: ...}}, not {node!r}")
    return node["value"], _source(node.get("source"), where)


@functools.lru_cache(maxsize=None)
def _files() -> dict[str, Path]:
    """indication -> regimen file, from each file's `indications` keys."""
    table = {}
    for path in sorted(REGIMEN_DIR.glob("*.yml")):
        with path.open(encoding="utf-8") as handle:
            for indication in yaml.load(handle, Loader=_Loader).get("indications", {}):
                table[indication] = path
    return table


def indications() -> tuple[str, ...]:
    """Every indication a regimen file serves, e.g. ("mrd-positive", "relapsed-refractory", "ph-positive")."""
    return tuple(_files())


def load_regimen(indication: str) -> Regimen:
    """The regimen for an indication (ph-positive shares the relapsed-refractory data).

    Raises PlanError (one line) for an unknown indication, RegimenDataError for a malformed file.
    """
    path = _files().get(indication)
    if path is None:
        raise PlanError(f"unknown indication {indication!r}: choose one of {', '.join(indications())}")
    return _load_file(path)


@functools.lru_cache(maxsize=None)
def _load_file(path: Path) -> Regimen:
    with path.open(encoding="utf-8") as handle:
        data = yaml.load(handle, Loader=_Loader)
    return regimen_from_data(data, path.name)


def regimen_from_data(data: dict, name: str = "regimen") -> Regimen:
    """Build a Regimen from parsed YAML, checking that each number has a source and the data adds up."""
    sources: list[tuple[str, str]] = []

    def cite(when: str, source: str) -> str:
        sources.append((when, source))
        return source

    def number(key: str, when: str = "core") -> float:
        value, source = _sourced(data.get(key), f"{name}: {key}")
        cite(when, source)
        return value

    indications_ = tuple(
        (key, entry["title"], _source(entry.get("source"), f"{name}: indications.{key}"))
        for key, entry in data["indications"].items()
    )
    cycle_length = number("cycle_length_days")
    infusion_days = number("infusion_days_per_cycle")
    free_days = number("treatment_free_days")
    if cycle_length != infusion_days + free_days:
        raise RegimenDataError(f"{name}: {cycle_length} days per cycle != {infusion_days} + {free_days}")
    counts = data["cycles"]
    default, default_source = _sourced(counts.get("default"), f"{name}: cycles.default")
    maximum, maximum_source = _sourced(counts.get("maximum"), f"{name}: cycles.maximum")
    cite("core", default_source)
    cite("core", maximum_source)
    if counts.get("beyond_default"):
        cite("beyond_default", _source(counts.get("beyond_default_source"), f"{name}: cycles.beyond_default_source"))

    phases = []
    for index, entry in enumerate(data["phases"]):
        where = f"{name}: phases[{index}]"
        phases.append(
            Phase(
                first_cycle=entry["cycles"]["first"],
                last_cycle=entry["cycles"]["last"],
                first_day=entry["days"]["first"],
                last_day=entry["days"]["last"],
                dose=float(entry["dose"]),
                unit=entry["unit"],
                dose_per_m2=float(entry["dose_per_m2"]),
                dose_per_m2_unit=entry["dose_per_m2_unit"],
                cap=float(entry["cap"]),
                source=cite("core", _source(entry.get("source"), where)),
                bsa_source=cite("bsa", _source(entry.get("bsa_source"), where)),
            )
        )
    bsa = data["body_surface_area"]
    threshold, threshold_source = _sourced(bsa.get("threshold_kg"), f"{name}: body_surface_area.threshold_kg")
    cite("bsa", threshold_source)
    if bsa.get("formula") != "mosteller":
        raise RegimenDataError(f"{name}: only the Mosteller body-surface-area formula is implemented")

    stays = tuple(
        HospitalStay(entry["cycle"], entry["days"], cite("core", _source(entry.get("source"), f"{name}: hospital_stays")))
        for entry in data["hospital_stays"]
    )
    bags = data["bags"]
    max_hours, bag_source = _sourced(bags.get("max_hours"), f"{name}: bags.max_hours")
    cite("core", bag_source)
    cite("core", _source(bags.get("closed_days_source"), f"{name}: bags.closed_days_source"))
    if max_hours < 24:
        raise RegimenDataError(f"{name}: a bag must run at least one day")
    durations, durations_source = _sourced(bags.get("durations_hours"), f"{name}: bags.durations_hours")
    window, window_source = _sourced(bags.get("change_window_hours"), f"{name}: bags.change_window_hours")
    if any(hours % 24 or hours > max_hours for hours in durations):
        raise RegimenDataError(f"{name}: a bag runs whole days and never past its expiry")

    investigations = []
    for entry in data["investigations"]:
        validity = entry["validity"]
        value, source = _sourced(validity, f"{name}: investigations.validity")
        investigations.append(
            Investigations(
                applies_to=entry["cycles"],
                validity_hours=int(value * _HOURS[validity["unit"]]),
                validity_text=f"{value:g} {validity['unit']}",
                tests=tuple(entry["tests"]),
                source=cite("core", source),
            )
        )
    if {i.applies_to for i in investigations} != {"first", "later"}:
        raise RegimenDataError(f"{name}: investigations need one entry for 'first' and one for 'later' cycles")

    medicines = []
    for entry in data["pre_medication"]:
        if entry["when"] not in ("cycle_start", "first_hours", "step_up", "restart"):
            raise RegimenDataError(f"{name}: unknown pre-medication time {entry['when']!r}")
        hours = _sourced(entry["hours"], f"{name}: pre_medication.hours")[0] if "hours" in entry else 0
        when = "interruptions" if entry["when"] == "restart" else "core"
        medicines.append(
            PreMedication(entry["when"], entry["text"], cite(when, _source(entry.get("source"), f"{name}: pre_medication")), int(hours))
        )

    stops = data["interruptions"]
    same_max, same_source = _sourced(stops.get("same_cycle_max_days"), f"{name}: interruptions.same_cycle_max_days")
    new_max, new_source = _sourced(stops.get("new_cycle_max_days"), f"{name}: interruptions.new_cycle_max_days")
    cite("interruptions", same_source)
    cite("interruptions", new_source)
    cite("interruptions", _source(stops.get("restart_supervision_source"), f"{name}: interruptions"))

    tox = data["toxicity_restart"]
    tox_dose, tox_source = _sourced(tox.get("dose"), f"{name}: toxicity_restart.dose")
    tox_per_m2, tox_bsa_source = _sourced(tox.get("dose_per_m2"), f"{name}: toxicity_restart.dose_per_m2")
    tox_cap, tox_cap_source = _sourced(tox.get("cap"), f"{name}: toxicity_restart.cap")
    tox_days, tox_days_source = _sourced(tox.get("infusion_days"), f"{name}: toxicity_restart.infusion_days")
    for source in (tox_source, tox_days_source):
        cite("toxicity", source)
    for source in (tox_bsa_source, tox_cap_source):
        cite("toxicity_bsa", source)

    return Regimen(
        id=data["id"],
        title=data["title"],
        indications=indications_,
        cycle_length_days=int(cycle_length),
        infusion_days_per_cycle=int(infusion_days),
        default_cycles=int(default),
        max_cycles=int(maximum),
        beyond_default_note=counts.get("beyond_default", ""),
        phases=tuple(phases),
        bsa_threshold_kg=float(threshold),
        hospital_stays=stays,
        bag_max_hours=int(max_hours),
        bag_durations_hours=tuple(int(hours) for hours in durations),
        bag_change_window_hours=int(window),
        bag_sources=tuple(dict.fromkeys((durations_source, window_source))),
        investigations=tuple(investigations),
        pre_medication=tuple(medicines),
        same_cycle_max_interruption_days=int(same_max),
        new_cycle_max_interruption_days=int(new_max),
        restart_supervision=stops["restart_supervision"],
        toxicity_restart=ToxicityRestart(
            dose=float(tox_dose),
            unit=tox["dose"].get("unit", phases[0].unit),
            dose_per_m2=float(tox_per_m2),
            cap=float(tox_cap),
            infusion_days=int(tox_days),
            source=tox_source,
            bsa_source=tox_bsa_source,
        ),
        sources=tuple(dict.fromkeys(sources)),
    )
