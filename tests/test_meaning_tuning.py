"""`knowledge.meaning_tuning`: the sentence model tuned on the facts' texts brings a fact's questions nearer
to each other, and is tuned again only when those texts change."""
import pytest

from knowledge import meaning_tuning
from knowledge.meaning import DEFAULT_DIR, SentenceEncoder

GROUPS = [
    ["bag changes", "bags are changed every 4 days", "how often is the bag changed", "when do they swap the bag"],
    ["cost", "about 178,000 dollars a month", "how much does it cost", "what will we have to pay"],
]
ASKED = ("when do they swap the bag", "how often is the bag changed")


def _cosine(directory):
    a, b = SentenceEncoder(directory).vectors(list(ASKED))
    return float(a @ b)


def test_tuning_brings_a_facts_questions_together_and_is_done_once_per_set_of_texts(
        built_knowledge, tmp_path, monkeypatch):
    monkeypatch.setattr(meaning_tuning, "STEPS", 8)
    monkeypatch.setattr(meaning_tuning, "BATCH", 2)
    monkeypatch.setattr(meaning_tuning, "LEARNING_RATE", 1e-4)
    base, tuned = tmp_path / "base", tmp_path / "tuned"
    base.mkdir()
    (base / "tuned").symlink_to(DEFAULT_DIR / "model")  # the untuned model, read as SentenceEncoder reads one
    meaning_tuning.fine_tune(GROUPS, DEFAULT_DIR / "model", tuned / "tuned")
    assert _cosine(tuned) > _cosine(base)

    weights = next((tuned / "tuned").glob("tf_model.*"))
    written = weights.stat().st_mtime_ns
    meaning_tuning.fine_tune(GROUPS, DEFAULT_DIR / "model", tuned / "tuned")
    assert weights.stat().st_mtime_ns == written  # same texts, same settings: nothing to do
    stamp = (tuned / "tuned" / "tuned-on.sha1").read_text()
    assert meaning_tuning._stamp([*GROUPS, ["vials", "what size are the vials"]]) != stamp
