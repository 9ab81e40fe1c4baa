"""Builds the project's own spaCy pipeline for Rasa's SpacyNLP: blank English, a lookup lemmatizer
and an EntityRuler whose patterns come from the knowledge base (no pretrained model exists for
spaCy 3.4 on the registry, and nothing may be downloaded)."""
from pathlib import Path
from typing import Iterable

import spacy

ENTITY_LABELS = ("indication", "medicine", "side_effect", "test", "equipment", "uncovered")


def build_pipeline(patterns: Iterable[dict]) -> "spacy.language.Language":
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data, which is installed
    # Added after initialize(), which would clear its patterns. LOWER: "MRD" and "mrd" are one term.
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(list(patterns))
    return nlp


def save_pipeline(patterns: Iterable[dict], out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    build_pipeline(patterns).to_disk(out_dir)
    return out_dir
