"""Builds, once per process, the tokenizer, normaliser and matchers that find knowledge/red_flags.yml's symptoms."""
from __future__ import annotations

import functools
import html
import re
import string
from dataclasses import dataclass
from pathlib import Path

import spacy
import yaml
from spacy.lookups import load_lookups
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from triage import cues

RED_FLAGS_PATH = Path(__file__).resolve().parent.parent / "knowledge" / "red_flags.yml"
DOCUMENTS = ("patient-information-page", "clinical-protocol", "prescribing-information")
EMERGENCY, URGENT = "emergency", "urgent"
TIERS = (EMERGENCY, URGENT)

# Contractions the blank English tokenizer splits off, spelled out so that "can't" reads "can not",
# and the few forms the lemma table gets wrong for this purpose ("does" -> "doe", "number" -> "numb").
CONTRACTIONS = {
    "ca": "can", "wo": "will", "sha": "shall", "n't": "not", "nt": "not", "'s": "be", "s": "be",
    "'m": "be", "m": "be", "'re": "be", "re": "be", "'ve": "have", "ve": "have", "'d": "would",
    "d": "would", "'ll": "will", "ll": "will", "ai": "be", "does": "do", "could": "can", "might": "may",
    "number": "number", "numbers": "number",
}
# Apostrophe look-alikes phone keyboards send, and an intra-word hyphen ("short-of-breath").
QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})
HYPHEN_IN_WORD = re.compile(r"(?<=[^\W\d_])[-\u2010\u2011](?=[^\W\d_])")
HTML_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")  # a tag, not "bp <90 and temp >38"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
# spaCy's tokenizer slows down badly on very long runs without spaces ("?!?!..." x 10,000).
LONG_RUN = re.compile(r"\S{41,}")
SYMBOL = re.compile(r"([^\w\s'])")
RUN_PIECE = 40
# Longest piece handed to the tokenizer at once; spaCy refuses texts over its max_length.
CHUNK_CHARS = 20_000
LETTERS = string.ascii_lowercase


@dataclass(frozen=True)
class Source:
    """Where the documents name a symptom: document id and the section heading as written."""

    document: str
    section: str

    def __str__(self) -> str:
        return f"{self.document}, {self.section}"


@dataclass(frozen=True)
class Entry:
    """One red flag or symptom from the YAML file."""

    id: str
    label: str
    source: Source
    also: tuple[Source, ...] = ()
    why: str = ""
    group: str = ""
    device: bool = False  # a pump or line named as subject makes a report: "the line is leaking"
    bare_is_question: bool = False  # with nobody named, a mention is a question...
    report_words: frozenset = frozenset()  # ...unless one of these words is in it ("flushed")
    tier: str = "emergency"  # "emergency": call the emergency number now; "urgent": call the clinic now
    line_advice: bool = False  # the answer adds "don't change, restart or flush anything on the pump or line"


@dataclass(frozen=True)
class Lexicon:
    """Everything check() needs, built once: entries, tokenizer and matchers."""

    flags: dict
    symptoms: dict
    together: tuple
    tokenize: object
    normalise: object
    phrase_matcher: PhraseMatcher
    exact_matcher: PhraseMatcher
    matcher: Matcher  # token patterns of red flags, symptoms and look-alikes
    anaphor_matcher: Matcher  # "I had one": needed only when something was asked about
    anchor_norms: frozenset  # the token patterns can only match near one of these words
    anchor_lowers: frozenset
    keywords: dict  # flag id -> its one-word phrases, for the plain scan used if the full check fails


def clean_text(text: str) -> str:
    """Text the tokenizer can split into words: tags, entities, control characters and odd quotes removed."""
    text = html.unescape(HTML_TAG.sub(" ", text))
    text = CONTROL.sub(" ", text)
    text = text.translate(QUOTES)
    text = HYPHEN_IN_WORD.sub(" ", text)
    return LONG_RUN.sub(_break_run, text)


def _break_run(match) -> str:
    """A long run of characters cut into pieces: symbols set apart, then no piece over RUN_PIECE long."""
    pieces = SYMBOL.sub(r" \1 ", match.group(0)).split()
    return " ".join(p[i:i + RUN_PIECE] for p in pieces for i in range(0, len(p), RUN_PIECE))


def chunks(text: str):
    """Pieces of at most CHUNK_CHARS characters, cut at a sentence end where there is one, else at a space."""
    start = 0
    while start < len(text):
        end = min(len(text), start + CHUNK_CHARS)
        if end < len(text):
            half = start + CHUNK_CHARS // 2
            cut = max(text.rfind(mark, half, end) for mark in ("\n", ". ", "? ", "! "))
            if cut < half:
                cut = text.rfind(" ", start, end)
            if cut > start:
                end = cut + 1
        yield text[start:end]
        start = end


