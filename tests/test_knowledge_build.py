"""`knowledge.build.build_database`: validation errors that name the problem, the SQLite schema, and a
build that gives identical content every time."""
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from knowledge.build import KNOWLEDGE_DIR, KnowledgeError, build_database


def dump(db_path: Path) -> list:
    connection = sqlite3.connect(db_path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


@pytest.fixture
def knowledge_copy(tmp_path):
    """A copy of knowledge/ (topics.yml, uncovered.yml and facts/) that a test may break."""
    copy = tmp_path / "knowledge"
    (copy / "facts").mkdir(parents=True)
    shutil.copy(KNOWLEDGE_DIR / "topics.yml", copy / "topics.yml")
    shutil.copy(KNOWLEDGE_DIR / "uncovered.yml", copy / "uncovered.yml")
    for path in (KNOWLEDGE_DIR / "facts").glob("*.yml"):
        shutil.copy(path, copy / "facts" / path.name)
    return copy


def add_fact_file(knowledge_dir: Path, *entries: dict) -> None:
    with (knowledge_dir / "facts" / "zz_extra.yml").open("w", encoding="utf-8") as handle:
        yaml.safe_dump({"facts": list(entries)}, handle, allow_unicode=True)


def entry(**changes) -> dict:
    base = {
        "id": "test-entry",
        "topic": "fluids",
        "audience": "both",
        "title": "A test entry",
        "answer": "At least {{ numbers.litres }} litres a day.",
        "numbers": {"litres": 3},
        "source": {"document": "clinical-protocol", "section": "Pre-medication"},
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def test_two_builds_give_identical_content(tmp_path):
    first = build_database(tmp_path / "one" / "knowledge.db")
    second = build_database(tmp_path / "two" / "knowledge.db")
    assert dump(first) == dump(second)
    assert len(dump(first)) > 100


def test_rebuilding_in_place_replaces_the_old_database(tmp_path):
    target = tmp_path / "knowledge.db"
    build_database(target)
    before = dump(target)
    build_database(target)
    assert dump(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["knowledge.db"]  # no temporary file left behind


def test_schema_has_foreign_keys_and_a_full_text_index(tmp_path):
    db = sqlite3.connect(build_database(tmp_path / "knowledge.db"))
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"topics", "facts", "terms", "fact_terms", "facts_fts"} <= tables
    fact_keys = {(row[3], row[2], row[4]) for row in db.execute("PRAGMA foreign_key_list(facts)")}
    assert ("topic", "topics", "id") in fact_keys
    link_keys = {(row[3], row[2]) for row in db.execute("PRAGMA foreign_key_list(fact_terms)")}
    assert {("fact_id", "facts"), ("term_id", "terms")} <= link_keys
    assert "FTS5" in db.execute("SELECT sql FROM sqlite_master WHERE name='facts_fts'").fetchone()[0]
    # The FTS index holds the rendered answers: the fluids entry says "at least 3 litres" (protocol,
    # Pre-medication: "a fluid intake of at least 3 litres per day").
    hits = [row[0] for row in db.execute("SELECT facts.id FROM facts_fts JOIN facts ON facts.rowid = "
                                         "facts_fts.rowid WHERE facts_fts MATCH 'litres'")]
    assert hits == ["fluids-three-litres"]
    db.close()


def test_answers_are_stored_rendered_from_their_numbers(tmp_path):
    db = sqlite3.connect(build_database(tmp_path / "knowledge.db"))
    answer = db.execute("SELECT answer FROM facts WHERE id='bag-change-expiry'").fetchone()[0]
    db.close()
    # Protocol, Administration: "Note expiry time of 96 hours."
    assert "96 hours" in answer and "{{" not in answer


def test_the_shipped_knowledge_builds_from_a_copy(knowledge_copy, tmp_path):
    build_database(tmp_path / "copy.db", knowledge_copy)  # the baseline the failure tests change


@pytest.mark.parametrize(
    "bad_entry, message",
    [
        (entry(topic="side_effect"), "unknown topic 'side_effect'"),
        (entry(audience="doctors"), "audience 'doctors'"),
        (entry(source=None), "missing source"),
        (entry(source={"document": "clinical-protocol"}), "source must be"),
        (entry(source={"document": "wikipedia", "section": "Blinatumomab"}), "unknown source document"),
        (entry(id="fluids-three-litres"), "duplicate id 'fluids-three-litres'"),
        (entry(id="Not Kebab"), "kebab-case"),
        (entry(answer="At least {{ numbers.litre }} litres."), "answer template"),
        (entry(terms=["no-such-term"]), "unknown term 'no-such-term'"),
        (entry(indication="ph-positive"), "does not depend on the indication"),
        (entry(topic="dosing", indication="ph-negative"), "unknown indication"),
        (entry(sorce="typo"), "unknown field"),
        (entry(numbers={"litres": True}), "must be a number or text"),
    ],
)
def test_invalid_entries_are_refused_with_a_clear_error(knowledge_copy, tmp_path, bad_entry, message):
    add_fact_file(knowledge_copy, bad_entry)
    with pytest.raises(KnowledgeError, match="zz_extra.yml") as error:
        build_database(tmp_path / "bad.db", knowledge_copy)
    assert message in str(error.value)
    assert not (tmp_path / "bad.db").exists()


def test_a_surface_form_naming_two_terms_is_refused(knowledge_copy, tmp_path):
    terms_file = knowledge_copy / "facts" / "terms.yml"
    data = yaml.safe_load(terms_file.read_text(encoding="utf-8"))
    data["terms"].append({"id": "mrd-test", "label": "test", "name": "MRD test", "synonyms": ["mrd"]})
    terms_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="'mrd' already names term 'mrd-positive'"):
        build_database(tmp_path / "bad.db", knowledge_copy)


def test_a_term_label_outside_the_five_is_refused(knowledge_copy, tmp_path):
    terms_file = knowledge_copy / "facts" / "terms.yml"
    data = yaml.safe_load(terms_file.read_text(encoding="utf-8"))
    data["terms"].append({"id": "hospital", "label": "place", "name": "hospital"})
    terms_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="label 'place'"):
        build_database(tmp_path / "bad.db", knowledge_copy)


