"""Reads a call-back or telemedicine request from the patient's own words: a name or initials, the
kind of request and the reason. Pure functions; the tracker store uses name_span to mask names."""
from __future__ import annotations

import re
from typing import Optional

from frontdesk.phones import mask_numbers

CALL_BACK, TELEMEDICINE = "call back", "telemedicine"
GIVEN = "[given]"  # what Rasa's tracker keeps for the name, the phone number and the reason
MASKED_NAME = "[name]"
TELEMEDICINE_WORDS = re.compile(
    r"\b(?:tele[- ]?med\w*|tele[- ]?health|video|virtual|online (?:visit|appointment|consult\w*)|zoom)\b", re.I)
CALL_BACK_WORDS = re.compile(
    r"\b(?:call(?:ing)? (?:me |us |him |her )?back|call[- ]?back|ring (?:me|us)|phone (?:me|us)|call me|"
    r"give (?:me|us) a (?:call|ring)|a call|a phone call)\b", re.I)
CANCEL = re.compile(r"^\W*(?:cancel|stop|never ?mind|forget (?:it|that)|no,? thanks?|no,? thank you|"
                    r"don'?t bother|quit)\b", re.I)
# A name said in a sentence ("my name is Jane Doe, ..."); inside the form, the whole answer is the name.
# "This is" introduces a name only before a capital ("this is Jane", not "this is general information").
NAME_INTRO = re.compile(r"\b(?:(?i:my name is|my name's|name is|name's|name:)\s+|(?i:this is)\s+(?=[A-Z]))")
NAME_ANSWER_INTRO = re.compile(r"^\W*(?:my name is|my name's|name is|name:|this is|i am|i'm|im|it's|it is)\s+",
                               re.I)
NAME_WORD = re.compile(r"[^\W\d_][\w.'-]*")
NOT_NAME_WORDS = frozenset("""and my i i'm number phone tel call ring please tomorrow today tonight morning
afternoon evening on at about because regarding re is it's the a an for from can could would you me""".split())
NAME_MOST_WORDS = 5
NAME_MOST_CHARS = 60
REASON_WORDS = re.compile(
    r"\b(?:it'?s about|it is about|about|regarding|re:|because|reason(?: is)?:?|concerning|"
    r"to (?:discuss|talk about|ask about|go over))\s+(?P<reason>[^.!?\n]+)", re.I)
REASON_MOST_CHARS = 500
class RequestInputError(ValueError):
    """Something the patient gave that cannot be used, with the reason in plain words."""


# Asking in so many words to be called back; "how do I get a call back?" asks how, and is not a request.
CALL_BACK_ASKED = re.compile(r"\b(?:call|ring|phone)(?:ing)? (?:me|us|him|her|them|my \w+) back\b|\bcall-?backs?\b", re.I)
ASKS_HOW = re.compile(r"^\W*(?:how|who|what|where|when|is there|are there|do you)\b", re.I)


def asks_to_be_called_back(text: str) -> bool:
    return bool(CALL_BACK_ASKED.search(text)) and not ASKS_HOW.search(text)


def asks_for_request(text: str) -> bool:
    """Whether a message asks for a call back or a telemedicine visit (also when it reports a red flag)."""
    booking = TELEMEDICINE_WORDS.search(text) and re.search(r"\b(?:book|schedule|arrange|like|want|need|set up)\b",
                                                            text, re.I)
    return bool(CALL_BACK_WORDS.search(text) or booking)


def find_kind(text: str) -> Optional[str]:
    if TELEMEDICINE_WORDS.search(text):
        return TELEMEDICINE
    if CALL_BACK_WORDS.search(text) or re.search(r"\bcall\b", text, re.I):
        return CALL_BACK
    return None


def wants_to_cancel(text: str) -> bool:
    return bool(CANCEL.search(text))


def _name_words(text: str) -> list:
    words = []
    for word in NAME_WORD.findall(text):
        if word.lower() in NOT_NAME_WORDS or len(words) == NAME_MOST_WORDS:
            break
        words.append(word)
    return words


def name_span(text: str) -> Optional[tuple]:
    """(start, end) of a name introduced in a sentence ("my name is Jane Doe, 312..."), or None."""
    intro = NAME_INTRO.search(text)
    if not intro:
        return None
    words = _name_words(text[intro.end():])
    if not words:
        return None
    end = intro.end()
    for word in words:
        end = text.index(word, end) + len(word)
    return intro.end(), end


def find_name(text: str) -> Optional[str]:
    span = name_span(text)
    return text[span[0]:span[1]] if span else None


def read_name_answer(text: str) -> str:
    """The answer to "what name should they ask for?": a name or initials; RequestInputError otherwise."""
    said = NAME_ANSWER_INTRO.sub("", text.strip()).strip(" .,!")
    words = said.split()
    if (not said or len(said) > NAME_MOST_CHARS or len(words) > NAME_MOST_WORDS
            or not all(NAME_WORD.fullmatch(w) for w in words)):
        raise RequestInputError("I need just a name or initials, without numbers")
    return said


def find_reason(text: str) -> Optional[str]:
    match = REASON_WORDS.search(mask_numbers(text, {}))
    return match.group("reason").strip(" ,;:")[:REASON_MOST_CHARS] if match else None


def read_reason_answer(text: str) -> str:
    said = text.strip()
    if not re.search(r"\w", said):
        raise RequestInputError("I need a few words on what it is about")
    return said[:REASON_MOST_CHARS]
