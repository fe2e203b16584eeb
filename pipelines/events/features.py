"""What the acceptance model weighs about a candidate: context features, each explainable.

Every feature is a number in [0, 1] computed from the article and the taxonomy's cue lists (the
kind's own ``report_cues``, the shared ``source_cues``, ``future_cues``, ...), never from a
story's words directly, so a kind declared only in the taxonomy gets the same features. The text
that fired a feature is kept in ``Candidate.cues`` for the evidence.
"""

from __future__ import annotations

import re
from datetime import datetime

from pipelines.classify import ArticleDoc
from pipelines.events.proposers import mention_proposer
from pipelines.events.records import Candidate, Form, Mention
from pipelines.events.slots import verb_gap
from pipelines.taxonomy import EventKindSpec, EventShape, EventsSpec, normalise_token, tokenize

__all__ = ["FEATURES", "describe", "set_features"]

#: The features of each shape, in the order the model stores its coefficients.
FEATURES: dict[EventShape, tuple[str, ...]] = {
    EventShape.NAMED: (
        "title",
        "lead",
        "mentions",
        "cue",
        "cue_near",
        "future",
        "source",
        "affiliation",
        "agent",
        "past",
        "background",
        "edition",
        "quoted",
        "lower_case",
        "described",
        "weak",
        "excluded",
        "subevent",
    ),
    EventShape.PROPOSAL: (
        "formal_sentence",
        "formal_article",
        "formal_before",
        "submit",
        "proposer",
        "everyday",
        "title_case",
        "bare",
        "definite",
        "plural",
        "in_title",
        "lead",
        "mentions",
        "by_party",
        "long_subject",
    ),
}

_DESCRIPTIONS = {
    "title": "named in the title",
    "lead": "in the lead",
    "mentions": "mentioned again",
    "cue": "reported",
    "cue_near": "reporting verb next to the name",
    "future": "announced ahead",
    "source": "only a source of quotes or figures",
    "affiliation": "only someone's affiliation",
    "agent": "only who did something (by ...)",
    "past": "a past edition",
    "background": "said of the past",
    "edition": "edition marker",
    "quoted": "quoted name",
    "lower_case": "lower-case name",
    "described": "described, not named",
    "weak": "generic head noun",
    "excluded": "excluded context",
    "subevent": "part of another event",
    "formal_sentence": "formal context in the sentence",
    "formal_article": "formal context in the title or lead",
    "formal_before": "submitted by a formal body or member",
    "submit": "submitted",
    "proposer": "proposer named",
    "everyday": "everyday sense",
    "title_case": "title-case name",
    "bare": "no subject",
    "definite": "an earlier proposal referred to",
    "plural": "plural",
    "in_title": "in the title",
    "by_party": "proposers in the name",
    "long_subject": "long subject",
    "uncued": "no launch, founding or expansion reported",
}
_STOP = frozenset({"of", "on", "and", "for", "the", "in", "to", "a", "an"})
_DEFINITE = frozenset({"the", "these", "those", "its", "their", "earlier", "previous"})
# Between a verb and its object: "launched the", "set up a new", "officially inaugurated the".
_OBJECT_GAP = re.compile(
    r"\s*(?:(?:the|a|an|of|its|their|this year's|jointly|officially|formally)\s+)*"
)
# Between "by" and a name: other parties of the same list ("by the A Committee and the ").
_AGENT_GAP = re.compile(
    r"(?:(?:the\s+)?(?:[A-Z][\w'’\-]*\s+|(?:of|and|for|&)\s+|,\s*)*)?(?:the\s+)?"
)
# A past time right after a name, within its clause.
_PAST_TIME = re.compile(
    r"[^.;,]{0,30}?\b(?:last\s+(?:year|month|week|spring|summer|autumn|fall|winter)|"
    r"(?:years|months)\s+ago|previously|in\s+(?P<y>(?:19|20)\d\d)\b)"
)
_SOURCE_BEFORE = re.compile(
    r"(?:according to|data from|figures from|statistics from|cited by|released by|"
    r"report(?:ed)? by|published by|compiled by|a survey by|said|says|quoted by)\s+"
    r"(?:the\s+)?(?:[\w'’-]+\s+){0,3}$",
    re.IGNORECASE,
)


