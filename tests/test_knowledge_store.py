"""`knowledge.store.KnowledgeBase`: filters by topic, audience and indication, term look-ups, entity
patterns, full-text search that survives hostile input, and clear errors for a missing or broken db."""
import pytest

from knowledge.build import build_database
from knowledge.store import KnowledgeBase, KnowledgeBaseError, default_db_path


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    return KnowledgeBase(build_database(tmp_path_factory.mktemp("kb") / "knowledge.db"))


def ids(facts):
    return [fact.id for fact in facts]


def test_topics_are_those_of_topics_yml_in_order(kb):
    topics = kb.topics()
    assert len(topics) == 33
    assert topics[0].id == "about" and topics[-1].id == "contact"
    assert [t.id for t in topics if t.by_indication] == [
        "dosing", "cycles", "hospital_stay", "premedication", "alternatives"
    ]
    assert kb.indication_label("mrd-positive") == "MRD-positive ALL"


def test_indication_filter_keeps_that_indication_and_the_general_facts(kb):
    # Prescribing information, MRD-positive B-ALL: "Hospital stay recommended for the first 3 days of
    # cycle 1 and the first 2 days of cycle 2"; the restart-supervision entry holds for every type.
    facts = kb.facts("hospital_stay", "patient", "mrd-positive")
    assert ids(facts) == ["hospital-stay-mrd-positive", "hospital-stay-later-cycles"]
    assert facts[0].numbers == {"cycle1_days": 3, "cycle2_days": 2}
    assert facts[0].source == "prescribing-information, MRD-positive B-ALL"
    # Relapsed/refractory, from the protocol (Administration): "the first 9 days of the first cycle".
    relapsed = kb.facts("hospital_stay", "patient", "relapsed-refractory")
    assert relapsed[0].numbers["cycle1_days"] == 9


def test_without_an_indication_every_indication_is_returned(kb):
    indications = {fact.indication for fact in kb.facts("dosing", "staff")}
    assert indications == {None, "relapsed-refractory", "ph-positive", "mrd-positive"}


def test_patients_never_get_staff_only_facts_and_staff_get_everything(kb):
    for topic in kb.topics():
        patient = kb.facts(topic.id, "patient")
        staff = kb.facts(topic.id, "staff")
        assert all(fact.audience in ("patient", "both") for fact in patient)
        assert set(ids(patient)) <= set(ids(staff))
    # The protocol's lab limits are staff-only; the patient gets the plain-language version.
    assert ids(kb.facts("blood_limits", "patient")) == [
        "blood-limits-patient", "blood-limits-haematological-toxicity-patient"
    ]


def test_an_unknown_audience_or_topic_is_an_error(kb):
    with pytest.raises(ValueError, match="audience"):
        kb.facts("dosing", "doctor")
    with pytest.raises(KeyError, match="unknown topic"):
        kb.facts("dosage")
    with pytest.raises(KeyError, match="unknown fact"):
        kb.fact("no-such-fact")


def test_fact_by_id_holds_numbers_and_source(kb):
    fact = kb.fact("blood-tests-later-cycles")
    # Protocol, Investigations – pre subsequent cycles: FBC, U+Es, LFTs, validity 96 hours.
    assert fact.numbers == {"valid_hours": 96}
    assert fact.audience == "staff"
    assert fact.source == "clinical-protocol, Investigations – pre subsequent cycles"
    assert "96 hours" in fact.answer
    assert fact.to_dict()["source"] == fact.source


def test_facts_about_a_term_put_listed_facts_first_and_respect_the_audience(kb):
    patient = ids(kb.facts_about("allopurinol", "patient"))
    staff = ids(kb.facts_about("allopurinol", "staff"))
    assert patient == ["supportive-allopurinol-patient"]
    assert staff == ["supportive-allopurinol-patient", "supportive-allopurinol"]
    # "warfarin" is listed by the two CYP450 entries.
    assert set(ids(kb.facts_about("warfarin", "staff"))) >= {"interactions-cyp450", "interactions-cyp450-patient"}
    assert kb.facts_about("no-such-term") == []


def test_search_finds_facts_by_words_and_stems(kb):
    assert ids(kb.search("flush the line", limit=1)) == ["flushing-never"]
    assert "fluids-three-litres" in ids(kb.search("how much fluid should I drink", limit=3))
    # Porter stemming: "changing bags" finds "bag changes".
    assert set(ids(kb.search("changing bags", limit=3))) & {"bag-change-mornings", "bag-change-expiry"}


def test_search_respects_the_audience(kb):
    staff_hits = kb.search("neutrophils platelets", audience="staff")
    patient_hits = kb.search("neutrophils platelets", audience="patient")
    assert "blood-limits" in ids(staff_hits)
    assert patient_hits and all(fact.audience in ("patient", "both") for fact in patient_hits)
    assert len(kb.search("side effects", limit=3)) == 3


