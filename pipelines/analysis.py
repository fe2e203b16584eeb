"""Classify stored articles and extract their events: the work behind ``article_topics``,
``events`` and ``cqmonitor reclassify``.

Work is found in the database (articles whose stored decisions were made by another taxonomy, or
none), so an interrupted run is finished by the next one and a changed taxonomy re-classifies
everything without crawling.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from pipelines.classify import ArticleDoc, classify
from pipelines.events import extract_events
from pipelines.storage.models import Article, ArticleTopic, Event
from pipelines.storage.repository import replace_events, replace_topics
from pipelines.taxonomy import Taxonomy

BATCH = 200


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


def _pending(session: Session, column: object, version: str) -> list[int]:
    return list(
        session.scalars(
            select(Article.id)
            .where(or_(column.is_(None), column != version))  # type: ignore[attr-defined]
            .order_by(Article.published_at)
        )
    )


def _process(
    session: Session,
    ids: list[int],
    work: Callable[[Article], list[str]],
    result: AnalysisResult,
    table: type[ArticleTopic] | type[Event],
) -> AnalysisResult:
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        # One delete for the batch: the work below only inserts.
        session.execute(delete(table).where(table.article_id.in_(batch)))
        for article in session.scalars(select(Article).where(Article.id.in_(batch))):
            labels = work(article)
            result.articles += 1
            result.counts.update(labels)
            if labels and len(result.samples) < 10:
                result.samples.append(f"{', '.join(labels)}: {article.title}")
        session.flush()
    return result


def classify_pending(session: Session, taxonomy: Taxonomy) -> AnalysisResult:
    """Store topics (score and evidence) for every article not classified by ``taxonomy``."""
    version = taxonomy.version

    def work(article: Article) -> list[str]:
        decisions = classify(article_doc(article), taxonomy)
        replace_topics(session, article, decisions, version, clear=False)
        return [d.topic for d in decisions]

    pending = _pending(session, Article.taxonomy_version, version)
    return _process(session, pending, work, AnalysisResult(), ArticleTopic)


def extract_pending(session: Session, taxonomy: Taxonomy) -> AnalysisResult:
    """Store events for every article whose events were not extracted by ``taxonomy``."""
    version = taxonomy.version

    def work(article: Article) -> list[str]:
        found = extract_events(article_doc(article), taxonomy)
        replace_events(session, article, found, version, clear=False)
        return [e.kind for e in found]

    pending = _pending(session, Article.events_version, version)
    return _process(session, pending, work, AnalysisResult(), Event)


def forget_decisions(
    session: Session,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    topics: bool = True,
    events: bool = True,
) -> int:
    """Mark articles (all, or those published in ``[start, end)``) as needing classification
    (``topics``) and/or event extraction (``events``) again: re-running a partition recomputes
    its window from scratch."""
    values: dict[str, None] = {}
    if topics:
        values["taxonomy_version"] = None
    if events:
        values["events_version"] = None
    statement = update(Article).values(**values)
    if start is not None:
        statement = statement.where(Article.published_at >= start)
    if end is not None:
        statement = statement.where(Article.published_at < end)
    result = session.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
