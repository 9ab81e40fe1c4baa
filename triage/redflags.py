"""Checks a message for red flags (reported, not asked about or denied), independent of the NLU model."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from spacy.util import filter_spans

from triage import cues
from triage.lexicon import EMERGENCY, URGENT, Entry, Lexicon, Source, chunks, clean_text, load
from triage.readings import alarming, find_readings

log = logging.getLogger(__name__)

REPORTED, ASKED, NEGATED = "reported", "asked", "negated"
# A report outranks a question, which outranks a denial, when one message mentions an id twice.
RANK = {REPORTED: 3, ASKED: 2, NEGATED: 1}
# Beyond this a message is not read further (a chat message is a few lines): keeps any check under a second.
MAX_CHARS = 200_000
# How far either side of a needed word a token pattern may reach ("my face and lips are all swollen").
PATTERN_REACH = 12

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
            mentions.extend(_mentions(lexicon.tokenize(piece), lexicon, rules))
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


class _Layout:
    """Per-text facts computed once, so that judging each match is quick however long the text:
    where each token's sentence, clause and reach of an "if" begin, and what each sentence holds."""

    def __init__(self, doc, info_starts, action_starts, history_starts, resolved_starts=()):
        self.lower = [t.lower_ for t in doc]
        self.norm = [t.norm_ for t in doc]
        self.punct = [t.is_punct or t.is_space for t in doc]
        n = len(self.lower)
        self.sentence = [0] * n
        self.clause = [0] * n
        self.reach = [0] * n
        self.sentence_end = {}
        sentence = clause = reach = 0
        for i, token in enumerate(doc):
            self.sentence[i], self.clause[i], self.reach[i] = sentence, clause, reach
            word = self.lower[i]
            if word in cues.SENTENCE_END_WORDS or (token.is_space and "\n" in token.text):
                self.sentence_end[sentence] = i + 1
                sentence = clause = reach = i + 1
            else:
                if word in cues.CLAUSE_END_WORDS:
                    clause = i + 1
                if word in cues.HYPOTHETICAL_END_WORDS:
                    reach = i + 1
        self.sentence_end[sentence] = n
        self.supposed = self._supposed(n)
        # present_before[i]: how many words placing things now or in the past come before token i.
        self.present_before = [0] * (n + 1)
        for i in range(n):
            self.present_before[i + 1] = self.present_before[i] + (self.lower[i] in cues.PRESENT_WORDS)
        self.info_sentences = {self.sentence[s] for s in info_starts}
        self.action_sentences = {self.sentence[s] for s in action_starts}
        self.history_sentences = {self.sentence[s] for s in history_starts}
        self.resolved_starts = tuple(resolved_starts)
        # "It settled", "he's been fine since": what the message told before that is over.
        if resolved_starts:
            last = max(self.sentence[s] for s in resolved_starts)
            self.history_sentences |= {self.sentence[i] for i in range(n) if self.sentence[i] <= last}
        self.person_sentences, self.device_sentences, self.question_clauses = self._sentence_facts(n)
        self.now_clauses = {self.clause[i] for i in range(n) if self.lower[i] in cues.NOW_WORDS}
        self.again_sentences = {self.sentence[i] for i in range(n) if self.lower[i] in cues.AGAIN_WORDS}
        # "It's been going on about 2 minutes": told in the perfect, but it has not stopped.
        self.again_sentences |= {self.sentence[i] for i in range(1, n - 1) if self.lower[i] == "going"
                                 and self.lower[i + 1] == "on" and self.lower[i - 1] in cues.ONGOING_BEFORE_WORDS}
        # "Still" says it goes on only in its own clause: "it stopped for 6 days, does he still get 28?"
        self.still_clauses = {self.clause[i] for i in range(n) if self.lower[i] in cues.STILL_WORDS}
        self.strong_now_clauses = {self.clause[i] for i in range(n) if self.lower[i] in cues.STRONG_NOW_WORDS}

    def _supposed(self, n: int) -> list:
        """True for each token under an "if" that supposes ("if I get a fever"), not one that doubts."""
        supposed = [False] * n
        i = 0
        while i < n:
            opens = i == self.sentence[i] or (i - 1 == self.sentence[i] and self.lower[i - 1] in {"what", "but", "so"})
            if self.norm[i] in cues.HYPOTHETICAL_NORMS or (opens and self.lower[i] in cues.SUPPOSE_OPEN_WORDS) or (
                    self.lower[i] == "case" and i > 0 and self.lower[i - 1] == "in") or self.fears_ahead(i):
                if not self.unsure_before(i):
                    # "Suppose the line comes apart, should I flush it?": a sentence that opens by
                    # supposing supposes to its end; an "if" inside a sentence reaches to its comma.
                    j = i + 1
                    while j < n and self.sentence[j] == self.sentence[i] and (opens or self.reach[j] == self.reach[i]):
                        supposed[j] = True
                        j += 1
                    i = j
                    continue
            i += 1
        return supposed

    def fears_ahead(self, i: int) -> bool:
        """"Scared he'll pull the line out", "worried I might roll on it": a fear of what may happen, not a report
        ("worried he might be confused" says how he is now)."""
        if self.lower[i] not in cues.FEAR_WORDS:
            return False
        for k in range(i + 1, min(i + 5, len(self.lower) - 1)):
            if self.lower[k] in cues.FUTURE_MODAL_WORDS:
                return self.lower[k + 1] not in {"be", "have", "already"}
        return False

    def unsure_before(self, i: int) -> bool:
        """"not sure if", "wonder whether", "don't know if": the writer doubts, and may be reporting."""
        start = max(self.sentence[i], i - 3)
        for j in range(i - 1, start - 1, -1):
            if self.norm[j] in cues.UNSURE_BEFORE_IF_NORMS:
                return True
            if self.norm[j] in cues.KNOW_NORMS:
                return any(self.norm[k] in cues.NEGATION_NORMS for k in range(max(self.sentence[i], j - 3), j))
        return False

    def _sentence_facts(self, n: int):
        """Sentences naming someone ill, sentences naming a device, and clause starts that open a question."""
        persons, devices, questions = set(), set(), {}
        for k in range(n):
            sentence = self.sentence[k]
            # "Did a pregnancy test, it's positive": "did a" tells what was done ("I did a..."), it does not ask.
            told = self.lower[k] == "did" and k + 1 < n and self.lower[k + 1] in {"a", "an"}
            # "Shaking chills, haven't got a thermometer": a negated verb mid-message tells, it does not ask.
            told = told or (k > 0 and k + 1 < n and self.norm[k + 1] == "not" and "?" not in self.lower[k:n])
            if k == self.clause[k] and self.lower[k] in cues.QUESTION_OPEN_WORDS and not told:
                questions.setdefault(sentence, []).append(k)
            if self.supposed[k]:
                continue  # "if I get a fever": no one is ill yet
            if self.norm[k] in cues.DEVICE_NORMS:
                devices.add(sentence)
            if sentence not in persons and self.names_person(k):
                persons.add(sentence)
        return persons, devices, questions

    def names_person(self, k: int) -> bool:
        word = self.lower[k]
        stop = self.sentence_end.get(self.sentence[k], len(self.lower))
        if word in cues.PERSON_PRONOUN_WORDS:
            if word in {"me", "us"} and k > 0:
                before = self.norm[k - 1]
                if before in cues.ASKING_VERB_NORMS or (
                        before == "to" and k > 1 and self.norm[k - 2] in cues.ASKING_VERB_NORMS | {"say", "mean"}):
                    return False
            if word in cues.POSSESSIVE_WORDS:
                if k + 1 < stop and self.norm[k + 1] in cues.NOT_ILL_AFTER_POSSESSIVE_NORMS:
                    return False
                return self.not_asking(k + 2, stop)
            return self.not_asking(k + 1, stop)
        if word in cues.PERSON_NOUN_WORDS:
            before = self.lower[k - 1] if k > self.sentence[k] else ""
            return before not in {"a", "an", "any", "every", "some", "most", "other", "each", "no"} \
                and self.not_asking(k + 1, stop)
        return False

    def not_asking(self, k: int, stop: int) -> bool:
        """False when the words after a person ask, worry or suppose: "I want to know", "I'll get one"."""
        for j in range(k, min(stop, k + 5)):
            if self.norm[j] in cues.ASKING_AFTER_PERSON_NORMS or self.lower[j] in cues.ASKING_AFTER_PERSON_NORMS:
                return False
            if self.norm[j] in cues.FUTURE_NORMS and j + 1 < stop and self.norm[j + 1] in cues.CATCH_NORMS:
                return False
            if self.norm[j] not in cues.PERSON_FILLER_NORMS:
                return True
        return True