@pytest.mark.parametrize(
    "hostile",
    [
        '"unbalanced quote',
        "fever AND OR NOT",
        "NEAR(fever headache, 2)",
        "dose*",
        "* ^ ( ) { } [ ] : -",
        "((((fever",
        "title:dose",
        "'; DROP TABLE facts; --",
        "",
        "   ",
        "😀 ∑ ≤ 0.2 μm",
    ],
)
def test_search_never_raises_on_fts_syntax_in_user_text(kb, hostile):
    results = kb.search(hostile)
    assert isinstance(results, list)
    assert len(kb.all_facts()) > 100  # and nothing was dropped


def test_search_copes_with_a_pasted_page(kb):
    page = " ".join(f"word{n}" for n in range(5000)) + " litres"
    assert isinstance(kb.search(page), list)


def test_search_reads_operators_as_plain_words(kb):
    # "fever AND OR NOT" must behave like a search for "fever" (and the other words), not a syntax error.
    assert "side-effects-common" in ids(kb.search("fever AND OR NOT"))


@pytest.mark.parametrize(
    "surface, label, expected",
    [
        ("MRD", None, "mrd-positive"),
        ("mrd positive", None, "mrd-positive"),
        ("MRD-Positive", "indication", "mrd-positive"),
        ("Minimal  Residual Disease", None, "mrd-positive"),
        ("Ph+", None, "ph-positive"),
        ("came back", None, "relapsed-refractory"),
        ("Tylenol", "medicine", "paracetamol"),
        ("ciclosporin", None, "cyclosporine"),
        ("U+Es", "test", "kidney-function-tests"),
        ("drip", "equipment", "drip"),
        ("paracetamol", None, "paracetamol"),  # the canonical name itself
        ("kidney-function-tests", None, "kidney-function-tests"),  # an id passed back in
        ("Tylenol", "side_effect", None),  # wrong label
        ("aspirin", None, "nsaids"),  # a medicine the documents don't name: an uncovered subject
        ("aspirin", "medicine", None),
        ("", None, None),
    ],
)
def test_term_id_maps_surface_forms_to_canonical_ids(kb, surface, label, expected):
    assert kb.term_id(surface, label) == expected


def test_entity_patterns_are_ready_for_spacys_entity_ruler(kb):
    patterns = kb.entity_patterns()
    assert all(set(p) == {"label", "pattern", "id"} for p in patterns)
    assert {p["label"] for p in patterns} == {"indication", "medicine", "side_effect", "test", "equipment",
                                              "uncovered"}
    assert {"label": "uncovered", "pattern": "shower", "id": "showering-bathing"} in patterns
    assert {"label": "indication", "pattern": "minimal residual disease", "id": "mrd-positive"} in patterns
    assert {"label": "medicine", "pattern": "Blincyto", "id": "blinatumomab"} in patterns
    lowered = [(p["pattern"].casefold(), p["id"]) for p in patterns]
    assert len(lowered) == len(set(lowered))  # no duplicate surface forms


def test_a_missing_database_names_the_path_and_the_command(tmp_path):
    missing = tmp_path / "nowhere" / "knowledge.db"
    with pytest.raises(KnowledgeBaseError) as error:
        KnowledgeBase(missing)
    assert str(missing) in str(error.value) and "blina build" in str(error.value)
    assert not missing.exists()  # opening must not create an empty database


def test_a_corrupt_database_names_the_path_and_the_command(tmp_path):
    corrupt = tmp_path / "knowledge.db"
    corrupt.write_bytes(b"this is not a database" * 100)
    with pytest.raises(KnowledgeBaseError) as error:
        KnowledgeBase(corrupt)
    assert str(corrupt) in str(error.value) and "blina build" in str(error.value)


def test_a_database_without_the_tables_is_refused(tmp_path):
    import sqlite3

    empty = tmp_path / "knowledge.db"
    sqlite3.connect(empty).execute("CREATE TABLE other (x)").connection.close()
    with pytest.raises(KnowledgeBaseError, match="lacks tables"):
        KnowledgeBase(empty)


def test_the_knowledge_base_does_not_read_the_file_again(tmp_path):
    path = build_database(tmp_path / "knowledge.db")
    kb = KnowledgeBase(path)
    path.unlink()  # everything it answers from is already in memory
    assert kb.fact("fluids-three-litres").numbers == {"litres_a_day": 3}
    assert ids(kb.search("litres", limit=1)) == ["fluids-three-litres"]


def test_the_default_path_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("BLINA_KNOWLEDGE_DB", str(tmp_path / "elsewhere.db"))
    assert default_db_path() == tmp_path / "elsewhere.db"
    monkeypatch.delenv("BLINA_KNOWLEDGE_DB")
    assert default_db_path().parts[-2:] == ("build", "knowledge.db")
