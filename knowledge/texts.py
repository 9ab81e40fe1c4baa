"""Renders the conversation's own texts (not clinical answers) from knowledge/templates/chat/."""
import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

CHAT_TEMPLATES = Path(__file__).resolve().parent / "templates" / "chat"


@functools.lru_cache(maxsize=1)
def _environment() -> Environment:
    # Plain text for the chat: the widget inserts it as text, never as HTML.
    return Environment(
        loader=FileSystemLoader(str(CHAT_TEMPLATES)),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


def render_text(template: str, **context) -> str:
    return _environment().get_template(template).render(**context).strip()
