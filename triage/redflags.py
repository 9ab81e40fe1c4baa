"""Checks a message for red flags (reported, not asked about or denied), independent of the NLU model."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from triage import cues
from triage.judging import ASKED, NEGATED, REPORTED
from triage.lexicon import EMERGENCY, URGENT, Entry, Lexicon, Source, chunks, clean_text, load
from triage.mentions import find_mentions
from triage.readings import alarming, find_readings

log = logging.getLogger(__name__)

# A report outranks a question, which outranks a denial, when one message mentions an id twice.
RANK = {REPORTED: 3, ASKED: 2, NEGATED: 1}
# Beyond this a message is not read further (a chat message is a few lines): keeps any check under a second.
MAX_CHARS = 200_000

__all__ = ["RedFlag", "RedFlagCheck", "Source", "check", "describe", "escalation", "preload", "red_flag",
           "red_flag_ids", "staff_reports_now", "symptom_ids"]


@dataclass(frozen=True)
class RedFlag:
    """A red flag recognised in a message: its id, lay label and where the documents call it serious."""

    id: str
    label: str
    source: Source
    tier: str = EMERGENCY


@dataclass(frozen=True)
class RedFlagCheck:
    """What check() found in one message."""

    is_red_flag: bool
    flags: tuple[RedFlag, ...] = ()
    asked_about: tuple[str, ...] = ()  # ids mentioned, not reported: in a question, a supposition, past history
    negated: tuple[str, ...] = ()  # ids only mentioned as absent: "no fever", "I haven't had a seizure"
    symptoms: tuple[str, ...] = ()  # non-urgent symptoms reported: "contact your care team promptly"
    evidence: tuple[tuple[str, str], ...] = field(default=(), compare=False)  # (id, words as written)

    @property
    def tier(self) -> str | None:
        """"emergency" when any reported flag is one, "urgent" when all are pump or line problems."""
        if not self.is_red_flag:
            return None
        return EMERGENCY if not self.flags or any(f.tier == EMERGENCY for f in self.flags) else URGENT



def preload() -> None:
    """Builds the lexicon now (about a second) so that the first message is answered at full speed."""
    load()
    check("warm up: I had a seizure, no fever")


def red_flag_ids() -> tuple:
    return tuple(load().flags)


def symptom_ids() -> tuple:
    return tuple(load().symptoms)


def describe(entry_id: str) -> Entry:
    """The label, source and explanation of a red flag or symptom id."""
    lexicon = load()
    return lexicon.flags.get(entry_id) or lexicon.symptoms[entry_id]


def red_flag(entry_id: str) -> RedFlag:
    entry = load().flags[entry_id]
    return RedFlag(entry.id, entry.label, entry.source, entry.tier)


def check(text: str, reading_rules: list | None = None) -> RedFlagCheck:
    """Red flags reported in text; never raises, whatever the text.

    Readings (a temperature, a blood pressure, a pulse) past the clinic's rules are reports of the
    rule's flag; reading_rules default to the clinic's settings (assistant/clinic.yml)."""
    lexicon = load()
    try:
        text = _as_text(text)[:MAX_CHARS]
        rules = _clinic_reading_rules() if reading_rules is None else reading_rules
        mentions = []
        for piece in chunks(clean_text(text)):
            mentions.extend(find_mentions(lexicon.tokenize(piece), lexicon, rules))
        return _result(mentions, lexicon)
    except Exception:  # noqa: BLE001 - a safety check must answer; the crude scan errs towards alarm
        log.exception("red-flag check failed; falling back to a plain word scan")
        return _crude_check(text, lexicon)


STAFF_NOW = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in cues.STAFF_REPORT_NOW) + r")\b"
                       r"(?!\s+(?:resolved|settled|better|fine|ok|okay|recovered|gone|back))", re.I)


def staff_reports_now(text: str) -> bool:
    """Whether a staff message relays a patient going through it now, rather than asking the protocol."""
    return bool(STAFF_NOW.search(_as_text(text)))


def escalation(text: str, audience: str = "patient") -> RedFlagCheck | None:
    """The check when the message must escalate (a current report; from staff, one relayed as happening
    now), else None."""
    found = check(text)
    if found.is_red_flag and (audience != "staff" or staff_reports_now(text) or _alarming_readings(text)):
        return found  # a reading past the clinic's limits ("BP 80/50") is a patient's, now
    return None


# "Now resolved", "fine since"; "not feeling well", "hasn't settled" are no settling.
SETTLED_WORDS = r"(?:resolved|settled|recovered|fine|well|better|gone|back to normal)"
RESOLVED = re.compile(rf"\b{SETTLED_WORDS}\b", re.I)
NOT_SETTLED = re.compile(rf"(?:\bnot|\bno|n't)\s+(?:\w+\s+){{0,2}}{SETTLED_WORDS}\b", re.I)


def _alarming_readings(text: str) -> bool:
    """Readings past the clinic's limits, in a message that says nothing has settled."""
    text = _as_text(text)[:MAX_CHARS]
    if RESOLVED.search(NOT_SETTLED.sub(" ", text)):
        return False
    try:
        return bool(alarming(find_readings(text), _clinic_reading_rules()))
    except Exception:  # noqa: BLE001 - the words' check has already answered; a reading cannot undo it
        return False


def _clinic_reading_rules() -> list:
    from knowledge.clinic import clinic_settings

    return clinic_settings().get("readings") or []


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


def _result(mentions: list, lexicon: Lexicon) -> RedFlagCheck:
    best = {}
    for mention in mentions:
        known = best.get(mention.id)
        if known is None or RANK[mention.status] > RANK[known.status]:
            best[mention.id] = mention
    flags = tuple(red_flag(i) for i in lexicon.flags if i in best and best[i].status == REPORTED)
    in_order = list(lexicon.flags) + list(lexicon.symptoms)
    return RedFlagCheck(
        is_red_flag=bool(flags),
        flags=flags,
        asked_about=tuple(i for i in in_order if i in best and best[i].status == ASKED),
        negated=tuple(i for i in in_order if i in best and best[i].status == NEGATED),
        symptoms=tuple(i for i in lexicon.symptoms if i in best and best[i].status == REPORTED),
        evidence=tuple((i, best[i].text) for i in in_order if i in best and best[i].status == REPORTED),
    )


def _crude_check(text: str, lexicon: Lexicon) -> RedFlagCheck:
    """Any red-flag word at all, with no reading of negation or questions: used only if the full check fails."""
    try:
        words = set(re.findall(r"[a-z']+", _as_text(text).lower()))
        found = tuple(red_flag(i) for i, keywords in lexicon.keywords.items() if words & keywords)
        return RedFlagCheck(is_red_flag=bool(found), flags=found)
    except Exception:  # noqa: BLE001 - last resort: an unreadable message is treated as urgent
        return RedFlagCheck(is_red_flag=True)
