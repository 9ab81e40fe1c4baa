"""Finds the facts that answer a question: the classifier's topic belief and the question's likeness to the
questions each fact says it answers, by meaning (sentence vectors) and by wording (word and character
n-grams, so typos and exact terms still match)."""
import copy
import functools
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge.meaning import SentenceEncoder
from knowledge.store import Fact

# How much each kind of evidence weighs; measured on the development set (tests/eval/dev_*.yml).
TOPIC_WEIGHT = 0.3
LIKENESS_WEIGHT = 0.7
MEANING_WEIGHT = 0.7  # of the likeness: sentence vectors; the rest is n-grams
TERM_BONUS = 0.1  # the question names a term (a medicine, a test, a side effect) that the fact is about
RECENT_TEXTS = 8  # one answer ranks the same words up to three times (alone, read in context, as its part)
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", re.sub(r"[^\w\s/+.]", " ", text.casefold())).strip()


@dataclass(frozen=True)
class Match:
    fact: Fact
    score: float
    likeness: float  # the best cosine between the question and the fact's own questions and title
    topic_belief: float


class FactIndex:
    """Every fact's questions and title as vectors; rank() scores the facts an audience may see."""

    def __init__(self, facts: Iterable[Fact], fact_terms: Optional[Dict[str, Sequence[str]]] = None,
                 encoder: Optional[SentenceEncoder] = None):
        self.facts: List[Fact] = list(facts)
        self.fact_terms = {fact_id: set(terms) for fact_id, terms in (fact_terms or {}).items()}
        texts, owners = [], []
        for position, fact in enumerate(self.facts):
            # The answer too: a question may name what only the answer says ("CD19", "Gleevec").
            for text in (fact.title, fact.answer, *fact.questions):
                texts.append(normalise(text))
                owners.append(position)
        self.owners = np.array(owners)
        self.words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
        self.word_matrix = self.words.fit_transform(texts)
        self.char_matrix = self.chars.fit_transform(texts)
        self.encoder = encoder
        if encoder is not None:
            self.meaning_matrix = encoder.vectors(texts, remember=True)

    def for_one_answer(self) -> "FactIndex":
        """The same index remembering the likeness of the words it ranks, for one answer only: nothing is
        kept between messages, so no user's words serve another's."""
        remembering = copy.copy(self)
        remembering.likeness = functools.lru_cache(maxsize=RECENT_TEXTS)(self.likeness)
        return remembering

    def likeness(self, text: str) -> np.ndarray:
        """Per fact: the highest likeness between the text and one of its questions, title or answer (0 to 1)."""
        normalised = normalise(text)
        # The question's vector made dense: a sparse-by-dense product costs a fraction of sparse-by-sparse.
        per_text = 0.5 * (self.word_matrix @ self.words.transform([normalised]).toarray().ravel())
        per_text += 0.5 * (self.char_matrix @ self.chars.transform([normalised]).toarray().ravel())
        if self.encoder is not None:
            meaning = np.clip(self.meaning_matrix @ self.encoder.vector(text), 0.0, 1.0)
            per_text = (1 - MEANING_WEIGHT) * per_text + MEANING_WEIGHT * meaning
        best = np.zeros(len(self.facts))
        np.maximum.at(best, self.owners, per_text)
        best.flags.writeable = False  # a remembering index gives the same array for the same words again
        return best

    def rank(self, text: str, visible: Sequence[str], topic_belief: Dict[str, float],
             terms: Sequence[str] = (), indication: Optional[str] = None) -> List[Match]:
        """The facts this audience sees, best first; a fact of another indication is left out."""
        likeness = self.likeness(text)
        named = set(terms)
        matches = []
        for position, fact in enumerate(self.facts):
            if fact.audience not in visible:
                continue
            if indication and fact.indication not in (None, indication):
                continue
            belief = topic_belief.get(fact.topic, 0.0)
            bonus = TERM_BONUS if named & self.fact_terms.get(fact.id, set()) else 0.0
            score = TOPIC_WEIGHT * belief + LIKENESS_WEIGHT * likeness[position] + bonus
            matches.append(Match(fact, float(score), float(likeness[position]), belief))
        matches.sort(key=lambda match: -match.score)
        return matches
