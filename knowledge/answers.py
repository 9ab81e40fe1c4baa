"""Composes cited answers from knowledge-base facts with the Jinja2 templates in knowledge/templates/."""
import json
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from spacy.lang.en.stop_words import STOP_WORDS

from knowledge.matching import FactIndex, Match
from knowledge.store import AUDIENCE_SEES, Fact, KnowledgeBase

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
ENVIRONMENT.filters["capitalize_first"] = lambda text: text[:1].upper() + text[1:]


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


def compose_facts(facts: Iterable[Fact], intro: Optional[str] = None, buttons: Iterable[dict] = (),
                  outro: Optional[str] = None) -> Answer:
    """Facts as one chat answer: optional intro, one paragraph per fact, optional outro, the Source line."""
    facts = list(dict.fromkeys(facts))
    if not facts:
        return Answer(text=NO_FACTS, sources=[], buttons=list(buttons))
    sources = _sources(facts)
    text = _render("answer.j2", facts=facts, intro=intro, outro=outro, sources=sources)
    return Answer(text=text, sources=sources, buttons=list(buttons))


def facts_html(facts: Iterable[Fact]) -> str:
    """Facts as escaped HTML cards with their citations, for the staff console."""
    return _render("facts.html.j2", facts=list(facts))


def _ordered(facts: List[Fact], audience: str) -> List[Fact]:
    # Staff see the protocol-detail entries before the plain-language patient versions of them.
    if audience == "staff":
        return sorted(facts, key=lambda fact: fact.audience == "patient")
    return facts


def _summary_choices(kb: KnowledgeBase, topic: str, audience: str, ranked: Sequence[Fact] = ()) -> List[dict]:
    """Each type of ALL with the fact of that type that best answers the question (`ranked`, best first),
    or else the type's first fact of the topic."""
    choices = []
    for indication, label in kb.indications().items():
        specific = [f for f in _ordered(kb.facts(topic, audience, indication), audience) if f.indication == indication]
        if specific:
            fact = next((f for f in ranked if f in specific), specific[0])
            choices.append({"indication": indication, "label": label, "fact": fact})
    return choices


def _by_indication_summary(kb: KnowledgeBase, topic: str, audience: str, outro: Optional[str] = None,
                           choices: Optional[List[dict]] = None) -> Answer:
    choices = _summary_choices(kb, topic, audience) if choices is None else choices
    if not choices:
        return compose_facts(_ordered(kb.facts(topic, audience), audience))
    sources = _sources(choice["fact"] for choice in choices)
    buttons = [{"title": c["label"], "payload": indication_payload(c["indication"])} for c in choices]
    text = _render("by_indication.j2", choices=choices, sources=sources, audience=audience, outro=outro)
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


# When a question is answered, and with how many facts; measured on the development set.
ANSWER_SCORE = 0.33      # below this, nothing in the documents answers the question
TIE = 0.06               # facts this close in score answer the question equally well
PARTIAL_LIKENESS = 0.50  # with an uncovered subject named, a fact this like the question still answers a part
CONTEXT_LIKENESS = 0.55  # a message this like a fact's questions names an uncovered subject only as context
SECOND_FACT_SHARE = 0.85  # a second fact is given when it scores this close to the first
MAX_FACTS = 3  # a message with several questions gets at most this many facts
MORE_PAYLOAD = "/ask_more"


@dataclass(frozen=True)
class Question:
    """What the action knows about a question: its words, who asks, and what NLU made of it."""

    text: str
    audience: str = "patient"
    topic_belief: Dict[str, float] = field(default_factory=dict)
    terms: Sequence[str] = ()
    uncovered: Sequence[str] = ()  # ids of subjects the documents are known not to cover
    indication: Optional[str] = None
    looks_uncovered: bool = False  # the classifier's best guess is a subject the documents don't cover
    previous: Optional[str] = None  # the question answered last, for a follow-up ("and for MRD?")
    previous_topic: Optional[str] = None
    previous_facts: Sequence[str] = ()  # the facts that answered it
    for_indication: bool = False  # the question is asked again for the indication just named ("and for MRD?")
    asked: Optional[str] = None  # a follow-up's own words, when it is read with the question before it

    def in_context(self, anyway: bool = False) -> "Question":
        """A follow-up read with the question before it: its words added, its topic believed more."""
        if not (self.previous and self.previous_topic and (anyway or is_follow_up(self.text))):
            return self
        belief = {topic: FOLLOW_UP_SHARE * value for topic, value in self.topic_belief.items()}
        belief[self.previous_topic] = belief.get(self.previous_topic, 0.0) + (1 - FOLLOW_UP_SHARE)
        return replace(self, text=f"{self.text} {self.previous}", topic_belief=belief, previous=None,
                       asked=self.text)


