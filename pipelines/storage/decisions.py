"""Stored decisions of the analysis: topics and events per article, and what awaits them.

An article records the taxonomy version that classified it (``taxonomy_version``) and that
extracted its events (``events_version``); work is whatever was decided by another version, or
by none, within a run's span of publication instants.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from pipelines.core.instants import EVERYTHING, Span
from pipelines.events.editions import merge_parts
from pipelines.events.keys import edition_key
from pipelines.storage.editions import edition_of
from pipelines.storage.models import Article, ArticleTopic, Event
from pipelines.storage.storable import MAX_EVENT_KEY, bounded_key

# Room for "|<edition>" (an edition is at most 32 characters) after a bounded series key.
MAX_SERIES_KEY = MAX_EVENT_KEY - 33


class Decision(StrEnum):
    """The two kinds of stored decisions, each with its table and version column."""

    TOPICS = "topics"
    EVENTS = "events"

    @property
    def table(self) -> type[ArticleTopic] | type[Event]:
        return ArticleTopic if self is Decision.TOPICS else Event

    @property
    def version_column(self) -> Any:
        return Article.taxonomy_version if self is Decision.TOPICS else Article.events_version


def _in_span(statement: Any, span: Span) -> Any:
    if span.start is not None:
        statement = statement.where(Article.published_at >= span.start)
    if span.end is not None:
        statement = statement.where(Article.published_at < span.end)
    return statement


def pending_ids(session: Session, decision: Decision, version: str, span: Span) -> list[int]:
    """Articles of ``span`` whose ``decision`` was not made by ``version``, oldest first."""
    column = decision.version_column
    # "< or >" rather than "!=": each branch can use the version column's index.
    statement = select(Article.id).where(or_(column.is_(None), column < version, column > version))
    return list(session.scalars(_in_span(statement, span).order_by(Article.published_at)))


def articles_for_redecision(
    session: Session, decision: Decision, ids: Sequence[int], batch: int = 200
) -> Iterator[list[Article]]:
    """The articles of ``ids`` in batches, each batch's old decisions deleted first."""
    table = decision.table
    for start in range(0, len(ids), batch):
        chunk = list(ids[start : start + batch])
        # One delete for the batch: the work on it only inserts.
        session.execute(delete(table).where(table.article_id.in_(chunk)))
        yield list(session.scalars(select(Article).where(Article.id.in_(chunk))))
        session.flush()


def forget_decisions(
    session: Session, decisions: Sequence[Decision] = tuple(Decision), span: Span = EVERYTHING
) -> int:
    """Mark the articles of ``span`` as needing ``decisions`` again: re-running a partition
    recomputes its span from scratch."""
    values = {
        ("taxonomy_version" if d is Decision.TOPICS else "events_version"): None for d in decisions
    }
    result = session.execute(_in_span(update(Article).values(**values), span))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def replace_topics(
    session: Session,
    article: Article,
    decisions: Sequence[Any],
    version: str,
    *,
    clear: bool = True,
) -> None:
    """Replace an article's topics with ``decisions`` (objects with topic, score, evidence).

    ``clear=False`` when the caller already deleted the old rows of a whole batch at once.
    """
    if clear:
        session.execute(delete(ArticleTopic).where(ArticleTopic.article_id == article.id))
    for decision in decisions:
        session.add(
            ArticleTopic(
                article_id=article.id,
                topic=decision.topic,
                score=round(float(decision.score), 4),
                evidence=list(decision.evidence),
                taxonomy_version=version,
            )
        )
    article.taxonomy_version = version


def replace_events(
    session: Session,
    article: Article,
    events: Sequence[Any],
    version: str,
    *,
    clear: bool = True,
    touched: set[tuple[str, str]] | None = None,
) -> int:
    """Replace an article's events with ``events`` (``pipelines.events.ExtractedEvent``).

    Mentions of one real event are merged first (``merge_parts``); each event is keyed on its
    edition (``pipelines.storage.editions.edition_of``). ``touched`` collects the edition keys
    written, for ``sync_editions``.
    """
    if clear:
        session.execute(delete(Event).where(Event.article_id == article.id))
    seen: set[tuple[str, str]] = set()
    for event in merge_parts(events):
        series, edition, key = edition_of(
            session, article, event.kind, event.name, event.start_date
        )
        # A name of any length gets a key its column holds (a hash keeps long ones distinct).
        if len(series) > MAX_SERIES_KEY:
            series = bounded_key(series, MAX_SERIES_KEY)
            key = edition_key(series, edition)
        key = bounded_key(key, MAX_EVENT_KEY)
        if (event.kind, key) in seen:
            continue
        seen.add((event.kind, key))
        session.add(
            Event(
                article_id=article.id,
                kind=event.kind,
                name=event.name,
                event_key=key,
                series_key=series,
                edition=edition,
                date_text=event.date_text,
                start_date=event.start_date.isoformat() if event.start_date else None,
                end_date=event.end_date.isoformat() if event.end_date else None,
                place=event.place,
                venue=event.venue,
                city=event.city,
                status=str(event.status) if event.status else None,
                parent=event.parent,
                organisers=list(event.organisers),
                proposers=list(event.proposers),
                proposer_roles=list(event.proposer_roles),
                summary=event.summary,
                evidence=event.evidence,
            )
        )
    if touched is not None:
        touched.update(seen)
    article.events_version = version
    return len(seen)
