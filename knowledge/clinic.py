"""Clinic settings (phone numbers, country, date convention), read once from assistant/clinic.yml."""
import functools
import os
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "assistant" / "clinic.yml"


@functools.lru_cache(maxsize=None)
def clinic_settings(path: str = "") -> dict:
    """The settings file named by $BLINA_CLINIC_SETTINGS, else the project's own."""
    chosen = Path(path or os.environ.get("BLINA_CLINIC_SETTINGS") or DEFAULT_PATH)
    with chosen.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
