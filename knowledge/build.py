"""Validates the knowledge YAML (topics, facts, terms) and writes it to a reproducible SQLite database."""
import functools
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Dict, Iterable, List, Optional

import sqlite_utils
import yaml
from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment

KNOWLEDGE_DIR = Path(__file__).resolve().parent
TOPICS_FILE = KNOWLEDGE_DIR / "topics.yml"
FACTS_DIR = KNOWLEDGE_DIR / "facts"
TERMS_FILE = FACTS_DIR / "terms.yml"
UNCOVERED_FILE = KNOWLEDGE_DIR / "uncovered.yml"

DOCUMENTS = ("patient-information-page", "clinical-protocol", "prescribing-information")
AUDIENCES = ("patient", "staff", "both")
TERM_LABELS = ("indication", "medicine", "side_effect", "test", "equipment")
# Subjects the documents do not cover are matched like terms, under a label of their own.
UNCOVERED_LABEL = "uncovered"
FACT_FIELDS = {"id", "topic", "indication", "audience", "title", "questions", "answer", "numbers", "terms",
               "source"}
REQUIRED_FACT_FIELDS = ("id", "topic", "audience", "title", "answer", "source")
TERM_FIELDS = {"id", "label", "name", "synonyms"}
UNCOVERED_FIELDS = {"id", "label", "ask", "phrases"}
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class KnowledgeError(ValueError):
    """The knowledge YAML is invalid; the message names the file and the entry."""


def _span(value) -> str:
    # "days 1–7" from a [first, last] pair, so a range is written once in `numbers`.
    first, last = value
    return f"{first}–{last}"


def _thousands(value) -> str:
    return f"{value:,}"


# Answers may refer to their own numbers ({{ numbers.dose }}); sandboxed, and a typo is an error.
_ANSWER_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_ANSWER_ENV.filters["span"] = _span
_ANSWER_ENV.filters["thousands"] = _thousands


# libyaml's safe loader when PyYAML has it: the pure-Python one makes a build several times slower.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path):
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_SAFE_LOADER)
    except yaml.YAMLError as error:
        raise KnowledgeError(f"{path}: not valid YAML: {error}") from error


def _normalise(text: str) -> str:
    """The form used to look a surface form up: case-folded, single spaces."""
    return " ".join(str(text).casefold().split())


def load_topics(path: Path = TOPICS_FILE):
    """(topics, indications): lists of row dicts in file order."""
    data = _load_yaml(path) or {}
    topics_data = data.get("topics")
    indications_data = data.get("indications")
    if not isinstance(topics_data, dict) or not topics_data:
        raise KnowledgeError(f"{path}: needs a `topics:` mapping")
    if not isinstance(indications_data, dict) or not indications_data:
        raise KnowledgeError(f"{path}: needs an `indications:` mapping")
    topics = []
    for position, (topic_id, spec) in enumerate(topics_data.items()):
        spec = spec or {}
        if not isinstance(spec.get("by_indication"), bool):
            raise KnowledgeError(f"{path}: topic {topic_id!r} needs by_indication: true or false")
        topics.append(
            {
                "id": topic_id,
                "position": position,
                "by_indication": int(spec["by_indication"]),
                "covers": str(spec.get("covers", "")),
            }
        )
    indications = []
    for position, (indication_id, spec) in enumerate(indications_data.items()):
        if not (spec or {}).get("label"):
            raise KnowledgeError(f"{path}: indication {indication_id!r} needs a label")
        indications.append({"id": indication_id, "position": position, "label": spec["label"]})
    return topics, indications