FOLLOW_UP = re.compile(r"^\W*(?:and|what about|how about|also|same|or|but|so|then|for how long|how long for|"
                       r"what if|if)\b", re.I)
# "when do they normally show up?", "is that for the whole treatment?", "how would I know if he had it?":
# a short question pointing back.
BACK_REFERENCE = re.compile(r"\b(?:they|them|those|these|theirs|is that|was that|does that|that one|the same|"
                            r"(?:have|has|had|having|get|gets|got|getting) (?:it|one)|back (?:on|to) it|"
                            r"(?:for|about|with|after) (?:that|it)\W*$|\b(?:tho|though)\W*$|"
                            r"\bafter (?:the |my |his |her )?(?:last|final) (?:bag|dose|cycle|infusion|one)\b)", re.I)
FOLLOW_UP_WORDS = 5  # a question this short leans on the one before it
BACK_REFERENCE_WORDS = 10  # a question this short that points back leans on the one before it
CONTEXT_WORDS = 15  # a question this short may lean on the one before it when that reads it better
FOLLOW_UP_SHARE = 0.5  # how much of a follow-up's topic belief is its own; the rest goes to the previous topic
PART_BELIEF_SHARE = 0.5  # "emetogenic risk? extravasation category?": each part's own words pick its fact
REPEAT_SHARE = 0.9  # a follow-up asks for something new: the facts just given count for this share of their score
# "hepatic?" after the renal answer: the context finds the neighbours, the follow-up's own words choose among them.
SHORTLIST_SHARE = 0.5  # a neighbour scores at least this share of the best, read in context (measured on dev)
SHORTLIST = 4
OWN_WORDS_WEIGHT = 0.8  # how much the likeness of the follow-up's own words adds to a neighbour's score
AMOUNT = re.compile(r"(?:\b(?:\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                    r"fourteen|fifteen|twenty)\s*(?:days?|d|weeks?|wks?|hours?|hrs?|h|months?|kg|kilos?)\b|[<>]\s*\d"
                    r"|\b(?:gr(?:ade)?|g)\s*[1-4]\b)", re.I)  # "and gr4?": the same toxicity row, another grade


def is_follow_up(text: str) -> bool:
    words = len(text.split())
    return bool(FOLLOW_UP.search(text)) or words <= FOLLOW_UP_WORDS or (
        words <= BACK_REFERENCE_WORDS and bool(BACK_REFERENCE.search(text)))


@dataclass(frozen=True)
class Reply:
    """The answer, plus what the conversation keeps: the topic and the facts already given."""

    answer: Answer
    topic: Optional[str] = None
    facts: List[str] = field(default_factory=list)
    read_as: Optional[str] = None  # a follow-up with the question it leant on, for the next follow-up to lean on


def not_covered_text(kb: KnowledgeBase, subject_ids: Sequence[str], clinic: dict, partial: bool = False) -> str:
    """"My documents don't cover X" and who can answer; partial: after an answer to the rest."""
    subjects = [kb.uncovered(s) for s in subject_ids]
    ask = subjects[0].ask if subjects else None
    return _render("chat/not_covered.j2", subjects=[s.label for s in subjects], ask=ask, clinic=clinic,
                   partial=partial)


def _chosen(matches: List[Match]) -> List[Match]:
    """The one or two facts that answer: the best, and a close second of the same topic."""
    best = matches[0]
    chosen = [best]
    for match in matches[1:3]:
        if match.fact.topic == best.fact.topic and match.score >= SECOND_FACT_SHARE * best.score:
            chosen.append(match)
            break
    return chosen


QUESTION_WORDS = (r"(?:can|could|is|are|am|do|does|did|how|what|whats|what's|when|will|would|should|shall|why|"
                  r"which|who|where|any|has|have)")
SENTENCE_END = re.compile(r"(?<=[?.!])\s+")
# "can she shower and how much water should she drink?" holds two questions.
AND_QUESTION = re.compile(rf"\s*(?:,\s*)?\b(?:and|also|plus)\s+(?={QUESTION_WORDS}\b)", re.I)
ASKS = re.compile(rf"^\W*(?:so\s+|and\s+|but\s+|also\s+)?{QUESTION_WORDS}\b", re.I)


def _asks(sentence: str) -> bool:
    return sentence.strip().endswith("?") or bool(ASKS.search(sentence))