def describe(feature: str) -> str:
    return _DESCRIPTIONS.get(feature, feature)


def _title_share(key: str, title: str) -> float:
    words = [w for w in key.split() if w not in _STOP]
    if not words:
        return 0.0
    title_words = {normalise_token(t) for t in tokenize(title)}
    return sum(w in title_words for w in words) / len(words)


def _is_source(m: Mention, ev: EventsSpec) -> bool:
    """Named only as where a quote or a figure came from ("according to the X Association")."""
    before = m.sentence.text[: m.start]
    if _SOURCE_BEFORE.search(before):
        return True
    # A configured cue counts only right before the name ("said at the 2022 X Forum"): the same
    # cue elsewhere in the sentence ("officials said at a press conference that the X Expo will
    # open") is where the news came from, not what the event is.
    if ev.source_cues:
        for cue in ev.source_cues.finditer(before):
            if len(before[cue.end() :].split()) <= 4:
                return True
    return False


def _cue(m: Mention, spec: EventKindSpec, ev: EventsSpec) -> tuple[str | None, bool]:
    """A report cue of the kind in the mention's sentence outside the name, and whether it is
    attached to the name: the name's verb ("The X *opened*", "X, which *was held*") or the
    verb of which it is the object ("*launched* the X")."""
    if spec.report_cues is None:
        return None, False
    text = m.sentence.text
    found = None
    for c in spec.report_cues.finditer(text):
        if m.start <= c.start() < m.end:
            continue
        if c.start() >= m.end and verb_gap(text[m.end : c.start()], ev):
            return c.group(0), True
        if c.end() <= m.start and _OBJECT_GAP.fullmatch(text[c.end() : m.start]):
            return c.group(0), True
        found = found or c.group(0)
    return found, False


def _agent(m: Mention) -> bool:
    """Named as who did something ("hosted by the X and the Y"), not as what happened."""
    before = m.sentence.text[: m.start]
    by = before.rfind(" by ")
    return by >= 0 and bool(_AGENT_GAP.fullmatch(before[by + 4 :]))


def _in_the_past(m: Mention, pub: datetime) -> bool:
    """The mention's clause dates it before this story: "joined the X last year", "founded
    the X in 2019"."""
    after = m.sentence.text[m.end : m.end + 60]
    hit = _PAST_TIME.match(after)
    if not hit:
        return False
    year = hit.group("y")
    return year is None or int(year) < pub.year


