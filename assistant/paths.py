"""Where the build products and local secrets live, relative to the repository root."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
NLP_DIR = BUILD / "nlp"
FACT_QUESTIONS_NLU = BUILD / "nlu" / "fact_questions.yml"  # training data made from each fact's questions
MODEL = ROOT / "models" / "blina.tar.gz"
TRACKER_DB = BUILD / "trackers.db"
LOGS = BUILD / "logs"
SECRETS = ROOT / "secrets"
STAFF_DB = BUILD / "staff.db"  # staff accounts, sessions, login throttling and the audit log


def staff_db_path() -> Path:
    """$BLINA_STAFF_DB when set (read at call time, so servers and tests can point elsewhere)."""
    import os

    return Path(os.environ.get("BLINA_STAFF_DB") or STAFF_DB)
