"""Fine-tunes the sentence model on the facts' own texts, so that a question in other words lies nearest to
the texts of the fact that answers it; done by `blina build`, again only when the facts' texts change."""
import hashlib
import json
import random
import shutil
from pathlib import Path
from typing import Sequence

# Measured on the development set (tests/eval/dev_*.yml): 60 steps of 32 facts gave the answers most of the
# gain of 120 steps of 48 (+8 and +7 of 331) in a quarter of the time, about 2 minutes on two cores.
STEPS = 60
BATCH = 32  # facts per step: each text's positive is another text of its fact, the other facts are negatives
LEARNING_RATE = 3e-5
SCALE = 20.0  # cosine similarities times this are the logits (as in sentence-transformers' ranking loss)
MAX_TOKENS = 128
SEED = 0


def sentence_vectors(tf, hidden, attention_mask):
    """The model's token states mean-pooled over the real tokens, at unit length (as sentence-transformers does)."""
    mask = tf.cast(tf.expand_dims(attention_mask, -1), hidden.dtype)
    return tf.math.l2_normalize(tf.reduce_sum(hidden * mask, 1) / tf.maximum(tf.reduce_sum(mask, 1), 1e-9), 1)


def _stamp(groups: Sequence[Sequence[str]]) -> str:
    settings = [STEPS, BATCH, LEARNING_RATE, SCALE, MAX_TOKENS, SEED]
    return hashlib.sha1(json.dumps([settings, [list(g) for g in groups]]).encode("utf-8")).hexdigest()


def fine_tune(groups: Sequence[Sequence[str]], base_dir: Path, out_dir: Path) -> Path:
    """The base model in base_dir tuned on groups (each fact's texts: title, answer, questions) into out_dir;
    nothing is done when out_dir was tuned on the same texts with the same settings."""
    stamp, stamp_file = _stamp(groups), out_dir / "tuned-on.sha1"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return out_dir
    import tensorflow as tf
    from transformers import AutoTokenizer, TFAutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    tf.keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = TFAutoModel.from_pretrained(base_dir)
    optimizer = tf.keras.optimizers.Adam(LEARNING_RATE)
    spec = tf.TensorSpec([None, None], tf.int32)

    def encode(tokens):
        return sentence_vectors(tf, model(**tokens, training=True).last_hidden_state, tokens["attention_mask"])

    @tf.function(input_signature=[spec] * 6)
    def step(ids_a, mask_a, types_a, ids_b, mask_b, types_b):
        with tf.GradientTape() as tape:
            a = encode({"input_ids": ids_a, "attention_mask": mask_a, "token_type_ids": types_a})
            b = encode({"input_ids": ids_b, "attention_mask": mask_b, "token_type_ids": types_b})
            logits = tf.matmul(a, b, transpose_b=True) * SCALE
            labels = tf.range(tf.shape(logits)[0])
            loss = (tf.keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True) +
                    tf.keras.losses.sparse_categorical_crossentropy(labels, tf.transpose(logits), from_logits=True))
        variables = [v for v in model.trainable_variables if "pooler" not in v.name]  # mean pooling: unused
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))

    def tokens(texts):
        found = tokenizer(texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="np")
        return [found[name].astype("int32") for name in ("input_ids", "attention_mask", "token_type_ids")]

    draw = random.Random(SEED)
    usable = [list(dict.fromkeys(g)) for g in groups if len(set(g)) > 1]
    for _ in range(STEPS):
        anchors, positives = [], []
        for group in draw.sample(usable, min(BATCH, len(usable))):
            # A question (the title or answer when there is none) and another text of the same fact.
            anchor = draw.choice(group[2:] or group)
            anchors.append(anchor)
            positives.append(draw.choice([text for text in group if text != anchor]))
        step(*tokens(anchors), *tokens(positives))
    shutil.rmtree(out_dir, ignore_errors=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    stamp_file.write_text(stamp)
    return out_dir
