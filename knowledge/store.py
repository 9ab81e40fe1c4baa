"""Read-only access to the built knowledge database, loaded once into memory for every chat message."""
import json
import os
import re
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path(os.environ.get("BLINA_KNOWLEDGE_DB") or ROOT / "build" / "knowledge.db")

AUDIENCE_SEES = {"patient": ("patient", "both"), "staff": ("staff", "both", "patient")}
REQUIRED_TABLES = {"topics", "indications", "facts", "terms", "fact_terms", "facts_fts", "uncovered"}
# Words that say nothing about the subject; left out of full-text queries.
STOPWORDS = frozenset(
    "a about am an and any are as at be been can could do does for from get got has have how i if in "
    "is it me much many my of on or should so than that the there this to was were what when where "
    "which who why will with would you your".split()
)


MAX_QUERY_WORDS = 40


class KnowledgeBaseError(RuntimeError):
    """knowledge.db is missing, unreadable or not a knowledge database."""


@dataclass(frozen=True)
class Topic:
    id: str
    by_indication: bool
    covers: str


@dataclass(frozen=True)
class Term:
    id: str
    label: str
    name: str
    synonyms: Tuple[str, ...]


@dataclass(frozen=True)
class UncoveredSubject:
    """A subject the documents are known not to cover, and who can answer it instead."""

    id: str
    label: str
    ask: str


@dataclass(frozen=True)
class Fact:
    id: str
    topic: str
    indication: Optional[str]
    audience: str
    title: str
    answer: str
    numbers: dict = field(hash=False, compare=False)
    source_document: str
    source_section: str
    questions: Tuple[str, ...] = field(default=(), compare=False)  # the questions this fact answers

    @property
    def source(self) -> str:
        """The citation as the Source line writes it: `document, section`."""
        return f"{self.source_document}, {self.source_section}"

    def to_dict(self) -> dict:
        return {
            "id": self.id, "topic": self.topic, "indication": self.indication, "audience": self.audience,
            "title": self.title, "answer": self.answer, "numbers": self.numbers, "source": self.source,
        }


def default_db_path() -> Path:
    """$BLINA_KNOWLEDGE_DB if set now, else build/knowledge.db under the repository root."""
    return Path(os.environ.get("BLINA_KNOWLEDGE_DB") or ROOT / "build" / "knowledge.db")


def _fts_query(text: str) -> str:
    """User text as an FTS5 query of quoted prefix terms joined by OR: no operator survives quoting."""
    words = [w for w in re.findall(r"\w+", text.casefold()) if w not in STOPWORDS]
    # A pasted page must not become a query of thousands of terms.
    return " OR ".join(f'"{w}"*' for w in list(dict.fromkeys(words))[:MAX_QUERY_WORDS])