def question_parts(text: str) -> List[str]:
    """The questions in a message: its sentences that ask something (all of them if none look like
    a question), each split where "and" starts a second question."""
    sentences = [s.strip() for s in SENTENCE_END.split(text) if s.strip()]
    asked = [s for s in sentences if _asks(s)] or sentences
    return [part.strip() for s in asked for part in AND_QUESTION.split(s) if part.strip()]


POINTS_BACK = re.compile(r"\b(?:it|that|this|those|these|them)\b", re.I)
CLAUSE_END = re.compile(r"[,;:]\s+")


def asking_clauses(part: str) -> str:
    """The clauses of a question that ask, without those that tell ("her jab is due at school, should she
    have it?" asks about the jab, not about school); the whole part when no clause looks like a question."""
    clauses = [c for c in CLAUSE_END.split(part) if c.strip()]
    asked = [c for c in clauses if _asks(c)]
    return " ".join(asked) if asked else part


# "a video call instead of driving in": what is put aside is not what is asked about.
ALTERNATIVE = re.compile(r"\b(?:instead of|rather than|without)\b[^,;.?!]*", re.I)
WORD = re.compile(r"[\w'-]+")


def _words(text: str) -> str:
    return " " + " ".join(WORD.findall(text.casefold())) + " "


# "Dad's hospice nurse asked ...", "the school nurse says ...": the subject says who is telling, not what is asked.
TELLER_WORDS = frozenset({"nurse", "nurses", "doctor", "doctors", "teacher", "teachers", "team", "staff",
                          "consultant", "worker", "workers"})


def _named_in(kb: KnowledgeBase, subject_id: str, text: str) -> bool:
    term, words = kb.term(subject_id), _words(text)
    for form in (term.name, *term.synonyms):
        named, at = _words(form), -1
        while (at := words.find(named, at + 1)) >= 0:
            if words[at + len(named):].split(" ", 1)[0] not in TELLER_WORDS:
                return True
    return False


def _spoken_of(kb: KnowledgeBase, subject_id: str, text: str, answer: str) -> bool:
    term, words, answered = kb.term(subject_id), _words(text), _words(answer)
    named = [form for form in (term.name, *term.synonyms) if _words(form) in words]
    return bool(named) and all(_words(form) in answered for form in named)


def _answer_part(kb, index, question: Question, part: str, visible,
                 one_of_many: bool = False) -> Tuple[List[Match], List[str]]:
    """(the matches that answer this part, the uncovered subjects it asks about). The classifier's
    "looks uncovered" speaks for the whole message, so it does not hold back one of several parts."""
    asked = ALTERNATIVE.sub(" ", asking_clauses(part))
    subjects = [s for s in question.uncovered if _named_in(kb, s, asked)]
    # The classifier's topic speaks for the whole message: for one of several parts it counts for less.
    belief = {topic: PART_BELIEF_SHARE * value for topic, value in question.topic_belief.items()} if one_of_many \
        else question.topic_belief
    matches = index.rank(part, visible, belief, question.terms, question.indication)
    if question.previous_facts:
        # Facts just given count less, unless the follow-up names a term they are about ("dex on restart?").
        given = {f for f in question.previous_facts if not set(question.terms) & index.fact_terms.get(f, set())}
        matches = sorted((replace(m, score=m.score * REPEAT_SHARE) if m.fact.id in given else m for m in matches),
                         key=lambda match: -match.score)
    if question.for_indication and matches:
        # The named indication's own facts of the topic answer before those that hold for every type.
        topic = matches[0].fact.topic
        matches = sorted(matches, key=lambda m: not (m.fact.indication == question.indication and m.fact.topic == topic))
    if not matches:
        return [], subjects
    best = matches[0]
    if one_of_many and not subjects:
        # Classified as uncovered with such a subject named elsewhere ("ulcers, is that the blina? what's good
        # for them?"): a part is answered only by a fact very like it.
        told_uncovered = question.looks_uncovered and any(_named_in(kb, s, question.text) for s in question.uncovered)
        enough = best.likeness >= PARTIAL_LIKENESS or (best.score >= ANSWER_SCORE and not told_uncovered)
        return (_chosen(matches), subjects) if enough else ([], subjects)
    if best.score < ANSWER_SCORE:
        return [], subjects
    # Named as not covered, or classified so: only a fact very like the question still answers it.
    if (subjects or question.looks_uncovered) and best.likeness < PARTIAL_LIKENESS:
        return [], subjects
    return _chosen(_by_own_words(index, question, matches, visible)), subjects


STEM = 5  # "tapered" is "taper", "dexamethasone" is "dex": words are alike when they open alike


