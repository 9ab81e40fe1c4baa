"""Renders what the assistant says about requests to the front desk, from frontdesk/templates/ (plain text)."""
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

ENVIRONMENT = Environment(loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
                          autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render_text(template: str, **context) -> str:
    return ENVIRONMENT.get_template(template).render(**context).strip()