def test_broken_yaml_names_the_file(knowledge_copy, tmp_path):
    (knowledge_copy / "facts" / "zz_extra.yml").write_text("facts: [ {id: oops\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="zz_extra.yml: not valid YAML"):
        build_database(tmp_path / "bad.db", knowledge_copy)


def test_a_failed_build_leaves_the_previous_database_in_place(knowledge_copy, tmp_path):
    target = build_database(tmp_path / "knowledge.db", knowledge_copy)
    before = dump(target)
    add_fact_file(knowledge_copy, entry(topic="nonsense"))
    with pytest.raises(KnowledgeError):
        build_database(target, knowledge_copy)
    assert dump(target) == before


def test_an_uncovered_subject_without_a_referral_is_refused(knowledge_copy, tmp_path):
    path = knowledge_copy / "uncovered.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["subjects"][0]["ask"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="subject #1: needs exactly the fields"):
        build_database(tmp_path / "bad.db", knowledge_copy)


def test_an_uncovered_phrase_that_names_a_covered_term_is_refused(knowledge_copy, tmp_path):
    # "fever" is a side effect the documents list: it can never mark a question as not covered.
    path = knowledge_copy / "uncovered.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["subjects"][0]["phrases"].append("fever")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="'fever' already names term 'fever'"):
        build_database(tmp_path / "bad.db", knowledge_copy)


def test_every_fact_says_which_questions_it_answers():
    # The matching finds facts by these questions (knowledge/matching.py): none may go without.
    from knowledge.build import load_facts, load_terms, load_topics, load_uncovered

    topics, indications = load_topics()
    facts = load_facts(topics, indications, load_terms(uncovered=load_uncovered()))
    assert all(len(json.loads(fact["questions"])) >= 5 for fact in facts)