def _named(c: Candidate, doc: ArticleDoc, ev: EventsSpec) -> None:
    spec = ev.kinds[c.kind]
    f = c.features
    f["title"] = _title_share(c.key, doc.title)
    f["lead"] = float(c.first.sentence.paragraph == 0)
    f["mentions"] = min(len(c.mentions) + len(c.backrefs) - 1, 3) / 3
    sources = [_is_source(m, ev) for m in c.mentions]
    f["source"] = float(all(sources))
    for m, src in zip(c.mentions, sources, strict=True):
        cue, near = _cue(m, spec, ev)
        # A cue elsewhere in a sentence that only cites the event is about something else; the
        # event's own verb ("spoke at the X, which opened on ...") still reports it.
        if cue and (near or not src):
            f["cue"] = 1.0
            c.cues.setdefault("cue", cue)
        if cue and near:
            f["cue_near"] = 1.0
            c.cues["cue_near"] = cue
    texts = [m.sentence.text for m in c.mentions]
    if ev.future_cues:
        hit = next((h for h in map(ev.future_cues.search, texts) if h), None)
        if hit:
            f["future"] = 1.0
            c.cues["future"] = hit.group(0)
    if spec.cue_required and not (f["cue"] or f["cue_near"] or f["future"]):
        f["uncued"] = 1.0  # not a model feature: a veto (acceptance.VETOES)
    if ev.affiliation_cues and all(
        any(
            len(m.sentence.text[h.end() : m.start].split()) <= 2
            for h in ev.affiliation_cues.finditer(m.sentence.text[: m.start])
        )
        for m in c.mentions
    ):
        f["affiliation"] = 1.0
    if all(_agent(m) for m in c.mentions):
        f["agent"] = 1.0
    pub: datetime | None = doc.published_at
    if c.year is not None and pub is not None and c.year < pub.year and pub.month > 2:
        f["past"] = 1.0  # an article of January may still report December's event
    if pub is not None and all(_in_the_past(m, pub) for m in c.mentions):
        f["background"] = 1.0
    f["edition"] = float(any(m.edition for m in c.mentions))
    forms = {m.form for m in c.mentions}
    f["quoted"] = float(Form.QUOTED in forms)
    f["lower_case"] = float(Form.EDITION in forms)
    f["described"] = float(Form.DESCRIBED in forms and Form.TITLE not in forms)
    f["weak"] = float(all(m.weak for m in c.mentions))
    if spec.excluded_context and all(spec.excluded_context.search(t) for t in texts):
        f["excluded"] = 1.0
    if ev.subevent_cues:
        for m in c.mentions:
            hit = ev.subevent_cues.search(m.sentence.text[: m.start])
            if hit:
                f["subevent"] = 1.0
                c.cues["subevent"] = hit.group(0)
                break


def _proposal(c: Candidate, doc: ArticleDoc, ev: EventsSpec, lead: str) -> None:
    spec = ev.kinds[c.kind]
    f = c.features
    texts = [m.sentence.text for m in c.mentions]
    fc = spec.formal_context
    hit = next((h for h in map(fc.search, texts) if h), None) if fc else None
    if hit:
        f["formal_sentence"] = 1.0
        c.cues["formal_sentence"] = hit.group(0)
    elif fc and (fc.search(doc.title) or fc.search(lead)):
        f["formal_article"] = 1.0
    if fc and any(fc.search(m.sentence.text[: m.start]) for m in c.mentions):
        f["formal_before"] = 1.0
    if spec.submit_cues:
        sub = next((h for h in map(spec.submit_cues.search, texts) if h), None)
        if sub:
            f["submit"] = 1.0
            c.cues["submit"] = sub.group(0)
    f["proposer"] = float(any(mention_proposer(m) for m in c.mentions))
    if spec.everyday_context and any(spec.everyday_context.search(t) for t in texts):
        f["everyday"] = 1.0
    forms = {m.form for m in c.mentions}
    f["title_case"] = float(Form.TITLE in forms)
    f["bare"] = float(forms == {Form.BARE})
    first = c.first
    before = first.sentence.text[: first.start].split()[-2:]
    f["definite"] = float(any(w.lower() in _DEFINITE for w in before))
    noun = first.sentence.text[first.start : first.start + 12].split()[0].lower()
    f["plural"] = float(noun.rstrip(",.;:").endswith("s"))
    title_low = doc.title.lower()
    f["in_title"] = float(any(t[:6] in title_low for t in spec.triggers))
    f["lead"] = float(first.sentence.paragraph == 0)
    f["mentions"] = min(len(c.mentions) - 1, 3) / 3
    f["by_party"] = float(" by " in c.name)
    f["long_subject"] = float(len(c.name.split()) > 12)


def set_features(c: Candidate, doc: ArticleDoc, ev: EventsSpec, lead: str) -> None:
    """Fill ``c.features`` (every feature of its shape, 0 when it did not fire) and ``c.cues``."""
    c.features = dict.fromkeys(FEATURES[c.shape], 0.0)
    if c.shape is EventShape.NAMED:
        _named(c, doc, ev)
    else:
        _proposal(c, doc, ev, lead)
