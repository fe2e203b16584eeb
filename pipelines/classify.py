"""Topic classification of articles: weighted terms per field, negative cues, a threshold.

An article is on a topic when it is *substantially* about it, so the score rewards position and
spread, not a single word: a term counts more in the title and the lead paragraph, repeats of a
term in the body count less and less, long bodies are damped, and the evidence must come from at
least ``min_places`` places (title, tags, each paragraph). Negative cues ("talent show", "drone
light show", "self-driving tour") cancel the terms they overlap and subtract their own weight.

Everything the rules need is data in ``taxonomy.yaml``; this module only applies it. It is plain
Python with no I/O, fast enough for thousands of articles per second on one core.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from pipelines.taxonomy import Taxonomy, Term, load_taxonomy, normalise_token, tokenize

__all__ = ["ArticleDoc", "TopicDecision", "classify", "score_topics", "split_paragraphs"]

_PARA_SPLIT = re.compile(r"\n\s*\n")


@dataclass(frozen=True)
class ArticleDoc:
    """What the classifier and the event extractor read of an article."""

    title: str
    body_text: str  # paragraphs separated by a blank line
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    published_at: datetime | None = None  # aware, UTC


@dataclass(frozen=True)
class TopicDecision:
    """The score of one topic for one article, and why."""

    topic: str  # talent | aerospace_information | nev_icv
    score: float
    selected: bool
    evidence: tuple[str, ...]  # e.g. 'title:"BeiDou" +10.0', 'body:"talent show" negative -5.0'


def split_paragraphs(body_text: str) -> list[str]:
    """The non-empty paragraphs of a body (separated by blank lines)."""
    return [p.strip() for p in _PARA_SPLIT.split(body_text) if p.strip()]


# A hit: (topic, term, place, start token, end token). place is "title", "tags:<i>" or a
# paragraph number (0 = lead).
_Hit = tuple[str, Term, str | int, int, int]


def _match_segment(
    tokens: list[str], place: str | int, taxonomy: Taxonomy, out: list[_Hit]
) -> None:
    """Append every taxonomy phrase found in one segment's tokens to ``out``."""
    index = taxonomy.index
    norm = [normalise_token(t) for t in tokens]
    n = len(norm)
    for i, tok in enumerate(norm):
        cands = index.get(tok)
        if cands is None:
            continue
        for topic, term in cands:
            k = len(term.tokens)
            if k > 1 and (i + k > n or tuple(norm[i : i + k]) != term.tokens):
                continue
            if term.case_sensitive and not all(
                tokens[i + j].startswith(term.surface[j]) for j in range(k)
            ):
                continue
            out.append((topic, term, place, i, i + k))


def _resolve(hits: list[_Hit]) -> list[_Hit]:
    """Drop positives overlapping a negative cue, and shorter phrases inside longer ones.

    Per topic and place: negatives mask the positives they overlap ("talent show" hides
    "talent"); among positives, the leftmost-longest wins ("intelligent connected vehicle" is one
    hit, not three).
    """
    negatives: dict[tuple[str, str | int], list[tuple[int, int]]] = {}
    for topic, term, place, s, e in hits:
        if term.negative:
            negatives.setdefault((topic, place), []).append((s, e))
    # A word inside a longer phrase of another topic belongs to that phrase: the "car" of
    # "flying car" is not evidence of road vehicles.
    longer: dict[str | int, list[tuple[int, int, str]]] = {}
    for topic, term, place, s, e in hits:
        if not term.negative and e - s > 1:
            longer.setdefault(place, []).append((s, e, topic))
    kept: list[_Hit] = []
    covered: dict[tuple[str, str | int], int] = {}
    # Sort by place order of appearance, start, then longest first.
    for hit in sorted(hits, key=lambda h: (str(h[2]), h[3], -(h[4] - h[3]))):
        topic, term, place, s, e = hit
        if term.negative:
            kept.append(hit)
            continue
        spans = negatives.get((topic, place))
        if spans and any(s < ne and ns < e for ns, ne in spans):
            continue
        others = longer.get(place)
        if others and any(
            t != topic and ls <= s and e <= le and le - ls > e - s for ls, le, t in others
        ):
            continue
        key = (topic, place)
        if s < covered.get(key, -1):
            continue
        covered[key] = e
        kept.append(hit)
    return kept


