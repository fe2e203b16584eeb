"""The extractor: candidates, features, the model's decision, then slots for what it accepts."""

from __future__ import annotations

from pipelines.classify import ArticleDoc
from pipelines.events.acceptance import AcceptanceModel, decide, load_model
from pipelines.events.anchors import Busy
from pipelines.events.candidates import attach_backrefs, group_mentions, named_mentions
from pipelines.events.features import set_features
from pipelines.events.proposals import proposal_candidates
from pipelines.events.proposers import find_proposers, mention_proposer, proposer_roles
from pipelines.events.records import Candidate, ExtractedEvent, Mention
from pipelines.events.sentences import Sentence, article_sentences
from pipelines.events.slots import fill_slots
from pipelines.events.umbrella import link_subevents
from pipelines.taxonomy import EventShape, EventsSpec, Taxonomy, load_taxonomy

__all__ = ["extract_candidates", "extract_events", "extract_traced"]


def extract_candidates(doc: ArticleDoc, taxonomy: Taxonomy | None = None) -> list[Candidate]:
    """Every candidate event of ``doc`` with its features (not yet decided)."""
    return _candidates(doc, taxonomy or load_taxonomy())[0]


def _candidates(doc: ArticleDoc, tax: Taxonomy) -> tuple[list[Candidate], list[Sentence]]:
    ev = tax.events
    sentences = article_sentences(doc)
    flt = ev.named_filter
    mentions: list[Mention] = []
    if flt is not None:
        for sent in sentences:
            if flt.search(sent.lower):
                mentions.extend(named_mentions(sent, ev))
    named = group_mentions(mentions, ev, doc.published_at)
    attach_backrefs(named, sentences)
    proposals = proposal_candidates(sentences, ev)
    lead = " ".join(s.text for s in sentences if s.paragraph == 0)
    out = named + proposals
    for c in out:
        set_features(c, doc, ev, lead)
    return out, sentences


def _busy(cands: list[Candidate], me: Candidate) -> Busy:
    out: Busy = {}
    for c in cands:
        if c is me or c.shape is not EventShape.NAMED:
            continue
        for m in c.mentions:
            out.setdefault(m.sentence.index, []).append((m.start, m.end, c.name))
    return out


def _event(
    c: Candidate,
    why: str,
    cands: list[Candidate],
    ev: EventsSpec,
    doc: ArticleDoc,
    sentences: list[Sentence],
) -> ExtractedEvent:
    first = c.first.sentence.text
    texts = [s.text for s in sentences]
    if c.shape is EventShape.PROPOSAL:
        proposers = find_proposers(
            [s.text for s in c.sentences()],
            texts,
            tuple(mention_proposer(m) for m in c.mentions),
        )
        slots = fill_slots(c, ev, _busy(cands, c), doc.published_at, places=False)
    else:
        proposers = ()
        slots = fill_slots(c, ev, _busy(cands, c), doc.published_at)
    date = slots.date
    attached = f" [{'; '.join(slots.cues)}]" if slots.cues else ""
    return ExtractedEvent(
        kind=c.kind,
        name=c.name,
        key=c.key,
        date_text=date.text if date else None,
        start_date=date.start if date else None,
        end_date=date.end if date and slots.end_known else None,
        place=slots.place,
        organisers=slots.organisers,
        proposers=proposers,
        summary=first,
        evidence=f"{c.kind} {why}{attached}: {first}",
        venue=slots.venue,
        city=slots.city,
        status=slots.status,
        parent=slots.parent,
        proposer_roles=proposer_roles(proposers, texts) if proposers else (),
    )


def extract_events(
    doc: ArticleDoc, taxonomy: Taxonomy | None = None, model: AcceptanceModel | None = None
) -> list[ExtractedEvent]:
    """The events ``doc`` reports, each once, named events in order of first mention and then
    proposals; ``model`` defaults to the shipped one."""
    return [e for e, _c in extract_traced(doc, taxonomy, model)[0]]


def extract_traced(
    doc: ArticleDoc, taxonomy: Taxonomy | None = None, model: AcceptanceModel | None = None
) -> tuple[list[tuple[ExtractedEvent, Candidate]], list[Candidate]]:
    """:func:`extract_events` with its workings: each event with the candidate it came from,
    and every candidate, decided (for the evaluation's causes of misses)."""
    tax = taxonomy or load_taxonomy()
    mdl = model or load_model()
    cands, sentences = _candidates(doc, tax)
    out = []
    for c in cands:
        why = decide(c, mdl)
        if c.accepted:
            out.append((_event(c, why, cands, tax.events, doc, sentences), c))
    return link_subevents(out), cands