def _told_in(text: str, answer: str) -> bool:
    """Whether the answer already speaks of most of the text's own words; True when it has none of its own."""
    own = [w for w in WORD.findall(text.casefold()) if len(w) > 2 and w not in STOP_WORDS]
    said = {w[:STEM] for w in WORD.findall(answer.casefold())}
    return 2 * sum(any(s.startswith(w[:STEM]) for s in said) for w in own) >= len(own)


def _by_own_words(index, question: Question, matches: List[Match], visible) -> List[Match]:
    """A follow-up read in context: the facts its context finds nearly as well are reordered by how like
    the follow-up's own words they are ("NICE ref?" after the ICD-10 code asks for the protocol's TA)."""
    head = matches[0].fact
    if not question.asked or _told_in(question.asked, head.answer):
        return matches  # "premed on restart?" after the neurotoxicity row asks about what that row says
    near = [m for m in matches[:SHORTLIST] if m.score >= SHORTLIST_SHARE * matches[0].score]
    if len(near) < 2:
        return matches
    own = {m.fact.id: m.likeness for m in index.rank(question.asked, visible, {}, question.terms,
                                                       question.indication)}
    near.sort(key=lambda m: -(m.score + OWN_WORDS_WEIGHT * own.get(m.fact.id, 0.0)))
    return near + matches[len(near):]


def for_indication(kb: KnowledgeBase, text: str, indication: str) -> str:
    """The waiting question asked again for another indication ("and for MRD?" after a question about
    relapsed ALL): the words that named the other indications are taken out."""
    for other in kb.indications():
        if other != indication:
            term = kb.term(other)
            for form in sorted((term.name, *term.synonyms), key=len, reverse=True):
                text = re.sub(rf"(?<![\w/+-]){re.escape(form)}(?![\w/+-])", " ", text, flags=re.I)
    return " ".join(text.split())


def _payload_answer(kb: KnowledgeBase, question: Question) -> Optional[Reply]:
    """A button's payload ("/ask_dosing") has no words to match: its topic's answer, led by the known
    indication's own facts; None when the payload names no topic of the knowledge base."""
    belief = question.topic_belief
    topic = max(belief, key=belief.get) if belief else None
    if topic not in {t.id for t in kb.topics()}:
        return None
    if not (question.indication and kb.topic(topic).by_indication):
        return Reply(compose_answer(kb, topic, question.audience, question.indication), topic, [])
    facts = _ordered(kb.facts(topic, question.audience, question.indication), question.audience)
    own = [fact for fact in facts if fact.indication == question.indication] or facts
    buttons = [{"title": "Tell me more", "payload": MORE_PAYLOAD}] if len(own) < len(facts) else []
    return Reply(compose_facts(own, buttons=buttons), topic, [fact.id for fact in own])


def _read_in_context(index: FactIndex, question: Question, visible) -> Question:
    """The question read with the one before it when it is a follow-up, or when a question of a few words
    that does not look like one ("how soon after the last bag could she go back to it?") is answered better
    so, by a fact of the topic just answered."""
    read = question.in_context()
    if read is not question:
        return question if _stands_alone(index, question, read, visible) else read
    if len(question.text.split()) > CONTEXT_WORDS or question.uncovered:
        return read  # a subject the documents don't cover, named anew, is a new question
    read = question.in_context(anyway=True)
    if read is question:
        return question
    alone = index.rank(question.text, visible, question.topic_belief, question.terms, question.indication)
    together = index.rank(read.text, visible, read.topic_belief, question.terms, question.indication)
    if together and together[0].fact.topic == question.previous_topic and (
            not alone or together[0].score > alone[0].score):
        return read
    return question


def _stands_alone(index: FactIndex, question: Question, read: Question, visible) -> bool:
    """"And what filter does the line need?": it opens like a follow-up but asks a whole question, which a
    new fact answers better by itself than the question before it does read together with it."""
    rest = FOLLOW_UP.sub("", question.text, count=1).split()
    leans_back = BACK_REFERENCE.search(question.text) or POINTS_BACK.search(question.text) or AMOUNT.search(
        question.text)  # "and what if it ends up more than 2 weeks?" asks of what was just answered
    if len(rest) <= FOLLOW_UP_WORDS or leans_back:
        return False
    alone = index.rank(question.text, visible, question.topic_belief, question.terms, question.indication)
    together = index.rank(read.text, visible, read.topic_belief, question.terms, question.indication)
    if not alone or alone[0].fact.id in question.previous_facts:
        return False
    best_together = together[0].score * (REPEAT_SHARE if together[0].fact.id in question.previous_facts else 1.0)
    return alone[0].score > best_together