class KnowledgeBase:
    """Topics, facts and terms of knowledge.db held in memory; full-text search on an in-memory copy."""

    def __init__(self, db_path=None):
        self.path = Path(db_path) if db_path else default_db_path()
        hint = f"knowledge database {self.path}"
        if not self.path.is_file():
            raise KnowledgeBaseError(f"{hint} does not exist: run `blina build` first")
        try:
            source = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                self._db = sqlite3.connect(":memory:", check_same_thread=False)
                source.backup(self._db)
            finally:
                source.close()
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            missing = REQUIRED_TABLES - tables
            if missing:
                raise KnowledgeBaseError(f"{hint} lacks tables {sorted(missing)}: run `blina build` again")
            self._load()
        except sqlite3.DatabaseError as error:
            raise KnowledgeBaseError(f"{hint} cannot be read ({error}): run `blina build` again") from error
        # One in-memory connection shared by the action server's threads.
        self._lock = threading.Lock()

    def _load(self) -> None:
        db = self._db
        self._topics: Dict[str, Topic] = {
            row[0]: Topic(row[0], bool(row[1]), row[2])
            for row in db.execute("SELECT id, by_indication, covers FROM topics ORDER BY position")
        }
        self._indications: Dict[str, str] = dict(
            db.execute("SELECT id, label FROM indications ORDER BY position")
        )
        self._facts: Dict[str, Fact] = {}
        self._rowid_to_fact: Dict[int, str] = {}
        for row in db.execute(
            "SELECT rowid, id, topic, indication, audience, title, answer, numbers, source_document, "
            "source_section, questions FROM facts ORDER BY position"
        ):
            fact = Fact(row[1], row[2], row[3], row[4], row[5], row[6], json.loads(row[7]), row[8], row[9],
                        tuple(json.loads(row[10])))
            self._facts[fact.id] = fact
            self._rowid_to_fact[row[0]] = fact.id
        self._terms: Dict[str, Term] = {}
        self._surface: Dict[str, List[Term]] = {}
        for term_id, label, name, synonyms in db.execute(
            "SELECT id, label, name, synonyms FROM terms ORDER BY position"
        ):
            term = Term(term_id, label, name, tuple(json.loads(synonyms)))
            self._terms[term_id] = term
            for surface in (name, *term.synonyms):
                for key in _lookup_keys(surface):
                    owners = self._surface.setdefault(key, [])
                    if term not in owners:
                        owners.append(term)
        self._uncovered: Dict[str, UncoveredSubject] = {
            subject_id: UncoveredSubject(subject_id, self._terms[subject_id].name, ask)
            for subject_id, ask in db.execute("SELECT id, ask FROM uncovered ORDER BY position")
        }
        self._fact_terms: Dict[str, List[str]] = {}
        for fact_id, term_id in db.execute(
            "SELECT fact_terms.fact_id, fact_terms.term_id FROM fact_terms JOIN facts ON facts.id = "
            "fact_terms.fact_id ORDER BY fact_terms.term_id, fact_terms.how = 'mentioned', facts.position"
        ):
            self._fact_terms.setdefault(term_id, []).append(fact_id)

    # Topics and indications
    def topics(self) -> List[Topic]:
        return list(self._topics.values())

    def topic(self, topic_id: str) -> Topic:
        try:
            return self._topics[topic_id]
        except KeyError:
            raise KeyError(f"unknown topic {topic_id!r}") from None

    def indications(self) -> Dict[str, str]:
        """Indication id -> label, in topics.yml order."""
        return dict(self._indications)

    def indication_label(self, indication: str) -> str:
        return self._indications.get(indication, indication)

    # Facts
    @staticmethod
    def _visible(audience: Optional[str]):
        if audience is None:
            return None
        try:
            return AUDIENCE_SEES[audience]
        except KeyError:
            raise ValueError(f"audience must be 'patient' or 'staff', not {audience!r}") from None

    def facts(self, topic: str, audience: str = "patient", indication: Optional[str] = None) -> List[Fact]:
        """The topic's facts this audience may see; with an indication, that one's and the general ones."""
        self.topic(topic)
        visible = self._visible(audience)
        return [
            fact for fact in self._facts.values()
            if fact.topic == topic
            and (visible is None or fact.audience in visible)
            and (indication is None or fact.indication in (None, indication))
        ]

    def fact(self, fact_id: str) -> Fact:
        try:
            return self._facts[fact_id]
        except KeyError:
            raise KeyError(f"unknown fact {fact_id!r}") from None

    def all_facts(self) -> List[Fact]:
        return list(self._facts.values())

    def facts_about(self, term_id: str, audience: str = "patient") -> List[Fact]:
        """Facts that list the term first, then facts that mention it, each in file order."""
        visible = self._visible(audience)
        found = (self._facts[f] for f in self._fact_terms.get(term_id, []))
        return [fact for fact in found if visible is None or fact.audience in visible]

    def terms_of_facts(self) -> Dict[str, List[str]]:
        """Fact id -> the terms it lists or mentions."""
        linked: Dict[str, List[str]] = {}
        for term_id, fact_ids in self._fact_terms.items():
            for fact_id in fact_ids:
                linked.setdefault(fact_id, []).append(term_id)
        return linked

    def search(self, text: str, audience: Optional[str] = None, limit: int = 10) -> List[Fact]:
        """Full-text search over titles and answers, best first; any user text is safe to pass."""
        visible = self._visible(audience)
        query = _fts_query(text or "")
        if not query or limit <= 0:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT facts_fts.rowid FROM facts_fts JOIN facts ON facts.rowid = facts_fts.rowid "
                "WHERE facts_fts MATCH ? ORDER BY bm25(facts_fts), facts.position",
                (query,),
            ).fetchall()
        results = []
        for (rowid,) in rows:
            fact = self._facts[self._rowid_to_fact[rowid]]
            if visible is None or fact.audience in visible:
                results.append(fact)
                if len(results) == limit:
                    break
        return results

    def uncovered(self, subject_id: str) -> UncoveredSubject:
        """A subject the documents do not cover (a term id of the `uncovered` label)."""
        try:
            return self._uncovered[subject_id]
        except KeyError:
            raise KeyError(f"unknown uncovered subject {subject_id!r}") from None

    # Terms
    def terms(self, label: Optional[str] = None) -> List[Term]:
        return [t for t in self._terms.values() if label is None or t.label == label]

    def term(self, term_id: str) -> Term:
        try:
            return self._terms[term_id]
        except KeyError:
            raise KeyError(f"unknown term {term_id!r}") from None

    def entity_patterns(self) -> List[dict]:
        """Phrase patterns for spaCy's EntityRuler (use phrase_matcher_attr="LOWER")."""
        patterns = []
        for term in self._terms.values():
            for surface in (term.name, *term.synonyms):
                patterns.append({"label": term.label, "pattern": surface, "id": term.id})
        return patterns

    def term_id(self, text: str, label: Optional[str] = None) -> Optional[str]:
        """The canonical term id for a surface form ("MRD" -> "mrd-positive"), or None."""
        for key in _lookup_keys(text or ""):
            for term in self._surface.get(key, []):
                if label is None or term.label == label:
                    return term.id
        # An entity value may already be the canonical id.
        term = self._terms.get(_normalise(text or ""))
        if term and (label is None or term.label == label):
            return term.id
        return None


def _normalise(text: str) -> str:
    return " ".join(str(text).casefold().split())


def _lookup_keys(text: str) -> List[str]:
    """The plain form, then the form with hyphens as spaces ("MRD-positive" ~ "MRD positive")."""
    plain = _normalise(text)
    loose = _normalise(plain.replace("-", " "))
    return [plain] if loose == plain else [plain, loose]
