"""`knowledge.meaning`: sentence vectors find the fact a question in other words asks for, and the facts'
vectors come from the cache `blina build` writes, so no server recomputes them at start."""
import numpy as np
import pytest

from knowledge.matching import FactIndex
from knowledge.meaning import SentenceEncoder
from knowledge.store import KnowledgeBase

EVERYONE = ("patient", "both", "staff")


@pytest.fixture(scope="module")
def kb(built_knowledge):
    return KnowledgeBase(built_knowledge)


@pytest.fixture(scope="module")
def encoder(built_knowledge):
    return SentenceEncoder()


def test_vectors_are_unit_length_and_the_same_text_gives_the_same_vector(encoder):
    vectors = encoder.vectors(["How long is each cycle?", "How long is each cycle?", "Can I swim?"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(vectors[0], vectors[1])
    assert vectors[0] @ vectors[2] < 0.5


def test_the_facts_vectors_come_from_the_build_cache(kb, encoder, monkeypatch):
    def no_model(texts):
        raise AssertionError(f"recomputed {len(texts)} fact texts at start")

    monkeypatch.setattr(encoder, "_fresh", no_model)
    FactIndex(kb.all_facts(), kb.terms_of_facts(), encoder)


def test_users_messages_are_not_kept_in_the_cache(encoder):
    # Health data: a patient's words must not end up in a file on disk.
    before = dict(encoder._cache)
    encoder.vectors(["my husband's PICC line looks red today"])
    encoder.vector("my husband's PICC line looks red today")
    assert encoder._cache == before


@pytest.mark.parametrize("question, fact", [
    # Patient page, Dosage Forms and Strengths: vials of 35 mcg. No word is shared with its questions.
    ("how many micrograms are in each little glass bottle?", "vial-strength"),
])
def test_a_question_in_other_words_finds_its_fact_only_by_meaning(kb, encoder, question, fact):
    by_wording = FactIndex(kb.all_facts(), kb.terms_of_facts()).rank(question, EVERYONE, {})
    by_meaning = FactIndex(kb.all_facts(), kb.terms_of_facts(), encoder).rank(question, EVERYONE, {})
    assert by_wording[0].fact.id != fact
    assert by_meaning[0].fact.id == fact


def test_meaning_raises_the_likeness_of_a_paraphrase(kb, encoder):
    # Protocol, Administration: the infusion is continuous; "round the clock" shares no n-gram with it.
    question = "is the drip running round the clock, even overnight?"
    by_wording = FactIndex(kb.all_facts(), kb.terms_of_facts()).rank(question, EVERYONE, {})[0]
    by_meaning = FactIndex(kb.all_facts(), kb.terms_of_facts(), encoder).rank(question, EVERYONE, {})[0]
    assert by_meaning.fact.id == "administration-continuous-infusion"
    assert by_meaning.likeness > by_wording.likeness + 0.2
