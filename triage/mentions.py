"""Finds every red flag and symptom named in a message, with how each was meant (see triage.judging)."""
from __future__ import annotations

from dataclasses import dataclass

from spacy.util import filter_spans

from triage import cues
from triage.judging import ASKED, REPORTED, Judge, Layout
from triage.lexicon import Lexicon
from triage.readings import alarming, find_readings

# How far either side of a needed word a token pattern may reach ("my face and lips are all swollen").
PATTERN_REACH = 12


@dataclass(frozen=True)
class Mention:
    """One match of a red flag or symptom in the text, and how it was meant."""

    id: str
    kind: str  # "flag" or "symptom"
    start: int
    end: int
    sentence: int
    status: str
    text: str


def find_mentions(doc, lexicon: Lexicon, reading_rules: list = ()) -> list:
    """Every red flag and symptom in one Doc, each with how it was meant."""
    n = len(doc)
    if n == 0:
        return []
    strings = doc.vocab.strings
    found = {"flag": [], "weak": [], "symptom": [], "exclude": [], "info": [], "action": [], "history": [],
             "resolved": []}
    matches = list(lexicon.phrase_matcher(doc)) + list(lexicon.exact_matcher(doc))
    for match_id, start, end in matches + _pattern_matches(doc, lexicon, matches):
        kind, _, entry_id = strings[match_id].partition("|")
        found[kind].append((start, end, entry_id))
    # A reading past the clinic's threshold is a mention of its flag, judged like words are ("if it goes
    # over 38" supposes, "39.1 the first night, gone by the morning" is history).
    for reading, flag_id in alarming(find_readings(doc.text), reading_rules):
        span = doc.char_span(reading.start, reading.end, alignment_mode="expand")
        if span is not None and flag_id in lexicon.flags:
            found["flag"].append((span.start, span.end, flag_id))

    if not (found["flag"] or found["weak"] or found["symptom"]):
        return []
    excluded = _covered(n, found["exclude"])
    flags = [m for m in found["flag"] if not any(excluded[m[0]:m[1]])]
    symptom_ids = {(s, e): i for s, e, i in found["symptom"]}
    symptom_spans = filter_spans([doc[s:e] for s, e, _ in found["symptom"] if not any(excluded[s:e])])
    flagged = _covered(n, flags)
    symptoms = [(sp.start, sp.end, symptom_ids[(sp.start, sp.end)]) for sp in symptom_spans
                if not any(flagged[sp.start:sp.end])]
    with_symptom = _covered(n, symptoms)
    flags += [m for m in found["weak"] if not any(excluded[m[0]:m[1]]) and not any(with_symptom[m[0]:m[1]])
              and not any(flagged[m[0]:m[1]])]

    found["history"] = [m for m in found["history"] if not _position_now(doc, m[0], m[1])] + _years(doc)
    found["resolved"] = [m for m in found["resolved"] if not _gone_becoming(doc, m[1])]
    layout = Layout(doc, *([s for s, _, _ in found[kind]] for kind in ("info", "action", "history", "resolved")))
    judge = Judge(layout)
    mentions = []
    for kind, matches in (("flag", flags), ("symptom", symptoms)):
        for start, end, entry_id in matches:
            entry = lexicon.flags[entry_id] if kind == "flag" else None
            mentions.append(Mention(entry_id, kind, start, end, layout.sentence[start],
                                    judge.status(start, end, entry), doc[start:end].text))

    # "Can it cause seizures? I think I had one": the question before it was a report after all.
    last_anaphor = -1
    asked = any(m.status == ASKED for m in mentions)
    for _, start, end in (lexicon.anaphor_matcher(doc) if asked else ()):
        if end < n and not layout.punct[end] and layout.lower[end] not in cues.ANAPHOR_FOLLOWER_WORDS:
            continue  # "I have one more question"
        if judge.status(start, end, None) == REPORTED:
            last_anaphor = max(last_anaphor, start)
    if last_anaphor >= 0:
        mentions = [Mention(m.id, m.kind, m.start, m.end, m.sentence, REPORTED, m.text)
                    if m.status == ASKED and m.start < last_anaphor else m for m in mentions]

    # Symptoms that make a red flag together ("a fever and the chills"), reported in one sentence.
    for flag_id, needed in lexicon.together:
        by_sentence = {}
        for m in mentions:
            if m.kind == "symptom" and m.status == REPORTED and m.id in needed:
                by_sentence.setdefault(m.sentence, {})[m.id] = m
        for sentence, seen in by_sentence.items():
            if len(seen) == len(needed):
                parts = [seen[i] for i in needed]
                mentions.append(Mention(flag_id, "flag", min(p.start for p in parts), max(p.end for p in parts),
                                        sentence, REPORTED, " + ".join(p.text for p in parts)))
    return mentions