def _mentions(doc, lexicon: Lexicon, reading_rules: list = ()) -> list:
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
    flags += [m for m in found["weak"] if not any(excluded[m[0]:m[1]]) and not any(with_symptom[m[0]:m[1]])]

    found["history"] = [m for m in found["history"] if not _position_now(doc, m[0], m[1])]
    found["resolved"] = [m for m in found["resolved"] if not _gone_becoming(doc, m[1])]
    layout = _Layout(doc, *([s for s, _, _ in found[kind]] for kind in ("info", "action", "history", "resolved")))
    judge = _Judge(layout)
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


class _Judge:
    """Decides whether a match is reported, asked about or denied, from the words around it."""

    def __init__(self, layout: _Layout):
        self.t = layout

    def status(self, start: int, end: int, entry: Entry | None) -> str:
        """REPORTED, ASKED or NEGATED for the match start:end of entry (None: a symptom or "I had one")."""
        t = self.t
        if self.negated(start, end):
            return NEGATED
        if t.supposed[start]:
            return ASKED
        sentence = t.sentence[start]
        if self.over(end) or self.asks_when(sentence) or self.history(sentence, start):
            return ASKED
        if self.deictic(sentence, start):
            return REPORTED
        if entry and entry.bare_is_question and self.talked_about(start):
            return ASKED  # "his consultant keeps talking about CRS": the name of a condition, as a topic
        if self.talked_about_after(start, end):
            return ASKED  # "the confusion people talk about": the object of what people say
        if entry and entry.device and self.treatment_ends(start, end):
            return ASKED  # "my last bag comes off on Friday": the end of the course, not a line coming loose
        if self.supposing_question(sentence, start):
            return ASKED
        if sentence in t.person_sentences or (entry and entry.device and sentence in t.device_sentences):
            return REPORTED
        if sentence in t.action_sentences:
            return REPORTED
        if sentence in t.info_sentences or self.opens_question(sentence, start, end):
            return ASKED
        if entry and entry.bare_is_question and not any(t.lower[k] in entry.report_words for k in range(start, end)):
            return ASKED  # "neurotoxicity with blinatumomab", "flushing the line?": a topic, not an event
        # A bare symptom ("confused and dizzy", "seizure!!") is read as a report.
        return REPORTED

    def talked_about(self, start: int) -> bool:
        """"Keeps talking about CRS", "mentioned cytokine release syndrome": named as what was talked about."""
        lower, k = self.t.lower, start - 1
        # "saying CRS, CRS, CRS": the word said again is still the name said.
        while k >= 0 and (lower[k] in cues.TOPIC_FILLER_WORDS or lower[k] in {",", lower[start]}):
            k -= 1
        if k >= 0 and lower[k] in cues.MENTIONED_WORDS:
            return True
        if k < 1 or lower[k] != "about":
            return False
        k -= 1 + (lower[k - 1] in cues.LISTENER_WORDS)
        return k >= 0 and lower[k] in cues.SPEECH_WORDS

    def talked_about_after(self, start: int, end: int) -> bool:
        """"The confusion and speech problems people talk about": what follows says it is what is talked of,
        and nothing before it in its clause says someone has it ("he has the confusion they warned of")."""
        lower, n = self.t.lower, len(self.t.lower)
        if any(lower[k] not in cues.TOPIC_FILLER_WORDS for k in range(self.t.clause[start], start)):
            return False
        for k in range(end, min(end + cues.TALKED_OF_REACH, n - 1)):
            if self.t.punct[k]:
                return False
            if lower[k] in cues.SPEECH_WORDS and lower[k + 1] == "about":
                return k + 2 >= n or self.t.punct[k + 2] or lower[k + 2] in cues.AFTER_STRANDED_ABOUT_WORDS
        return False

    def treatment_ends(self, start: int, end: int) -> bool:
        lower = self.t.lower
        return (start > 0 and lower[start - 1] in cues.LAST_WORDS and lower[end - 1] in cues.OFF_WORDS
                and any(lower[k] in cues.SCHEDULED_COME_WORDS for k in range(start, end)))

    def asks_when(self, sentence: int) -> bool:
        """"When is my drip coming out?", "when will the fever stop?": a question about timing."""
        t = self.t
        return (sentence + 1 < len(t.lower) and t.lower[sentence] in cues.TIMING_OPEN_WORDS
                and t.lower[sentence + 1] in cues.TIMING_AUX_WORDS)

    def history(self, sentence: int, start: int) -> bool:
        """"The pump was off for 4 days", "a seizure last year": told as past, and nothing says it is back."""
        t = self.t
        if sentence in t.again_sentences or t.clause[start] in t.strong_now_clauses | t.still_clauses:
            return False
        if any(resolved > start for resolved in t.resolved_starts):
            return True  # "it alarmed twice this week and then carried on fine"
        return sentence in t.history_sentences and t.clause[start] not in t.now_clauses

    def over(self, end: int) -> bool:
        """"After his CRS resolved", "gr3 CRS fully resolved": the flag's own verb says it is over."""
        lower, k = self.t.lower, end
        while k < len(lower) and lower[k] in cues.OVER_FILLER_WORDS:
            k += 1
        return k < len(lower) and lower[k] in cues.OVER_VERB_WORDS and "again" not in lower[k:]

    def negated(self, start: int, end: int) -> bool:
        t = self.t
        lowest = max(t.clause[start], start - cues.NEGATION_REACH - 1)
        for j in range(start - 1, lowest - 1, -1):
            if t.lower[j] in cues.PERSON_PRONOUN_WORDS or t.lower[j] in cues.PERSON_NOUN_WORDS:
                break  # a new subject: "no, I had a seizure"
            if t.norm[j] in cues.NEGATION_SINK_NORMS:
                break  # the negation belongs to "well": "not feeling well, confused"
            if t.norm[j] in cues.NEGATION_NORMS:
                after = t.norm[j + 1] if j + 1 < start else ""
                if after in cues.PSEUDO_NEGATION_NEXT_NORMS and t.lower[j + 1] != "longer":
                    continue
                return True
        # "no rash, swelling or wheezing": a list after a denial is denied item by item.
        before = t.clause[start] - 1
        if before > 0 and t.lower[before] == "," and not self.new_subject(before + 1, start):
            listed_from = t.clause[before - 1]
            if t.norm[listed_from] in cues.NEGATION_NORMS and before - listed_from <= 4:
                return True
        # "fever: no", "seizures - none"
        k, n = end, len(t.lower)
        while k < n and k < end + 3 and t.lower[k] in {":", "-", "?", "=", "\u2013", "\u2014", "/"}:
            k += 1
        if k < n and t.norm[k] in cues.POST_NEGATION_NORMS:
            return k + 1 >= n or t.punct[k + 1]
        return False

    def new_subject(self, start: int, end: int) -> bool:
        """"Not answering me, his eyes are rolling back": a person's word after the comma opens a new clause."""
        return any(self.t.lower[k] in cues.PERSON_PRONOUN_WORDS or self.t.lower[k] in cues.POSSESSIVE_WORDS
                   for k in range(start, end))

    def deictic(self, sentence: int, start: int) -> bool:
        """"Is this a seizure?", "could it be CRS?": something is happening and the writer names it."""
        t = self.t
        if not sentence + 2 <= start <= sentence + 8 or t.lower[sentence] not in cues.DEICTIC_OPEN_WORDS:
            return False
        if t.lower[sentence + 1] not in cues.DEICTIC_WORDS:
            return False
        return all(t.norm[k] in cues.DEICTIC_FILLER_NORMS for k in range(sentence + 2, start))

    def supposing_question(self, sentence: int, start: int) -> bool:
        """"Will I get seizures?", "can it cause confusion?": a modal question with nothing happening now."""
        t = self.t
        if start == sentence:
            return False
        first = t.lower[sentence]
        second = t.lower[sentence + 1] if sentence + 1 < len(t.lower) else ""
        if first in cues.MODAL_WORDS:
            modal_at = sentence
        elif first in cues.WH_WORDS and second in cues.MODAL_WORDS:
            modal_at = sentence + 1
        else:
            return False
        if modal_at + 1 < len(t.norm) and t.norm[modal_at + 1] == "not":
            return False  # "why can't I breathe", "why won't he wake up" are complaints
        if modal_at >= start:
            return False
        return t.present_before[start] == t.present_before[modal_at + 1]

    def opens_question(self, sentence: int, start: int, end: int) -> bool:
        """A clause of the sentence opens with a question word; not the symptom itself ("can hardly breathe")."""
        for clause_start in self.t.question_clauses.get(sentence, ()):
            if not start <= clause_start < end:
                return True
        return False