def _segments(doc: ArticleDoc) -> tuple[list[tuple[str | int, str, list[str]]], int]:
    """(place, field, tokens) for title, each tag/category and each paragraph; body length."""
    segs: list[tuple[str | int, str, list[str]]] = [("title", "title", tokenize(doc.title))]
    for i, tag in enumerate((*doc.tags, *doc.categories)):
        segs.append((f"tags:{i}", "tags", tokenize(tag)))
    body_len = 0
    for i, para in enumerate(split_paragraphs(doc.body_text)):
        toks = tokenize(para)
        body_len += len(toks)
        segs.append((i, "body", toks))
    return segs, body_len


def score_topics(doc: ArticleDoc, taxonomy: Taxonomy | None = None) -> list[TopicDecision]:
    """Score every topic of the taxonomy for ``doc``; one decision per topic, in taxonomy order."""
    tax = taxonomy or load_taxonomy()
    sc = tax.scoring
    segs, body_len = _segments(doc)
    hits: list[_Hit] = []
    field_of: dict[str | int, str] = {}
    for place, fld, toks in segs:
        field_of[place] = fld
        _match_segment(toks, place, tax, hits)
    hits = _resolve(hits)

    damp = 1.0
    if sc.reference_tokens and body_len > sc.reference_tokens:
        damp = (sc.reference_tokens / body_len) ** sc.length_exponent

    # Group: topic -> (field, term phrase) -> list of places.
    grouped: dict[str, dict[tuple[str, Term], list[str | int]]] = {}
    for topic, term, place, _s, _e in hits:
        fld = field_of[place]
        grouped.setdefault(topic, {}).setdefault((fld, term), []).append(place)

    decisions = []
    for name, spec in tax.topics.items():
        score = 0.0
        body_score = 0.0
        evidence: list[str] = []
        places: set[str | int] = set()
        for (fld, term), plist in grouped.get(name, {}).items():
            mult = term.field_weights.get(fld, 0.0)
            if mult == 0.0:
                continue
            if fld == "body":
                contrib = 0.0
                for k, place in enumerate(sorted(plist, key=int)[: sc.max_body_hits]):
                    lead = sc.lead_multiplier if place == 0 else 1.0
                    contrib += term.weight * mult * lead * (sc.repeat_decay**k)
                body_score += contrib
                count = f" x{len(plist)}" if len(plist) > 1 else ""
            else:
                # Title and tags: once per term, however often it is repeated.
                contrib = term.weight * mult
                score += contrib
                count = ""
            if term.negative:
                evidence.append(f'{fld}:"{term.phrase}"{count} negative {contrib:+.1f}')
            else:
                evidence.append(f'{fld}:"{term.phrase}"{count} {contrib:+.1f}')
                places.update("tags" if fld == "tags" else p for p in plist)
        if damp < 1.0 and body_score:
            evidence.append(f"body length {body_len} words: body score x{damp:.2f}")
        score += body_score * damp
        selected = score >= spec.threshold and len(places) >= spec.min_places
        if score >= spec.threshold and not selected:
            evidence.append(
                f"not selected: evidence in {len(places)} place(s), needs {spec.min_places}"
            )
        decisions.append(TopicDecision(name, round(score, 3), selected, tuple(evidence)))
    return decisions


def classify(doc: ArticleDoc, taxonomy: Taxonomy | None = None) -> list[TopicDecision]:
    """The topics ``doc`` is on: the selected decisions of :func:`score_topics`."""
    return [d for d in score_topics(doc, taxonomy) if d.selected]
