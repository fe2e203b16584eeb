"""Classify stored articles and extract their events: the work behind ``article_topics``,
``events`` and ``cqmonitor reclassify``.

Work is found in the database (articles of the run's span whose stored decisions were made by
another taxonomy, or none), so an interrupted run is finished by the next one and a changed
taxonomy re-classifies everything without crawling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from pipelines.classify import ArticleDoc, classify
from pipelines.core.instants import EVERYTHING, Span, utcnow
from pipelines.events import extract_events
from pipelines.storage.corrections import apply_all as apply_corrections
from pipelines.storage.decisions import (
    Decision,
    articles_for_redecision,
    pending_ids,
    replace_events,
    replace_topics,
)
from pipelines.storage.editions import keys_of_articles, sync_editions
from pipelines.storage.models import Article
from pipelines.taxonomy import Taxonomy

SAMPLES = 10


@dataclass
class AnalysisResult:
    articles: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)


def article_doc(article: Article) -> ArticleDoc:
    return ArticleDoc(
        title=article.title,
        body_text=article.body_text,
        tags=tuple(article.tags or ()),
        categories=tuple(article.categories or ()),
        published_at=article.published_at,
    )


def _decide_pending(
    session: Session,
    decision: Decision,
    taxonomy: Taxonomy,
    span: Span,
    work: Callable[[Article], list[str]],
) -> AnalysisResult:
    """Run ``work`` (which stores its decision and returns its labels) on every pending article."""
    result = AnalysisResult()
    ids = pending_ids(session, decision, taxonomy.version, span)
    for batch in articles_for_redecision(session, decision, ids):
        for article in batch:
            labels = work(article)
            result.articles += 1
            result.counts.update(labels)
            if labels and len(result.samples) < SAMPLES:
                result.samples.append(f"{', '.join(labels)}: {article.title}")
    return result


def classify_pending(
    session: Session, taxonomy: Taxonomy, span: Span = EVERYTHING
) -> AnalysisResult:
    """Store topics (score and evidence) for every article of ``span`` not classified by
    ``taxonomy``."""

    def work(article: Article) -> list[str]:
        decisions = classify(article_doc(article), taxonomy)
        replace_topics(session, article, decisions, taxonomy.version, clear=False)
        return [d.topic for d in decisions]

    return _corrected(session, _decide_pending(session, Decision.TOPICS, taxonomy, span, work))


def extract_pending(
    session: Session, taxonomy: Taxonomy, span: Span = EVERYTHING
) -> AnalysisResult:
    """Store events for every article of ``span`` whose events ``taxonomy`` did not extract, and
    bring the editions they report (and those they reported before) up to date."""
    ids = pending_ids(session, Decision.EVENTS, taxonomy.version, span)
    touched = keys_of_articles(session, ids)

    def work(article: Article) -> list[str]:
        found = extract_events(article_doc(article), taxonomy)
        replace_events(session, article, found, taxonomy.version, clear=False, touched=touched)
        return [e.kind for e in found]

    result = _corrected(session, _decide_pending(session, Decision.EVENTS, taxonomy, span, work))
    session.flush()
    sync_editions(session, touched, utcnow())
    return result


def _corrected(session: Session, result: AnalysisResult) -> AnalysisResult:
    """Readers' corrections applied again to decisions just recomputed: they outlive a run and
    a reclassification."""
    if result.articles:
        session.flush()
        apply_corrections(session)
    return result