def load_terms(path: Path = TERMS_FILE, uncovered: Iterable[dict] = ()) -> List[dict]:
    """Term rows, then one per uncovered subject; a surface form that names two of them is an error."""
    data = _load_yaml(path) or {}
    entries = data.get("terms")
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError(f"{path}: needs a `terms:` list")
    own_terms = len(entries)
    entries = [*entries, *({"id": s["id"], "label": UNCOVERED_LABEL, "name": s["label"],
                            "synonyms": s["phrases"]} for s in uncovered)]
    rows, seen_ids, surface_owner = [], set(), {}
    for position, entry in enumerate(entries):
        where = f"{path}: term #{position + 1}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: must be a mapping")
        unknown = set(entry) - TERM_FIELDS
        if unknown:
            raise KnowledgeError(f"{where}: unknown field(s) {sorted(unknown)}")
        term_id = entry.get("id")
        if not isinstance(term_id, str) or not KEBAB.match(term_id):
            raise KnowledgeError(f"{where}: id {term_id!r} must be kebab-case")
        where = f"{path}: term {term_id!r}"
        if term_id in seen_ids:
            raise KnowledgeError(f"{where}: duplicate id")
        seen_ids.add(term_id)
        if entry.get("label") not in (TERM_LABELS if position < own_terms else (UNCOVERED_LABEL,)):
            raise KnowledgeError(f"{where}: label {entry.get('label')!r} is not one of {TERM_LABELS}")
        name = entry.get("name")
        synonyms = entry.get("synonyms") or []
        if not isinstance(name, str) or not name.strip():
            raise KnowledgeError(f"{where}: needs a name")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
            raise KnowledgeError(f"{where}: synonyms must be a list of non-empty strings")
        forms = []
        for surface in [name, *synonyms]:
            key = _normalise(surface)
            owner = surface_owner.setdefault(key, term_id)
            if owner != term_id:
                raise KnowledgeError(f"{where}: {surface!r} already names term {owner!r}")
            if key not in {_normalise(f) for f in forms}:
                forms.append(" ".join(surface.split()))
        rows.append(
            {
                "id": term_id,
                "position": position,
                "label": entry["label"],
                "name": name,
                "synonyms": json.dumps(forms[1:], ensure_ascii=False),
            }
        )
    return rows


def load_uncovered(path: Path = UNCOVERED_FILE) -> List[dict]:
    """The subjects the documents are known not to cover: id, label (lay words), who can answer, phrases."""
    data = _load_yaml(path) or {}
    entries = data.get("subjects")
    if not isinstance(entries, list) or not entries:
        raise KnowledgeError(f"{path}: needs a `subjects:` list")
    rows = []
    for position, entry in enumerate(entries):
        where = f"{path.name}: subject #{position + 1}"
        if not isinstance(entry, dict) or set(entry) != UNCOVERED_FIELDS:
            raise KnowledgeError(f"{where}: needs exactly the fields {sorted(UNCOVERED_FIELDS)}")
        phrases = entry["phrases"]
        if not isinstance(phrases, list) or not phrases or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise KnowledgeError(f"{where}: phrases must be a list of non-empty strings")
        if not all(isinstance(entry[key], str) and entry[key].strip() for key in ("id", "label", "ask")):
            raise KnowledgeError(f"{where}: id, label and ask must be non-empty text")
        rows.append({"id": entry["id"], "position": position, "label": " ".join(entry["label"].split()),
                     "ask": " ".join(entry["ask"].split()), "phrases": [str(p) for p in phrases]})
    return rows


def _check_numbers(where: str, numbers) -> None:
    if not isinstance(numbers, dict):
        raise KnowledgeError(f"{where}: numbers must be a mapping of name to value")

    def check(value, name):
        if isinstance(value, dict):
            for key, inner in value.items():
                check(inner, f"{name}.{key}")
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                check(inner, f"{name}[{index}]")
        elif not isinstance(value, (int, float, str)) or isinstance(value, bool):
            raise KnowledgeError(f"{where}: numbers.{name} must be a number or text, not {value!r}")

    for key, value in numbers.items():
        check(value, key)


