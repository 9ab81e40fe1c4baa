"""`blina build`: the knowledge database and the spaCy pipeline, both build products under build/."""
import sys
from pathlib import Path

import yaml

from assistant.nlp_pipeline import save_pipeline
from assistant.paths import FACT_QUESTIONS_NLU, NLP_DIR
from knowledge.build import build_database
from knowledge.matching import FactIndex, normalise
from knowledge.meaning import DEFAULT_DIR as MEANING_DIR
from knowledge.meaning import SentenceEncoder, unpack_model
from knowledge.meaning_export import ONNX_FILE, export_onnx
from knowledge.meaning_tuning import fine_tune
from knowledge.store import DEFAULT_DB, KnowledgeBase


def write_fact_questions(kb: KnowledgeBase, path: Path = FACT_QUESTIONS_NLU) -> Path:
    """Each fact's questions as Rasa training examples of its topic's intent (`ask_<topic>`)."""
    by_topic = {}
    for fact in kb.all_facts():
        by_topic.setdefault(fact.topic, []).extend(fact.questions)
    nlu = [{"intent": f"ask_{topic}", "examples": "".join(f"- {q}\n" for q in dict.fromkeys(questions))}
           for topic, questions in by_topic.items() if questions]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"version": "3.1", "nlu": nlu}, sort_keys=False, allow_unicode=True, width=10**6))
    return path


def write_fact_vectors(kb: KnowledgeBase, directory: Path = MEANING_DIR) -> None:
    """The sentence model unpacked, tuned on the facts and exported for serving, and the vectors of every
    fact's texts cached, so servers start fast."""
    base = unpack_model(directory)
    tuned = fine_tune([[normalise(t) for t in (f.title, f.answer, *f.questions)] for f in kb.all_facts()],
                      base, directory / "tuned")
    if not (tuned / ONNX_FILE).exists():  # tuning again removes the old export
        export_onnx(tuned)
    (directory / "vectors.npz").unlink(missing_ok=True)  # vectors of texts no longer in the facts go
    encoder = SentenceEncoder(directory)
    FactIndex(kb.all_facts(), encoder=encoder)
    encoder.save_cache()


def build_all() -> int:
    try:
        db_path = build_database(DEFAULT_DB)
        kb = KnowledgeBase(db_path)
        save_pipeline(kb.entity_patterns(), NLP_DIR)
        write_fact_questions(kb)
        write_fact_vectors(kb)
    except (ValueError, OSError) as error:
        print(f"blina build: error: {error}", file=sys.stderr)
        return 2
    print(f"built {db_path} ({len(kb.topics())} topics), the spaCy pipeline in {NLP_DIR} "
          f"and the facts' sentence vectors in {MEANING_DIR}")
    return 0
