"""The scheduling core's immutable data: a regimen, a patient's request, and the plan made from them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date


class PlanError(ValueError):
    """Bad input for a plan; str(error) is one line fit to show a patient or print on stderr."""


# --- the regimen (built from knowledge/regimens/*.yml by knowledge.regimens.load_regimen) ---


@dataclass(frozen=True, slots=True)
class Phase:
    """A dose for a range of cycles and of infusion days within each cycle (1-based, inclusive)."""

    first_cycle: int
    last_cycle: int
    first_day: int
    last_day: int
    dose: float
    unit: str
    dose_per_m2: float
    dose_per_m2_unit: str
    cap: float
    source: str
    bsa_source: str


@dataclass(frozen=True, slots=True)
class HospitalStay:
    """The first `days` calendar days of cycle `cycle` are spent in hospital."""

    cycle: int
    days: int
    source: str


@dataclass(frozen=True, slots=True)
class Investigations:
    """Blood tests before a cycle: `first` applies to cycle 1, `later` to every other cycle."""

    applies_to: str
    validity_hours: int
    validity_text: str
    tests: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class PreMedication:
    """A pre-medication event; `when` is cycle_start, first_hours, step_up or restart."""

    when: str
    text: str
    source: str
    hours: int = 0


@dataclass(frozen=True, slots=True)
class ToxicityRestart:
    """After a toxicity the infusion restarts at a lower dose for some infusion days, then steps up."""

    dose: float
    unit: str
    dose_per_m2: float
    cap: float
    infusion_days: int
    source: str
    bsa_source: str


@dataclass(frozen=True, slots=True)
class Regimen:
    """A regimen as data: cycles, phases, hospital stays, bags, blood tests, interruption rules."""

    id: str
    title: str
    indications: tuple[tuple[str, str, str], ...]  # (indication id, plain title, source)
    cycle_length_days: int
    infusion_days_per_cycle: int
    default_cycles: int
    max_cycles: int
    beyond_default_note: str
    phases: tuple[Phase, ...]
    bsa_threshold_kg: float
    hospital_stays: tuple[HospitalStay, ...]
    bag_max_hours: int
    bag_durations_hours: tuple[int, ...]
    bag_change_window_hours: int
    bag_sources: tuple[str, ...]
    investigations: tuple[Investigations, ...]
    pre_medication: tuple[PreMedication, ...]
    same_cycle_max_interruption_days: int
    new_cycle_max_interruption_days: int
    restart_supervision: str
    toxicity_restart: ToxicityRestart
    # (when, "document, Section"); when is core, bsa, interruptions, toxicity, toxicity_bsa or
    # beyond_default: a plan cites a source only if it used that rule.
    sources: tuple[tuple[str, str], ...]

    @property
    def treatment_free_days(self) -> int:
        return self.cycle_length_days - self.infusion_days_per_cycle

    def indication(self, indication: str) -> tuple[str, str, str] | None:
        """(id, title, source) of an indication this regimen serves, else None."""
        return next((entry for entry in self.indications if entry[0] == indication), None)


# --- the patient's request ---


@dataclass(frozen=True, slots=True)
class Interruption:
    """No infusion from `start` (the first day without infusion) for `days` days; restart on start + days."""

    start: date
    days: int
    toxicity: bool = False


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """What a plan needs from the patient.

    start is day 1 of cycle `start_cycle` (a patient may give the start of their current cycle);
    cycles is the number of the last planned cycle (None: the regimen's default, or start_cycle if
    later); weight_kg/height_cm matter only under the regimen's body-surface-area threshold;
    country is an ISO code whose public holidays close the clinic.
    """

    indication: str
    start: date
    start_cycle: int = 1
    cycles: int | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    country: str = "US"
    interruptions: tuple[Interruption, ...] = ()


# --- one cycle's doses, without dates ---


@dataclass(frozen=True, slots=True)
class DoseStep:
    """The same daily dose on infusion days first_day..last_day of a cycle (1-based, inclusive)."""

    first_day: int
    last_day: int
    dose: float


@dataclass(frozen=True, slots=True)
class CycleDoses:
    """A cycle's daily doses; bsa_m2 is set when they were worked out from body surface area."""

    cycle: int
    unit: str
    steps: tuple[DoseStep, ...]
    bsa_m2: float | None
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ToxicityEscalation:
    """After a restart for a toxicity: its lower dose, and the day and dose it goes back up to if the
    toxicity has not come back; bsa_m2 is set when the doses come from body surface area."""

    restart_dose: float
    full_dose: float
    unit: str
    restart_days: int
    goes_up_on: date
    bsa_m2: float | None
    sources: tuple[str, ...]


# --- the plan ---


@dataclass(frozen=True)  # no slots: the planner fills __dict__ directly, twice as fast as __init__
class Day:
    """One calendar day of the plan. events are "kind: detail" strings (kind e.g. cycle start, discharge)."""

    date: date
    cycle: int
    cycle_day: int
    dose: float | None
    dose_unit: str
    infusing: bool
    in_hospital: bool
    bag_change: bool
    events: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Cycle:
    """One cycle: first day, last infusion day, last day, and the window for its blood tests.

    bloods_from/bloods_to: results must be from within the validity window before day 1 and back
    before the morning start, so the window is [start - validity, start - 1 day].
    completed is False when an interruption ended the cycle early (new cycle or discontinued).
    """

    number: int
    start: date
    last_infusion: date
    end: date
    bloods_from: date
    bloods_to: date
    infusion_days: int
    completed: bool


@dataclass(frozen=True, slots=True)
class Plan:
    """A patient's plan: every calendar day from the first cycle's start to the last cycle's end."""

    indication: str
    indication_title: str
    regimen_id: str
    country: str
    status: str  # "planned" or "discontinued"
    cycles: tuple[Cycle, ...]
    days: tuple[Day, ...]
    warnings: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    bsa_m2: float | None = None