def _fact_row(path: Path, entry, position: int, topics: Dict[str, dict], indications, term_ids) -> dict:
    where = f"{path.name}: entry #{position + 1}"
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: must be a mapping")
    fact_id = entry.get("id")
    if isinstance(fact_id, str):
        where = f"{path.name}: {fact_id}"
    unknown = set(entry) - FACT_FIELDS
    if unknown:
        raise KnowledgeError(f"{where}: unknown field(s) {sorted(unknown)}")
    for field in REQUIRED_FACT_FIELDS:
        if entry.get(field) in (None, "", {}):
            raise KnowledgeError(f"{where}: missing {field}")
    if not isinstance(fact_id, str) or not KEBAB.match(fact_id):
        raise KnowledgeError(f"{where}: id {fact_id!r} must be kebab-case")
    topic = entry["topic"]
    if topic not in topics:
        raise KnowledgeError(f"{where}: unknown topic {topic!r} (topics are listed in topics.yml)")
    audience = entry["audience"]
    if audience not in AUDIENCES:
        raise KnowledgeError(f"{where}: audience {audience!r} is not one of {AUDIENCES}")
    indication = entry.get("indication")
    if indication is not None:
        if indication not in indications:
            raise KnowledgeError(f"{where}: unknown indication {indication!r}")
        if not topics[topic]["by_indication"]:
            raise KnowledgeError(f"{where}: topic {topic!r} does not depend on the indication")
    source = entry["source"]
    if not isinstance(source, dict) or set(source) != {"document", "section"}:
        raise KnowledgeError(f"{where}: source must be {{document: ..., section: ...}}")
    if source["document"] not in DOCUMENTS:
        raise KnowledgeError(f"{where}: unknown source document {source['document']!r}")
    if not isinstance(source["section"], str) or not source["section"].strip():
        raise KnowledgeError(f"{where}: missing source section")
    numbers = entry.get("numbers") or {}
    _check_numbers(where, numbers)
    listed_terms = entry.get("terms") or []
    if not isinstance(listed_terms, list):
        raise KnowledgeError(f"{where}: terms must be a list of term ids")
    for term in listed_terms:
        if term not in term_ids:
            raise KnowledgeError(f"{where}: unknown term {term!r} (terms are listed in terms.yml)")
    questions = entry.get("questions") or []
    if not isinstance(questions, list) or not all(isinstance(q, str) and q.strip() for q in questions):
        raise KnowledgeError(f"{where}: questions must be a list of the questions the fact answers")
    try:
        answer = _ANSWER_ENV.from_string(str(entry["answer"])).render(numbers=numbers)
    except TemplateError as error:
        raise KnowledgeError(f"{where}: answer template: {error}") from error
    answer = " ".join(answer.split())
    return {
        "id": fact_id,
        "position": position,
        "topic": topic,
        "indication": indication,
        "audience": audience,
        "title": " ".join(str(entry["title"]).split()),
        "questions": json.dumps([" ".join(q.split()) for q in questions], ensure_ascii=False),
        "answer": answer,
        "numbers": json.dumps(numbers, ensure_ascii=False, sort_keys=True),
        "source_document": source["document"],
        "source_section": source["section"].strip(),
        "listed_terms": list(dict.fromkeys(listed_terms)),
    }


def fact_files(facts_dir: Path = FACTS_DIR) -> List[Path]:
    """Every facts/*.yml except terms.yml, in name order (so positions are stable)."""
    return sorted(p for p in Path(facts_dir).glob("*.yml") if p.name != TERMS_FILE.name)


def load_facts(topics: Iterable[dict], indications: Iterable[dict], terms: Iterable[dict],
               facts_dir: Path = FACTS_DIR) -> List[dict]:
    topic_map = {t["id"]: t for t in topics}
    indication_ids = {i["id"] for i in indications}
    term_ids = {t["id"] for t in terms}
    rows, seen = [], {}
    files = fact_files(facts_dir)
    if not files:
        raise KnowledgeError(f"{facts_dir}: no fact files (*.yml)")
    for path in files:
        data = _load_yaml(path) or {}
        entries = data.get("facts") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise KnowledgeError(f"{path}: needs a `facts:` list")
        for entry in entries:
            row = _fact_row(path, entry, len(rows), topic_map, indication_ids, term_ids)
            if row["id"] in seen:
                raise KnowledgeError(f"{path.name}: duplicate id {row['id']!r} (first in {seen[row['id']]})")
            seen[row["id"]] = path.name
            rows.append(row)
    return rows


def _term_matchers(terms: List[dict]) -> List[tuple]:
    """(term id, its surface forms in lower case), in terms.yml order."""
    return [
        (term["id"], sorted({s.casefold() for s in [term["name"], *json.loads(term["synonyms"])]}))
        for term in terms
    ]


@functools.lru_cache(maxsize=None)
def _whole_words(surface: str):
    return re.compile(rf"(?<!\w){re.escape(surface)}(?!\w)")


