"""Composes cited answers from knowledge-base facts with the Jinja2 templates in knowledge/templates/."""
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from knowledge.store import Fact, KnowledgeBase

TEMPLATES = Path(__file__).resolve().parent / "templates"
NO_FACTS = "I don't have that in my sources. Please ask your care team."


def _autoescape(template_name: Optional[str]) -> bool:
    # HTML templates (name.html or name.html.j2) are escaped; chat text is plain text.
    return bool(template_name) and ".html" in template_name


ENVIRONMENT = Environment(
    loader=FileSystemLoader(str(TEMPLATES)),
    autoescape=_autoescape,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)


@dataclass(frozen=True)
class Answer:
    text: str
    sources: List[str] = field(default_factory=list)
    buttons: List[dict] = field(default_factory=list)


def indication_payload(indication: str) -> str:
    """The button payload that tells Rasa the indication, exactly as the domain expects it."""
    return "/inform_indication" + json.dumps({"indication": indication}, separators=(",", ":"))


def _sources(facts: Iterable[Fact]) -> List[str]:
    return list(dict.fromkeys(fact.source for fact in facts))


def _render(template: str, **context) -> str:
    return ENVIRONMENT.get_template(template).render(**context).strip()


def compose_facts(facts: Iterable[Fact], intro: Optional[str] = None, buttons: Iterable[dict] = ()) -> Answer:
    """Facts as one chat answer: optional intro, one paragraph per fact, then the Source line."""
    facts = list(dict.fromkeys(facts))
    if not facts:
        return Answer(text=NO_FACTS, sources=[], buttons=list(buttons))
    sources = _sources(facts)
    text = _render("answer.j2", facts=facts, intro=intro, sources=sources)
    return Answer(text=text, sources=sources, buttons=list(buttons))


def facts_html(facts: Iterable[Fact]) -> str:
    """Facts as escaped HTML cards with their citations, for the staff console."""
    return _render("facts.html.j2", facts=list(facts))


def _ordered(facts: List[Fact], audience: str) -> List[Fact]:
    # Staff see the protocol-detail entries before the plain-language patient versions of them.
    if audience == "staff":
        return sorted(facts, key=lambda fact: fact.audience == "patient")
    return facts


def _by_indication_summary(kb: KnowledgeBase, topic: str, audience: str) -> Answer:
    choices = []
    for indication, label in kb.indications().items():
        specific = [f for f in _ordered(kb.facts(topic, audience, indication), audience) if f.indication == indication]
        if specific:
            choices.append({"indication": indication, "label": label, "fact": specific[0]})
    if not choices:
        return compose_facts(_ordered(kb.facts(topic, audience), audience))
    sources = _sources(choice["fact"] for choice in choices)
    buttons = [{"title": c["label"], "payload": indication_payload(c["indication"])} for c in choices]
    text = _render("by_indication.j2", choices=choices, sources=sources, audience=audience)
    return Answer(text=text, sources=sources, buttons=buttons)


def compose_answer(kb: KnowledgeBase, topic: str, audience: str = "patient",
                   indication: Optional[str] = None, term: Optional[str] = None) -> Answer:
    """The answer to `ask_<topic>` for this audience, narrowed by indication and led by a term's facts."""
    details = kb.topic(topic)
    if indication is not None and indication not in kb.indications():
        indication = None  # an id the knowledge base does not know is treated as not yet given
    if term and indication is None and term in kb.indications():
        # "What's the dose for MRD?" names the indication as a term.
        indication, term = term, None
    if details.by_indication and indication is None:
        return _by_indication_summary(kb, topic, audience)
    facts = _ordered(kb.facts(topic, audience, indication), audience)
    if indication is not None:
        # The indication's own facts first, then the ones that hold for every type.
        facts = sorted(facts, key=lambda fact: fact.indication is None)
    if term:
        about = {fact.id for fact in kb.facts_about(term, audience)}
        facts = sorted(facts, key=lambda fact: fact.id not in about)
    return compose_facts(facts)