def _source(raw, where: str) -> Source:
    if not isinstance(raw, dict) or set(raw) != {"document", "section"}:
        raise ValueError(f"{where}: source must be {{document, section}}, got {raw!r}")
    if raw["document"] not in DOCUMENTS or not str(raw["section"]).strip():
        raise ValueError(f"{where}: unknown document or empty section in {raw!r}")
    return Source(str(raw["document"]), str(raw["section"]))


def _entry(raw: dict, kind: str) -> Entry:
    where = f"{kind} {raw.get('id')!r}"
    for key in ("id", "label", "source"):
        if not raw.get(key):
            raise ValueError(f"{where}: missing {key}")
    return Entry(
        id=str(raw["id"]),
        label=str(raw["label"]),
        source=_source(raw["source"], where),
        also=tuple(_source(item, where) for item in raw.get("also", ())),
        why=str(raw.get("why", "")),
        group=str(raw.get("group", "")),
        device=bool(raw.get("device", False)),
        bare_is_question=raw.get("bare", "report") == "question",
        report_words=frozenset(w.lower() for w in _strings(raw.get("report_words", []), where)),
        tier=_tier(raw.get("tier", EMERGENCY), where),
        line_advice=bool(raw.get("line_advice", False)),
    )


def _tier(value, where: str) -> str:
    if value not in TIERS:
        raise ValueError(f"{where}: tier must be one of {TIERS}, not {value!r}")
    return value


def _strings(values, where: str) -> list:
    """A word or phrase list, refusing the true/false YAML makes of a bare no/off/on."""
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ValueError(f"{where}: expected a list of words, got {values!r}")
    return values


def _edits(word: str) -> set:
    """Every string one keystroke away from word: a letter deleted, swapped, changed or added."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changes = {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    inserts = {a + c + b for a, b in splits for c in LETTERS}
    return (deletes | swaps | changes | inserts) - {word}


class Normaliser:
    """Turns a token's text into the form the matchers compare: spelling fixed, contraction spelled out, dictionary form."""

    def __init__(self, spellings: dict, fuzzy_words: list):
        lemmas = load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
        self.lemmas = lemmas
        self.spellings = {str(k).lower(): str(v).lower() for k, v in spellings.items()}
        # English words the lemma table knows: its keys (inflected forms, stored hashed) and its lemmas.
        lemma_words = {str(v) for v in lemmas.values()} | set(cues.ALL_CUE_WORDS)

        def is_word(text: str) -> bool:
            return text in lemmas or text in lemma_words

        self.fuzzy = {}
        clashes = set()
        for word in fuzzy_words:
            word = word.lower()
            if len(word) < 6:
                raise ValueError(f"fuzzy word {word!r} is shorter than six letters")
            for variant in _edits(word):
                if is_word(variant) or variant in self.spellings:
                    continue
                if self.fuzzy.get(variant, word) != word:
                    clashes.add(variant)
                self.fuzzy[variant] = word
        for variant in clashes:
            del self.fuzzy[variant]
        self.cache = {}

    def word(self, lower: str) -> str:
        """The normal form of one lower-case token text."""
        found = self.cache.get(lower)
        if found is not None:
            return found
        fixed = self.spellings.get(lower) or self.fuzzy.get(lower) or lower
        norm = CONTRACTIONS.get(fixed) or self.lemmas.get(fixed, None) or fixed
        # The cache is bounded so that a stream of random words cannot grow it without end.
        if len(self.cache) < 200_000:
            self.cache[lower] = norm
        return norm

    def __call__(self, doc: Doc) -> Doc:
        word = self.word
        for token in doc:
            if not token.is_space:
                token.norm_ = word(token.lower_)
        return doc


def _expand_pattern(pattern, terms: dict, normalise_word, where: str) -> list:
    """A YAML token pattern with $term lists filled in and NORM values reduced to dictionary forms."""
    if not isinstance(pattern, list) or not pattern:
        raise ValueError(f"{where}: a pattern is a non-empty list of token specs")
    expanded = []
    for spec in pattern:
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: bad token spec {spec!r}")
        out = {}
        for attr, value in spec.items():
            if attr in ("OP", "IS_PUNCT"):
                out[attr] = value
                continue
            if attr not in ("NORM", "LOWER"):
                raise ValueError(f"{where}: only NORM, LOWER, IS_PUNCT and OP are used, not {attr}")
            if isinstance(value, dict):
                items = value.get("IN")
                if isinstance(items, str) and items.startswith("$"):
                    if items[1:] not in terms:
                        raise ValueError(f"{where}: unknown term list {items}")
                    items = terms[items[1:]]
                items = _strings(items, where)
                value = {"IN": sorted({normalise_word(v.lower()) if attr == "NORM" else v.lower() for v in items})}
            elif isinstance(value, str):
                value = normalise_word(value.lower()) if attr == "NORM" else value.lower()
            else:
                raise ValueError(f"{where}: bad value {value!r}")
            out[attr] = value
        expanded.append(out)
    return expanded