CHAIN_WORDS = 60  # "allopurinol dose?" - "CrCl <20?" - "duration?": the chain kept, newest words first


def _chain(text: str) -> str:
    return " ".join(text.split()[:CHAIN_WORDS])


def answer_question(kb: KnowledgeBase, index: FactIndex, question: Question, clinic: dict) -> Reply:
    """The facts that answer each question in the message, and an honest "my documents don't cover
    that" with a referral for what none answers."""
    if question.text.startswith("/"):
        reply = _payload_answer(kb, question)
        if reply is not None:
            return reply
    visible = AUDIENCE_SEES[question.audience]
    index = index.for_one_answer()
    read = _read_in_context(index, question, visible)
    parts = [read.text] if read is not question else question_parts(question.text) or [question.text]
    if read is question or AMOUNT.search(question.text):
        # A new amount ("and three weeks?", "if <45kg?") may be answered by the very fact just given.
        read = replace(read, previous_facts=())
    question = read
    answered: List[Match] = []
    declined: List[str] = []
    for part in parts:
        matches, subjects = _answer_part(kb, index, question, part, visible, one_of_many=len(parts) > 1)
        answered += [m for m in matches if m.fact not in {a.fact for a in answered}]
        declined += [s for s in subjects if s not in declined]
    told_only = False
    if not answered and not declined:
        declined = [s for s in question.uncovered if _named_in(kb, s, ALTERNATIVE.sub(" ", question.text))]
    elif not declined and any(POINTS_BACK.search(part) for part in parts):
        # "Mum loves sushi. Is that ok?": the subject is in the telling, the question only points at it.
        sentences = SENTENCE_END.split(question.text)
        # Only what is told before the question can be what it points at ("... dog bite stuff" after it is not).
        first_asking = next((i for i, sentence in enumerate(sentences) if _asks(sentence)), 0)
        told = " ".join(s for s in sentences[:first_asking] if not _asks(s))
        declined = [s for s in question.uncovered if _named_in(kb, s, told)]
        told_only = bool(declined)
    if parts != [question.text]:
        # The whole message, backstory and all, may say best what is asked: its best fact leads.
        whole = replace(question, uncovered=declined)
        lead, _ = _answer_part(kb, index, whole, question.text, visible)
        answered = lead[:1] + [m for m in answered if not lead or m.fact != lead[0].fact]
        if told_only and lead and lead[0].likeness >= CONTEXT_LIKENESS:
            # The whole message is very like a fact's questions ("the school nurse says he's due his MMR
            # jab, is it ok?"): the subject told is its context, not what is asked.
            declined = []
    if not answered:
        return Reply(Answer(not_covered_text(kb, declined, clinic)))
    best = answered[0]
    topic = kb.topic(best.fact.topic)
    chosen = [match.fact for match in answered[:MAX_FACTS]]
    # "How much is it if you've no insurance?": a subject the answer itself speaks of, in the question's own
    # words, is not declined ("will medicaid pay?" still is).
    answers = " ".join(fact.answer for fact in chosen)
    declined = [s for s in declined if not _spoken_of(kb, s, question.text, answers)]
    outro = not_covered_text(kb, declined, clinic, partial=True) if declined else None
    if topic.by_indication and question.indication is None and any(
            match.fact.indication is not None for match in answered[:2]
            if match.fact.topic == best.fact.topic and best.score - match.score <= TIE):
        choices = _summary_choices(kb, topic.id, question.audience, [match.fact for match in answered])
        summary = _by_indication_summary(kb, topic.id, question.audience, outro, choices)
        return Reply(summary, topic.id, [choice["fact"].id for choice in choices], _chain(question.text))
    more = [f for f in kb.facts(topic.id, question.audience, question.indication) if f not in chosen]
    buttons = [{"title": "Tell me more", "payload": MORE_PAYLOAD}] if more else []
    answer = compose_facts(chosen, buttons=buttons, outro=outro)
    return Reply(answer, topic.id, [fact.id for fact in chosen], _chain(question.text))


def more_about(kb: KnowledgeBase, topic: str, audience: str, indication: Optional[str],
               given: Sequence[str]) -> Reply:
    """The rest of the topic after the facts already given."""
    facts = [f for f in _ordered(kb.facts(topic, audience, indication), audience) if f.id not in set(given)]
    if not facts:
        facts = _ordered(kb.facts(topic, audience, indication), audience)
    return Reply(compose_facts(facts), topic, list(given) + [f.id for f in facts])