def _mentioned_terms(fact: dict, matchers: List[tuple]) -> List[str]:
    """Terms whose name or a synonym appears as whole words in the fact's title or answer."""
    text = f"{fact['title']} {fact['answer']}".casefold()
    # The plain substring test is cheap and rules out almost every form before a regex is needed.
    return [
        term_id for term_id, surfaces in matchers
        if any(surface in text and _whole_words(surface).search(text) for surface in surfaces)
    ]


def _write(db_path: Path, topics, indications, facts, terms, uncovered) -> None:
    db = sqlite_utils.Database(db_path)
    db.conn.execute("PRAGMA foreign_keys = ON")
    # A scratch file moved into place only when complete: no need to sync every write.
    db.conn.execute("PRAGMA synchronous = OFF")
    db.conn.execute("PRAGMA journal_mode = MEMORY")
    db["topics"].create(
        {"id": str, "position": int, "by_indication": int, "covers": str}, pk="id", not_null={"position"}
    )
    db["indications"].create({"id": str, "position": int, "label": str}, pk="id")
    db["terms"].create(
        {"id": str, "position": int, "label": str, "name": str, "synonyms": str}, pk="id"
    )
    db["facts"].create(
        {
            "id": str, "position": int, "topic": str, "indication": str, "audience": str,
            "title": str, "questions": str, "answer": str, "numbers": str, "source_document": str,
            "source_section": str,
        },
        pk="id",
        not_null={"position", "topic", "audience", "title", "answer", "source_document", "source_section"},
        foreign_keys=[("topic", "topics", "id"), ("indication", "indications", "id")],
    )
    db["fact_terms"].create(
        {"fact_id": str, "term_id": str, "how": str, "position": int},
        pk=("fact_id", "term_id"),
        foreign_keys=[("fact_id", "facts", "id"), ("term_id", "terms", "id")],
    )
    db["uncovered"].create({"id": str, "position": int, "ask": str}, pk="id",
                           foreign_keys=[("id", "terms", "id")])
    db["topics"].insert_all(topics)
    db["indications"].insert_all(indications)
    db["terms"].insert_all(terms)
    db["uncovered"].insert_all({"id": s["id"], "position": s["position"], "ask": s["ask"]} for s in uncovered)
    db["facts"].insert_all({k: v for k, v in fact.items() if k != "listed_terms"} for fact in facts)
    links, matchers = [], _term_matchers([t for t in terms if t["label"] != UNCOVERED_LABEL])
    for fact in facts:
        # Terms the entry lists come first; terms its text merely mentions follow.
        linked = dict.fromkeys(fact["listed_terms"], "listed")
        for term_id in _mentioned_terms(fact, matchers):
            linked.setdefault(term_id, "mentioned")
        for position, (term_id, how) in enumerate(linked.items()):
            links.append({"fact_id": fact["id"], "term_id": term_id, "how": how, "position": position})
    db["fact_terms"].insert_all(links)
    db["facts"].create_index(["topic", "position"])
    db["fact_terms"].create_index(["term_id"])
    db["facts"].enable_fts(["title", "answer"], fts_version="FTS5", tokenize="porter")
    db.conn.commit()
    violations = db.conn.execute("PRAGMA foreign_key_check").fetchall()
    if violations:
        raise KnowledgeError(f"{db_path}: foreign key violations {violations}")
    db.close()


def build_database(db_path, knowledge_dir: Optional[Path] = None) -> Path:
    """Validate topics.yml, facts/*.yml and facts/terms.yml and write them to db_path (replaced whole)."""
    base = Path(knowledge_dir) if knowledge_dir else KNOWLEDGE_DIR
    topics, indications = load_topics(base / "topics.yml")
    uncovered = load_uncovered(base / UNCOVERED_FILE.name)
    terms = load_terms(base / "facts" / TERMS_FILE.name, uncovered)
    facts = load_facts(topics, indications, terms, base / "facts")
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and moved into place, so a running server never sees half a build.
    handle, temp_name = tempfile.mkstemp(prefix=".knowledge-", suffix=".db", dir=db_path.parent)
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        temp_path.unlink()
        _write(temp_path, topics, indications, facts, terms, uncovered)
        os.replace(temp_path, db_path)
    finally:
        if temp_path.exists():
            temp_path.unlink()
    return db_path
