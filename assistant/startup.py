"""Start-up checks of the knowledge the servers need, and the action server's entry point that runs them first."""
import sys
from pathlib import Path
from typing import List, Optional


class StartupError(RuntimeError):
    """What the servers need is missing or broken; the text says what and how to fix it."""


def check_knowledge(db_path: Optional[Path] = None) -> None:
    """Opens knowledge.db, the regimens and the clinic settings as the actions will; StartupError if any fails."""
    from knowledge.clinic import clinic_settings
    from knowledge.regimens import indications, load_regimen
    from knowledge.store import KnowledgeBase, KnowledgeBaseError
    from knowledge.texts import render_text

    try:
        kb = KnowledgeBase(db_path)
    except KnowledgeBaseError as error:
        raise StartupError(str(error)) from None
    if not kb.all_facts() or not kb.topics():
        raise StartupError(f"knowledge database {kb.path} holds no facts: run `blina build` again")
    from knowledge.meaning import DEFAULT_DIR as MEANING_DIR
    from knowledge.meaning_export import ONNX_FILE

    for needed in (MEANING_DIR / "vectors.npz", MEANING_DIR / "tuned" / ONNX_FILE):
        if not needed.exists():
            raise StartupError(f"the sentence model's {needed.name} is missing from {needed.parent}: "
                               "run `blina build` again")
    try:
        for indication in indications():
            load_regimen(indication)
        render_text("cannot_look_up.j2", clinic=clinic_settings())
    except Exception as error:  # a broken data file: name it in one line, not a trace per message
        raise StartupError(f"the knowledge files cannot be loaded: {type(error).__name__}: {error}") from None


def run_action_server(argv: Optional[List[str]] = None) -> int:
    """`python -m assistant.startup --actions actions --port N ...`: rasa_sdk's server, after the checks."""
    try:
        check_knowledge()
    except StartupError as error:
        print(f"action server: error: {error}", file=sys.stderr, flush=True)
        return 2
    from actions.common import fact_index
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser
    from threadpoolctl import threadpool_limits

    # A second OpenBLAS thread spun after each sentence-vector product (~11 ms of CPU a message); same numbers with one.
    threadpool_limits(limits=1, user_api="blas")

    # The facts and the sentence model load when the server starts, not at the first patient's question.
    fact_index().likeness("How long is a cycle?")

    main_from_args(create_argument_parser().parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(run_action_server())
