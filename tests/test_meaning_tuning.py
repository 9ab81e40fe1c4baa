"""`knowledge.meaning_tuning`: the sentence model tuned on the facts' texts brings a fact's questions nearer
to each other, and is tuned again only when those texts change."""
import shutil

import numpy as np

from knowledge import meaning_tuning
from knowledge.meaning import DEFAULT_DIR, SentenceEncoder
from knowledge.meaning_export import export_onnx

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
    shutil.copytree(DEFAULT_DIR / "model", base / "tuned")  # the untuned model, read as SentenceEncoder reads one
    export_onnx(base / "tuned")
    meaning_tuning.fine_tune(GROUPS, DEFAULT_DIR / "model", tuned / "tuned")
    export_onnx(tuned / "tuned")
    assert _cosine(tuned) > _cosine(base)

    weights = next((tuned / "tuned").glob("tf_model.*"))
    written = weights.stat().st_mtime_ns
    meaning_tuning.fine_tune(GROUPS, DEFAULT_DIR / "model", tuned / "tuned")
    assert weights.stat().st_mtime_ns == written  # same texts, same settings: nothing to do
    stamp = (tuned / "tuned" / "tuned-on.sha1").read_text()
    assert meaning_tuning._stamp([*GROUPS, ["vials", "what size are the vials"]]) != stamp


def test_the_served_model_gives_the_tuned_tensorflow_models_vectors(built_knowledge):
    """The ONNX export (8-bit weights) answers; the TensorFlow weights it was made from are the reference: each
    vector points the same way within a cosine of 0.98."""
    import tensorflow as tf
    from transformers import AutoTokenizer, TFAutoModel

    sentences = ["how often is the bag changed", "my husband has a temp of 39.2, is that the cytokine thing?"]
    model_dir = DEFAULT_DIR / "tuned"
    tokens = AutoTokenizer.from_pretrained(model_dir)(sentences, padding=True, return_tensors="tf")
    hidden = TFAutoModel.from_pretrained(model_dir)(**tokens).last_hidden_state
    mask = tf.cast(tokens["attention_mask"][..., None], hidden.dtype)
    expected = tf.math.l2_normalize(tf.reduce_sum(hidden * mask, 1) / tf.reduce_sum(mask, 1), 1).numpy()
    served = SentenceEncoder().vectors(sentences)
    assert np.allclose(np.linalg.norm(served, axis=1), 1.0, atol=1e-4)
    assert (served * expected).sum(axis=1).min() >= 0.98
