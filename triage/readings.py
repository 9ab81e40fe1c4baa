"""Reads measurements a patient types (a temperature, a blood pressure, a pulse) as numbers, before any
date reader can take "80/50" for a day and a month, and says which pass the clinic's thresholds."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional

# "temp of 38.5", "39.2C", "102 F", "temperature is 101.3", "fever of 39"; a bare 35-43 or 95-110 after a
# temperature word counts too ("thermometer says 103.1"). Up to 20 characters may stand between the word
# and the number; up to 60 ("got my temp checked at the pharmacy, it was 38.9") when the number has a
# decimal or a unit and the words between end no sentence (see _is_temperature). A nurse's "T 38.1" or
# "Tmax 38.4" is a temperature when the number has a decimal.
TEMPERATURE_WORDS = (r"temp|temperature|temps|fever|thermometer(?:\s+says|\s+said|\s+reads|\s+showed)?|"
                     r"pyrexia|febrile")
TEMPERATURE = re.compile(
    r"(?:\b(?:" + TEMPERATURE_WORDS + r")\b(?P<gap>[^0-9\n]{0,60}?)(?P<value>\d{2,3}(?:\.\d)?)"
    r"\s*(?:°\s*|degrees?\s*)?(?P<unit>[cf])?\b)"
    r"|(?:\b(?P<value2>\d{2,3}(?:\.\d)?)\s*(?:°\s*|degrees?\s*)?(?P<unit2>c|f|celsius|fahrenheit)\b)"
    r"|(?:(?<![\w'\u2019])[Tt](?:max)?\s*[:=]?\s*(?P<value3>\d{2,3}\.\d)\s*(?:°\s*|degrees?\s*)?(?P<unit3>[cf])?\b)",
    re.I)
NEAR_GAP = 20
# Between a temperature word and a number, these say the number measures something else ("temp fine,
# weight 38.9"); after a number, these units say the same ("38.9 kg").
OTHER_MEASURE = re.compile(
    r"\b(?:weight|weighs?|weighed|weighing|bp|pressure|pulse|heart|hr|sats?|saturation|oxygen|o2|spo2|"
    r"platelets?|plts?|neuts?|neutrophils?|hb|haemoglobin|hemoglobin|wbc|crp|potassium|sodium|glucose|sugar|"
    r"height|bmi|age|aged)\b", re.I)
OTHER_UNIT = re.compile(
    r"\s*(?:(?:kg|kgs|kilos?|lbs?|pounds?|st|stone|mg|mcg|ug|ml|mls|l|mmol|cm|mm|m|units?|years?|yrs?|y/?o|"
    r"mins?|minutes?|hours?|hrs|h|days?|weeks?|am|pm|bpm)\b|%|g/d?l\b)", re.I)
# "bp 80/50", "blood pressure is 85 over 50", "80/50 mmHg", "pressure 90/60", "took his BP at home, it's 82/50".
BLOOD_PRESSURE = re.compile(
    r"(?:\b(?:bp|b\.p\.|blood\s+pressure|pressure)\b[^0-9\n]{0,40}?"
    r"(?P<sys>\d{2,3})\s*(?:/|over)\s*(?P<dia>\d{2,3})\b)"
    r"|(?:\b(?P<sys2>\d{2,3})\s*/\s*(?P<dia2>\d{2,3})\s*mm\s*hg\b)",
    re.I)
BARE_PRESSURE = re.compile(r"\b(\d{2,3})\s*/\s*(\d{2,3})\b")
# "pulse 140", "heart rate of 150", "hr 135", "heart is racing at 140".
PULSE = re.compile(
    r"\b(?:pulse|heart\s*rate|hr|heartbeat|heart\s+is\s+(?:racing|going|pounding))\b[^0-9\n]{0,20}?"
    r"(?P<value>\d{2,3})\b(?!\s*(?:/|over)\s*\d)",
    re.I)


@dataclass(frozen=True)
class Reading:
    """One measurement as written: its kind, value(s) and where it stands in the text."""

    kind: str  # "temperature" (in °C) | "blood_pressure" | "pulse"
    value: float  # °C for a temperature, systolic mmHg for a blood pressure, beats a minute for a pulse
    start: int
    end: int
    diastolic: Optional[float] = None


def _celsius(value: float, unit: str) -> Optional[float]:
    unit = (unit or "").lower()[:1]
    if unit == "f" or (not unit and 95 <= value <= 110):
        value = (value - 32) * 5 / 9
    return value if 34 <= value <= 44 else None  # anything else is not a body temperature


def _is_temperature(text: str, match, value_end: int, raw: str, unit: str) -> bool:
    """Whether a number the temperature pattern found measures a temperature: the whole number (not
    the "38" of "38.9kg"), no unit of another measure after it ("38.9 kg"), no other measure named
    between word and number ("temp ok, weight 38.9"), and a far number ("temp checked at the pharmacy,
    it was 38.9") only with a decimal or a unit and no sentence end between."""
    if re.match(r"\.\d", text[value_end:value_end + 2]) or OTHER_UNIT.match(text, value_end):
        return False
    gap = match.group("gap")
    if gap is None:
        return True
    if OTHER_MEASURE.search(gap):
        return False
    if len(gap) > NEAR_GAP:
        return ("." in raw or bool(unit)) and not re.search(r"[.!?;]", gap)
    return True


def find_readings(text: str) -> List[Reading]:
    """Every temperature, blood pressure and pulse in the text, in order."""
    found: List[Reading] = []
    for match in TEMPERATURE.finditer(text):
        group = next(name for name in ("value", "value2", "value3") if match.group(name))
        raw = match.group(group)
        unit = match.group("unit") or match.group("unit2") or match.group("unit3")
        if not _is_temperature(text, match, match.end(group), raw, unit):
            continue
        celsius = _celsius(float(raw), unit)
        if celsius is not None:
            found.append(Reading("temperature", round(celsius, 1), match.start(), match.end()))
    pressures = [(m.start(), m.end(), m.group("sys") or m.group("sys2"), m.group("dia") or m.group("dia2"))
                 for m in BLOOD_PRESSURE.finditer(text)]
    if pressures:  # once a blood pressure is named, a later bare "118/76" is one too
        named = {start for start, *_ in pressures}
        pressures += [(m.start(), m.end(), m.group(1), m.group(2)) for m in BARE_PRESSURE.finditer(text)
                      if m.start() > min(named) and not any(s <= m.start() < e for s, e, *_ in pressures)]
    for start, end, systolic, diastolic in pressures:
        systolic, diastolic = float(systolic), float(diastolic)
        if 40 <= systolic <= 260 and 20 <= diastolic < systolic:
            found.append(Reading("blood_pressure", systolic, start, end, diastolic))
    for match in PULSE.finditer(text):
        value = float(match.group("value"))
        if 20 <= value <= 250:
            found.append(Reading("pulse", value, match.start(), match.end()))
    return sorted(found, key=lambda reading: reading.start)


def mask_readings(text: str) -> str:
    """The text with its readings blanked out, for readers of dates and doses."""
    for reading in reversed(find_readings(text)):
        text = text[:reading.start] + " " * (reading.end - reading.start) + text[reading.end:]
    return text


def alarming(readings: List[Reading], rules: List[dict]) -> List[tuple]:
    """(reading, red-flag id) for the latest reading of each kind that passes one of the clinic's rules
    ("it was 39 last night, 37.2 now" is not alarming: the latest reading is what counts). The first
    rule of a kind that the reading passes names the flag."""
    latest = {reading.kind: reading for reading in readings}
    out = []
    for kind, reading in latest.items():
        for rule in rules:
            if rule["kind"] != kind:
                continue
            if ("at_or_above" in rule and reading.value >= float(rule["at_or_above"])) or (
                    "below" in rule and reading.value < float(rule["below"])):
                out.append((reading, rule["flag"]))
                break
    return out
