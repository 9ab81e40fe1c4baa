"""How a red-flag match was meant: reported now, asked about (a question, a supposition, past history) or denied."""
from __future__ import annotations

from triage import cues
from triage.lexicon import Entry

REPORTED, ASKED, NEGATED = "reported", "asked", "negated"


class Layout:
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
        # "Our daughter's pump was stopped": the possessive "'s" of a device is not "is".
        self.now_clauses = {self.clause[i] for i in range(n) if self.lower[i] in cues.NOW_WORDS and not (
            self.lower[i] == "'s" and i + 1 < n and self.norm[i + 1] in cues.DEVICE_NORMS)}
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


class Judge:
    """Decides whether a match is reported, asked about or denied, from the words around it."""

    def __init__(self, layout: Layout):
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
        if self.supposing_question(sentence, start) or self.signs_asked(start):
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
        # "saying CRS, CRS, CRS" or "saying 'CRS'": the word said again, or quoted, is still the name said.
        while k >= 0 and (lower[k] in cues.TOPIC_FILLER_WORDS or lower[k] in cues.QUOTE_MARKS | {",", lower[start]}):
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
        if any(lower[k] not in cues.TOPIC_FILLER_WORDS | cues.WHAT_IS_WORDS for k in range(self.t.clause[start], start)):
            return False
        for k in range(end, min(end + cues.TALKED_OF_REACH, n - 1)):
            if self.t.punct[k]:
                return False
            # "the CRS the nurses keep going on about": "on" may come between the saying and its "about".
            about = k + 1 + (lower[k + 1] == "on" and k + 2 < n)
            if lower[k] in cues.SPEECH_WORDS and lower[about] == "about":
                return about + 1 >= n or self.t.punct[about + 1] or lower[about + 1] in cues.AFTER_STRANDED_ABOUT_WORDS
        return False

    def signs_asked(self, start: int) -> bool:
        """"Which symptoms of CRS mean I should go to the ER?": the signs of it are asked for, whoever the
        rest of the sentence names."""
        lower, k = self.t.lower, start - 1
        while k >= 0 and lower[k] in cues.TOPIC_FILLER_WORDS:
            k -= 1
        if k < 1 or lower[k] not in cues.SIGN_WORDS:
            return False
        k -= 1
        while k >= 0 and lower[k] in cues.SIGN_FILLER_WORDS:
            k -= 1
        return k >= 0 and lower[k] in cues.WH_WORDS

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
        # "G2 CRS C1D2, resolved": staff note when it happened, and a comma, before the verb.
        while k < len(lower) and (lower[k] in cues.OVER_FILLER_WORDS or lower[k] == ","
                                  or cues.CYCLE_DAY.fullmatch(lower[k])):
            k += 1
        return k < len(lower) and lower[k] in cues.OVER_VERB_WORDS and "again" not in lower[k:]

    def negated(self, start: int, end: int) -> bool:
        t = self.t
        if self._denies_before(start, t.clause[start]):
            return True
        # "no rash, swelling or wheezing", "I don't have any headache, confusion or shaking": a list after a
        # denial is denied item by item.
        before = t.clause[start] - 1
        if before > 0 and t.lower[before] == "," and not self.new_subject(before + 1, start):
            if self._denies_before(before, t.clause[before - 1]):
                return True
        # "fever: no", "seizures - none"
        k, n = end, len(t.lower)
        while k < n and k < end + 3 and t.lower[k] in {":", "-", "?", "=", "\u2013", "\u2014", "/"}:
            k += 1
        if k < n and t.norm[k] in cues.POST_NEGATION_NORMS:
            return k + 1 >= n or t.punct[k + 1]
        return False

    def _denies_before(self, start: int, clause_start: int) -> bool:
        """A negation in the few words before `start`, within its clause, that is about what follows it."""
        t = self.t
        for j in range(start - 1, max(clause_start, start - cues.NEGATION_REACH - 1) - 1, -1):
            if t.lower[j] in cues.PERSON_PRONOUN_WORDS or t.lower[j] in cues.PERSON_NOUN_WORDS:
                return False  # a new subject: "no, I had a seizure"
            if t.norm[j] in cues.NEGATION_SINK_NORMS:
                return False  # the negation belongs to "well": "not feeling well, confused"
            if t.norm[j] in cues.NEGATION_NORMS:
                after = t.norm[j + 1] if j + 1 < start else ""
                if after in cues.PSEUDO_NEGATION_NEXT_NORMS and t.lower[j + 1] != "longer":
                    continue
                return True
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
