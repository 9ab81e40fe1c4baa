"""Daily doses: body-surface-area dosing (Mosteller) under the regimen's weight threshold, with caps."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# Mosteller's formula: BSA (m²) = sqrt(height_cm × weight_kg / 3600).
_MOSTELLER_DIVISOR = Decimal(3600)
_TWO_PLACES = Decimal("0.01")
_ONE_PLACE = Decimal("0.1")


def mosteller_bsa(weight_kg: float, height_cm: float) -> float:
    """Body surface area in m², rounded half-up to 2 decimals (decimal arithmetic: no float drift)."""
    square = Decimal(str(height_cm)) * Decimal(str(weight_kg)) / _MOSTELLER_DIVISOR
    return float(square.sqrt().quantize(_TWO_PLACES, rounding=ROUND_HALF_UP))


def bsa_dose(dose_per_m2: float, bsa_m2: float, cap: float) -> float:
    """The per-m² dose times the BSA, rounded half-up to 1 decimal, never above the cap."""
    dose = (Decimal(str(dose_per_m2)) * Decimal(str(bsa_m2))).quantize(_ONE_PLACE, rounding=ROUND_HALF_UP)
    return float(min(dose, Decimal(str(cap))))


def format_dose(dose: float) -> str:
    """2.0 -> "2", 5.2 -> "5.2": how a dose reads in a sentence."""
    return f"{dose:g}"