def _years(doc) -> list:
    """"In 2019", "back in 2021": a calendar year named as when something happened."""
    return [(i - 1, i + 1, "") for i in range(1, len(doc)) if doc[i - 1].lower_ in cues.YEAR_BEFORE_WORDS
            and len(doc[i].text) == 4 and doc[i].text.isdigit() and doc[i].text[:2] in ("19", "20")]


def _position_now(doc, start: int, end: int) -> bool:
    """"Temp 39.4 and rising, day 2 of first cycle": a first-cycle phrase after a day or week count says
    where the patient is now, unless its sentence tells the past ("he had a seizure on day 2 of the
    first cycle")."""
    if doc[start:end].text.lower() not in cues.FIRST_CYCLE_PHRASES:
        return False
    k = start - 1
    while k >= 0 and doc[k].lower_ in cues.POSITION_GAP_WORDS:
        k -= 1
    if k < 1 or not doc[k].like_num or doc[k - 1].lower_ not in cues.POSITION_WORDS:
        return False
    low = k - 1
    while low > 0 and doc[low - 1].lower_ not in cues.SENTENCE_END_WORDS and "\n" not in doc[low - 1].text:
        low -= 1
    high = end
    while high < len(doc) and doc[high].lower_ not in cues.SENTENCE_END_WORDS and "\n" not in doc[high].text:
        high += 1
    return not any(doc[i].lower_ in cues.PAST_WORDS for i in range(low, high))


def _gone_becoming(doc, end: int) -> bool:
    """"The pump screen's gone blank", "his temp's gone up to 39.5": a "gone" that says what something
    became, not that it is over ("it was gone by the morning")."""
    if doc[end - 1].lower_ != "gone" or end >= len(doc):
        return False
    after = doc[end]
    return not (after.is_punct or after.is_space or after.lower_ in cues.GONE_FOLLOWER_WORDS)


def _pattern_matches(doc, lexicon: Lexicon, phrase_matches: list) -> list:
    """The token patterns' matches, looked for only near the words they need and near phrase matches.

    Running the Matcher over every token costs time in proportion to the number of patterns; on a
    long message most of the text is nowhere near a symptom word."""
    n = len(doc)
    anchor_norms, anchor_lowers = lexicon.anchor_norms, lexicon.anchor_lowers
    hits = [i for i, token in enumerate(doc) if token.norm_ in anchor_norms or token.lower_ in anchor_lowers]
    hits = sorted(set(hits + [start for _, start, _ in phrase_matches]))
    regions = []
    for i in hits:
        low, high = max(0, i - PATTERN_REACH), min(n, i + PATTERN_REACH + 1)
        if regions and low <= regions[-1][1]:
            regions[-1][1] = high
        else:
            regions.append([low, high])
    found = []
    for low, high in regions:
        found.extend((m, low + s, low + e) for m, s, e in lexicon.matcher(doc[low:high]))
    return found


def _covered(n: int, spans) -> list:
    """For each token, whether one of spans covers it."""
    covered = [False] * n
    for start, end, *_ in spans:
        for i in range(start, end):
            covered[i] = True
    return covered