def anchor(pattern: list):
    """The attribute and values of the pattern's rarest required token: no match without one of them."""
    best = None
    for spec in pattern:
        if spec.get("OP") not in (None, "+"):
            continue
        for attr in ("NORM", "LOWER"):
            value = spec.get(attr)
            values = value["IN"] if isinstance(value, dict) else [value] if isinstance(value, str) else None
            if values is not None and (best is None or len(values) < len(best[1])):
                best = (attr, values)
    if best is None:
        raise ValueError(f"pattern {pattern!r} has no required word to anchor it")
    return best


def first_word_split(patterns: list) -> list:
    """Patterns whose first token is a word list, one pattern per word.

    The Matcher checks a plain NORM or LOWER value in C but calls Python for every token against an
    IN list; a first token is tried at every position of the text, later ones only after it."""
    split = []
    for pattern in patterns:
        first = pattern[0]
        values = next((v["IN"] for k, v in first.items() if isinstance(v, dict) and "IN" in v), None)
        if values is None or first.get("OP"):
            split.append(pattern)
            continue
        attr = next(k for k, v in first.items() if isinstance(v, dict) and "IN" in v)
        split.extend([{**first, attr: value}] + pattern[1:] for value in values)
    return split


class Tokenize:
    """The blank English tokenizer plus the normaliser: text in, Doc with normal forms out."""

    def __init__(self, nlp, normaliser: Normaliser):
        self.nlp = nlp
        self.normaliser = normaliser

    def __call__(self, text: str) -> Doc:
        return self.normaliser(self.nlp.make_doc(text))


@functools.lru_cache(maxsize=None)
def load(path: str = "") -> Lexicon:
    """The lexicon built from the YAML file (the project's own unless a path is given), once per process."""
    with Path(path or RED_FLAGS_PATH).open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    terms = {name: _strings(words, f"terms.{name}") for name, words in (data.get("terms") or {}).items()}
    normaliser = Normaliser(data.get("spellings") or {}, _strings(data.get("fuzzy") or [], "fuzzy"))
    nlp = spacy.blank("en")
    tokenize = Tokenize(nlp, normaliser)

    phrase_matcher = PhraseMatcher(nlp.vocab, attr="NORM")
    exact_matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    matcher = Matcher(nlp.vocab)
    anchors = {"NORM": set(), "LOWER": set()}
    flags, symptoms, keywords = {}, {}, {}
    for kind, raws, registry in (("flag", data["red_flags"], flags), ("symptom", data["symptoms"], symptoms)):
        for raw in raws:
            entry = _entry(raw, kind)
            if entry.id in flags or entry.id in symptoms:
                raise ValueError(f"duplicate id {entry.id!r}")
            registry[entry.id] = entry
            where = f"{kind} {entry.id}"
            key = f"{kind}|{entry.id}"
            phrases = _strings(raw.get("phrases", []), where)
            if kind == "flag":
                keywords[entry.id] = frozenset(
                    w.lower() for w in phrases + raw.get("exact", []) + raw.get("weak", []) if " " not in w)
            if phrases:
                phrase_matcher.add(key, [tokenize(clean_text(p)) for p in phrases])
            exact = _strings(raw.get("exact", []), where)
            if exact:
                exact_matcher.add(key, [nlp.make_doc(clean_text(p.lower())) for p in exact])
            weak = _strings(raw.get("weak", []), where)
            if weak:
                phrase_matcher.add(f"weak|{entry.id}", [tokenize(clean_text(p)) for p in weak])
            patterns = [_expand_pattern(p, terms, normaliser.word, where) for p in raw.get("patterns", [])]
            if patterns:
                matcher.add(key, first_word_split(patterns))
                for pattern in patterns:
                    attr, values = anchor(pattern)
                    anchors[attr].update(values)
            if not (phrases or exact or patterns or raw.get("by_reading")):
                raise ValueError(f"{where}: no phrases, exact words or patterns")
    excludes = (data.get("exclude") or {}).get("patterns") or []
    matcher.add("exclude|", first_word_split([_expand_pattern(p, terms, normaliser.word, "exclude")
                                              for p in excludes]))
    together = []
    for rule in data.get("together") or []:
        if rule.get("flag") not in flags or not all(s in symptoms for s in rule.get("symptoms", [])):
            raise ValueError(f"together: unknown ids in {rule!r}")
        together.append((rule["flag"], tuple(rule["symptoms"])))
    anaphor_matcher = Matcher(nlp.vocab)
    cues.add_cue_patterns(anaphor_matcher, phrase_matcher, tokenize)
    return Lexicon(flags, symptoms, tuple(together), tokenize, normaliser, phrase_matcher, exact_matcher, matcher,
                   anaphor_matcher, frozenset(anchors["NORM"]), frozenset(anchors["LOWER"]), keywords)
