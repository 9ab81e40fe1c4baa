"""Renders the conversation's own texts (not clinical answers) from knowledge/templates/chat/."""
from knowledge.answers import ENVIRONMENT


def render_text(template: str, **context) -> str:
    return ENVIRONMENT.get_template(f"chat/{template}").render(**context).strip()
