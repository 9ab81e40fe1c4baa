"""Reads one event a message tells of, with its day: a bag hung (and its length), a restart after a toxicity,
a stop told by the dates it stopped and restarted. Pure functions over the text, today and the date order."""
import datetime as dt
import re
from dataclasses import dataclass
from typing import Optional

from actions.parsing import NUMBER_WORDS, Said, find_date, plan_question_intent, statement_and_question

RESTARTED = re.compile(r"\b(?:restart\w*|re-start\w*|until|till|back on|started again|resum\w*|going again|reconnected)\b",
                       re.I)


def days_stopped_between(stop_part: str, today: dt.date, date_order: str = "MDY") -> Optional[int]:
    """"stopped on Monday 15 February and restarted on Thursday 18 February": the days between the two
    dates (3), or None when the stop does not name both."""
    restart = RESTARTED.search(stop_part)
    if not restart:
        return None
    stopped = find_date(stop_part[:restart.start()], today, date_order)
    restarted = find_date(stop_part[restart.start():], today, date_order)
    days = (restarted.date - stopped.date).days if stopped and restarted else 0
    return days if days > 0 else None


TOXICITY_WORDS = re.compile(r"\b(?:crs|cytokine|neuro\w*|tox\w*|tls|tumou?r lysis|grade [1-4]|gr ?[1-4]|g[1-4]|side effect|"
                            r"reaction)\b", re.I)
RESTARTED_AT_LOW_DOSE = re.compile(r"\b(?:restart\w*|re-start\w*|back on|started (?:it )?again|resum\w*)\b", re.I)
GOES_BACK_UP = re.compile(r"\b(?:escalat\w*|go(?:es)? (?:back )?up|back up|increase\w*|full dose|usual dose|normal dose|"
                          r"step(?:s|ped)? (?:back )?up|higher dose)\b", re.I)


def find_toxicity_restart(text: str, today: dt.date, date_order: str = "MDY") -> Optional[dt.date]:
    """The day an infusion was (or will be) restarted after a toxicity, when the question asks when the dose
    goes back up ("had grade 3 CRS, restarted on the low dose on Wednesday 3 Feb, when does it go back up?")."""
    said = told_then_asked(text)
    restart = RESTARTED_AT_LOW_DOSE.search(said.stated)
    if not (restart and TOXICITY_WORDS.search(text) and GOES_BACK_UP.search(said.asked or "")):
        return None
    found = find_date(said.stated[restart.start():], today, date_order)
    return found.date if found else None


# "a new 48-hour bag went up on Friday", "pt on 96h bags, first bag hung Wed 9 Dec": one bag's length and morning.
BAG_LENGTH = re.compile(r"\b(\d{2,3})\s*-?\s*(?:h|hr|hrs|hour|hours)\b|\b(\d|one|two|three|four)\s*-?\s*days?\s+bags?\b", re.I)
BAG_HUNG = re.compile(r"\b(?:hung|put up|put on|went up|gone up|connected|changed|swapped)\b|\bbags?\b[^.?!]{0,40}\bup\b"
                      r"|\bput (?:a|an|the|another|his|her|my|their)\b[^.?!]{0,30}\bbags?\b", re.I)
NEXT_CHANGE = re.compile(r"\b(?:change|changed|swap|swapped|due|new one|next one)\b", re.I)


def told_then_asked(text: str) -> Said:
    """statement_and_question, where a dash also ends what is told ("first bag hung Wed 9 Dec at 09:00 - when
    is the change due?"); only for questions whose told facts are one event's day."""
    return statement_and_question(re.sub(r"\s[-–—]\s+", ". ", text))


@dataclass(frozen=True)
class BagHung:
    hung_on: dt.date
    hours: int


def find_bag_hung(text: str, today: dt.date, date_order: str = "MDY") -> Optional[BagHung]:
    """The bag a message says was hung, with its length and day ("the nurse put a new 48-hour bag up on
    Friday 26 February"), when its question asks when the next bag change is; else None."""
    said = told_then_asked(text)
    if not said.stated or not (plan_question_intent(said.asked) == "ask_plan_bag_change"
                               or NEXT_CHANGE.search(said.asked)) or not re.search(r"\bbags?\b", text, re.I):
        return None
    length, hung = BAG_LENGTH.search(text), BAG_HUNG.search(said.stated)
    found = find_date(said.stated, today, date_order) if length and hung else None
    if not found:
        return None
    hours, days = length.groups()
    return BagHung(found.date, int(hours) if hours else (int(days) if days.isdigit() else NUMBER_WORDS[days.lower()]) * 24)
