"""`blina build`: the knowledge database and the spaCy pipeline, both build products under build/."""
import sys

from assistant.nlp_pipeline import save_pipeline
from assistant.paths import NLP_DIR
from knowledge.build import build_database
from knowledge.store import DEFAULT_DB, KnowledgeBase


def build_all() -> int:
    try:
        db_path = build_database(DEFAULT_DB)
        kb = KnowledgeBase(db_path)
        save_pipeline(kb.entity_patterns(), NLP_DIR)
    except (ValueError, OSError) as error:
        print(f"blina build: error: {error}", file=sys.stderr)
        return 2
    print(f"built {db_path} ({len(kb.topics())} topics) and the spaCy pipeline in {NLP_DIR}")
    return 0
