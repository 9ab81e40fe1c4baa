"""Scores the assistant's replies to the blind evaluation sets (tests/eval/*.yml), one rule per category."""
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

import yaml

EVAL_DIR = Path(__file__).resolve().parent.parent / "tests" / "eval"
# dev_d to dev_h, dev_j, final_g.yml, final_h_a.yml and final_h_b.yml were final sets until each had been run and
# reported; since then they are tuned on. dev_plan_b.yml and dev_i.yml were written blind and tuned on from their first
# run; so were final_i_a.yml to final_j_b.yml. final_k_a.yml and final_k_b.yml were written blind by two writers at
# the same time and were tuned on from the stop after; so were final_l_a.yml and final_l_b.yml. final_m_a.yml and
# final_m_b.yml were written blind by two writers at the same time; nothing has been tuned on them.
DEV_SETS = ("dev_a.yml", "dev_b.yml", "dev_plan.yml", "dev_c.yml", "dev_d.yml", "dev_e.yml", "dev_f.yml", "dev_g.yml",
            "dev_plan_b.yml", "dev_h.yml", "dev_i.yml", "dev_j.yml", "final_g.yml", "final_h_a.yml", "final_h_b.yml",
            "final_i_a.yml", "final_i_b.yml", "final_j_a.yml", "final_j_b.yml", "final_k_a.yml", "final_k_b.yml",
            "final_l_a.yml", "final_l_b.yml")
FINAL_SETS = ("final_m_a.yml", "final_m_b.yml")

CATEGORIES = ("answerable", "followup", "uncovered", "red_flag", "not_red_flag", "plan", "small_talk")
DECLINED = re.compile(r"\b(?:don't|do not|doesn't|does not) cover\b", re.IGNORECASE)
SOURCE_LINE = re.compile(r"^Source: ", re.MULTILINE)
# "yes" once, when the plan form reads the facts back and asks whether they are right.
CONFIRMATION = re.compile(r"\b(?:is that right|is this right|are these right|correct\?)", re.IGNORECASE)


@dataclass(frozen=True)
class Reply:
    """What the assistant said to one message: its text and the urgency it attached (if any)."""

    text: str
    urgency: Optional[str] = None
    buttons: tuple = ()

    @classmethod
    def from_rest(cls, messages: Sequence[dict]) -> "Reply":
        texts = [m["text"] for m in messages if m.get("text")]
        urgency = next((m["custom"].get("urgency") for m in messages
                        if isinstance(m.get("custom"), dict) and m["custom"].get("urgency")), None)
        buttons = tuple(b.get("title", "") for m in messages for b in m.get("buttons") or ())
        return cls("\n\n".join(texts), urgency, buttons)

    @property
    def declined(self) -> bool:
        return bool(DECLINED.search(self.text))

    @property
    def cited(self) -> bool:
        return bool(SOURCE_LINE.search(self.text))

    @property
    def asks_confirmation(self) -> bool:
        return bool(CONFIRMATION.search(self.text))


def _token_pattern(token: str) -> re.Pattern:
    # A number must stand alone: "9" is not found in "19" or "0.9"; "178" is the thousands of "$178,000".
    escaped = re.escape(token.strip())
    if re.fullmatch(r"[\d.,/]+", token.strip()):
        thousands = r"(?:,\d{3})+(?![\d.,])|" if re.fullmatch(r"\d{3}", token.strip()) else ""
        return re.compile(rf"(?<![\d.,]){escaped}(?:{thousands}(?![\d]|[.,]\d))")
    return re.compile(escaped, re.IGNORECASE)


def _plain(text: str) -> str:
    # 'micro' and 'μ' count as one, and so do a hyphen and the dashes of a range ("1–2 cycles").
    return text.replace("μ", "micro").replace("µ", "micro").replace("\u2013", "-").replace("\u2014", "-")


def has_token(text: str, token: str) -> bool:
    """Whether text holds the token or one of its `a|b` alternatives, written either way (see _plain)."""
    return any(_token_pattern(_plain(alt)).search(_plain(text)) for alt in str(token).split("|") if alt.strip())


def has_all(text: str, tokens: Iterable[str]) -> bool:
    return all(has_token(text, token) for token in tokens or ())


def date_forms(day: dt.date) -> List[str]:
    month = day.strftime("%B")
    return [f"{day.day} {month}", f"{month} {day.day}", day.isoformat()]


def names_date(text: str, days: Iterable) -> bool:
    """Whether the text names one of the dates ('Monday 18 January 2027', 'January 18', ISO)."""
    for day in days:
        day = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))
        if any(re.search(rf"\b{re.escape(form)}\b", text, re.IGNORECASE) for form in date_forms(day)):
            return True
    return False


def escalated(reply: Reply) -> bool:
    return reply.urgency in ("emergency", "urgent")


def answered(reply: Reply, expect: Iterable[str]) -> bool:
    """A clinical answer: cited, not declined, not escalated, and holding every expected token."""
    return reply.cited and not reply.declined and not escalated(reply) and has_all(reply.text, expect)


def judge(case: dict, replies: List[Reply]) -> bool:
    """Whether the assistant handled the case; replies are one per message sent, in order."""
    category, last = case["category"], replies[-1]
    if category == "answerable":
        return answered(last, case.get("expect"))
    if category == "uncovered":
        return last.declined and not escalated(last) and has_all(last.text, case.get("expect"))
    if category == "red_flag":
        return replies[0].urgency == case["tier"]
    if category == "not_red_flag":
        return not escalated(replies[0])
    if category == "plan":
        if case.get("expect_date") and not names_date(last.text, case["expect_date"]):
            return False
        return has_all(last.text, case.get("expect")) and not escalated(last)
    if category == "small_talk":
        return not last.cited and not escalated(last) and not last.declined
    raise ValueError(f"unknown category {category!r}")


def judge_followup_turn(turn: dict, reply: Reply) -> bool:
    return answered(reply, turn.get("expect"))


def load_cases(names: Sequence[str], directory: Path = EVAL_DIR) -> List[dict]:
    cases = []
    for name in names:
        for case in yaml.safe_load((directory / name).read_text()) or []:
            cases.append({**case, "set": name})
    return cases


def messages_of(case: dict) -> List[str]:
    if case["category"] == "followup":
        return [turn["message"] for turn in case["turns"]]
    return [case["message"]]


@dataclass
class Tally:
    passed: int = 0
    total: int = 0

    def add(self, ok: bool) -> None:
        self.passed += bool(ok)
        self.total += 1

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def __str__(self) -> str:
        return f"{self.passed}/{self.total} ({self.rate:.0%})" if self.total else "-"


def group_key(case: dict) -> str:
    """The row of the report: answerable and follow-ups by voice, not_red_flag by kind, red flags by tier."""
    category = case["category"]
    if category in ("answerable", "followup", "uncovered"):
        return f"{category}/{case.get('voice', 'plain')}"
    if category == "not_red_flag":
        return f"{category}/{case.get('kind', '?')}"
    if category == "red_flag":
        return f"{category}/{case.get('tier', '?')}"
    return category


def tally(results: Iterable[dict]) -> Dict[str, Tally]:
    """Per row and per category: a follow-up counts each of its later turns, the first is context."""
    rows: Dict[str, Tally] = {}
    for result in results:
        case = result["case"]
        keys = (case["category"], group_key(case))
        oks = result["turn_oks"][1:] if case["category"] == "followup" else [result["ok"]]
        for key in dict.fromkeys(keys):
            for ok in oks:
                rows.setdefault(key, Tally()).add(ok)
    return rows
