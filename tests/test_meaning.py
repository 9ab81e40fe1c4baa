"""`knowledge.meaning`: sentence vectors find the fact a question in other words asks for, and the facts'
vectors come from the cache `blina build` writes, so no server recomputes them at start; one BLAS thread, as in
the action server, ranks exactly as two do."""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from evaluation.scoring import DEV_SETS, load_cases, messages_of
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


@pytest.mark.parametrize("question, facts", [
    # Patient page, Dosage Forms and Strengths (35 mcg vials) or the label's 38.5 mcg powder; no word in common.
    ("what amount is packed into each glass pot?", {"vial-strength", "vial-label-product"}),
    ("how many micrograms does a single ampoule hold?", {"vial-strength", "vial-label-product"}),
])
def test_a_question_in_other_words_finds_its_fact_only_by_meaning(kb, encoder, question, facts):
    by_wording = FactIndex(kb.all_facts(), kb.terms_of_facts()).rank(question, EVERYONE, {})
    by_meaning = FactIndex(kb.all_facts(), kb.terms_of_facts(), encoder).rank(question, EVERYONE, {})
    assert by_wording[0].fact.id not in facts
    assert by_meaning[0].fact.id in facts


def test_meaning_raises_the_likeness_of_a_paraphrase(kb, encoder):
    # Protocol, Administration: the infusion is continuous; "round the clock" shares no n-gram with it.
    question, fact = "is the drip running round the clock, even overnight?", "administration-continuous-infusion"
    position = [f.id for f in kb.all_facts()].index(fact)
    by_wording = FactIndex(kb.all_facts(), kb.terms_of_facts()).likeness(question)
    by_meaning = FactIndex(kb.all_facts(), kb.terms_of_facts(), encoder).likeness(question)
    assert by_meaning[position] > by_wording[position] + 0.2
    assert position in by_meaning.argsort()[::-1][:2]  # the central line, which stays in while it runs, is near


def test_one_blas_thread_gives_the_same_likeness_and_ranking(kb, encoder):
    # The action server runs numpy's BLAS on one thread (assistant/startup.py): no answer may move for it.
    # Sums split over two threads round differently in the last bits, so scores agree to 1e-6, not bit for bit.
    index = FactIndex(kb.all_facts(), kb.terms_of_facts(), encoder)
    questions = [message for case in load_cases(DEV_SETS) for message in messages_of(case)][::15]

    def ranked():
        products = [index.meaning_matrix @ row for row in index.meaning_matrix]
        rankings = [{m.fact.id: (m.score, m.likeness) for m in index.rank(q, EVERYONE, {})} for q in questions]
        return products, rankings

    with threadpool_limits(limits=2, user_api="blas"):
        products, rankings = ranked()
    with threadpool_limits(limits=1, user_api="blas"):
        one_products, one_rankings = ranked()
    assert len(questions) > 100
    assert all(np.allclose(a, b, rtol=0, atol=1e-6) for a, b in zip(products, one_products))
    for two, one in zip(rankings, one_rankings):
        assert two.keys() == one.keys()
        assert np.allclose([two[i] for i in two], [one[i] for i in two], rtol=0, atol=1e-6)


def test_the_same_words_ranked_again_in_one_answer_are_not_encoded_again(kb, encoder, monkeypatch):
    # One answer ranks a short question alone, read in context and as its own part: one encoding serves all.
    shared = FactIndex(kb.all_facts(), kb.terms_of_facts(), encoder)
    index = shared.for_one_answer()
    encoded = []
    monkeypatch.setattr(encoder, "vector", lambda text, vector=encoder.vector: encoded.append(text) or vector(text))
    first = index.rank("how often is the bag changed?", EVERYONE, {})
    again = index.rank("how often is the bag changed?", EVERYONE, {"administration": 1.0})
    index.rank("and for the 7-day bag?", EVERYONE, {})
    assert encoded == ["how often is the bag changed?", "and for the 7-day bag?"]
    shared.for_one_answer().rank("how often is the bag changed?", EVERYONE, {})  # the next message's answer
    assert encoded[2:] == ["how often is the bag changed?"]
    assert {m.fact.id: m.likeness for m in again} == {m.fact.id: m.likeness for m in first}
