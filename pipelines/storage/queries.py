"""Read-only questions operators and data-quality checks ask of the database.

The checks may be scoped to the articles written since an instant (``since``: by the indexed
``articles.updated_at``): a check after each run then reads what the run wrote, not the
history. Without ``since`` they read everything (an operator's full check).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from pipelines.storage.models import Article, ArticleTopic, Event


def count_rows(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# What a check after a run reads: the articles written in the last two days (every run of
# them, at one every 15 minutes), not the history.
CHECK_WINDOW = timedelta(days=2)


def check_since(now: datetime) -> datetime:
    return now - CHECK_WINDOW


def _recent_ids(since: datetime) -> Any:
    return select(Article.id).where(Article.updated_at >= since)


def duplicate_articles(session: Session, since: datetime | None = None) -> dict[str, list[str]]:
    """Stored URLs that are one article (scheme, host, AMP ...), by article key; with
    ``since``, the keys of the articles written since then.

    Grouped by the database on the indexed key: only duplicates, if any, reach Python.
    """
    keys = select(Article.url_key).where(Article.url_key.is_not(None))
    if since is not None:
        keys = select(Article.url_key).where(Article.updated_at >= since)
    twice = (
        select(Article.url_key)
        .where(Article.url_key.in_(keys))
        .group_by(Article.url_key)
        .having(func.count() > 1)
    )
    by_key: dict[str, list[str]] = defaultdict(list)
    for key, url in session.execute(
        select(Article.url_key, Article.url).where(Article.url_key.in_(twice))
    ):
        by_key[key].append(url)
    return dict(by_key)


def incomplete_articles(session: Session, since: datetime | None = None) -> list[str]:
    """URLs of articles lacking a title, a publication instant or a body (written since
    ``since``, if given)."""
    query = select(Article.url).where(
        or_(
            func.length(func.trim(Article.title)) == 0,
            func.length(func.trim(Article.body_text)) == 0,
            Article.published_at.is_(None),
        )
    )
    if since is not None:
        query = query.where(Article.updated_at >= since)
    return list(session.scalars(query))


def articles_per_topic(session: Session) -> dict[str, int]:
    rows = session.execute(select(ArticleTopic.topic, func.count()).group_by(ArticleTopic.topic))
    return {topic: int(n) for topic, n in rows}


def events_per_kind(session: Session) -> dict[str, int]:
    rows = session.execute(select(Event.kind, func.count()).group_by(Event.kind))
    return {kind: int(n) for kind, n in rows}


def _orphans(session: Session, table: type[ArticleTopic] | type[Event]) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(table)
            .where(table.article_id.not_in(select(Article.id)))
        )
        or 0
    )


def _count_where(session: Session, model: type[Any], *conditions: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0)


def _scoped(table: type[ArticleTopic] | type[Event], since: datetime | None) -> list[Any]:
    return [] if since is None else [table.article_id.in_(_recent_ids(since))]


def topic_problems(
    session: Session, topics: Collection[str], since: datetime | None = None
) -> dict[str, int]:
    """Topic rows with a label not in ``topics``, without evidence, or orphaned; articles
    not yet classified. With ``since``: the rows of articles written since then, and no
    orphan count (foreign keys are enforced on SQLite and PostgreSQL alike)."""
    scope = _scoped(ArticleTopic, since)
    # JSON has no portable length(); its text is portable: '[]' (or null) is no evidence.
    no_evidence = _count_where(
        session,
        ArticleTopic,
        or_(
            ArticleTopic.evidence.is_(None),
            cast(ArticleTopic.evidence, Text).in_(["[]", "null"]),
        ),
        *scope,
    )
    return {
        "unknown_topic": _count_where(
            session, ArticleTopic, ArticleTopic.topic.not_in(topics), *scope
        ),
        "without_evidence": no_evidence,
        "orphans": _orphans(session, ArticleTopic) if since is None else 0,
        # By the index on the version column: no scan of the articles.
        "articles_not_classified": _count_where(
            session, Article, Article.taxonomy_version.is_(None)
        ),
    }


def event_problems(
    session: Session, kinds: Collection[str], since: datetime | None = None
) -> dict[str, int]:
    """Events of a kind not in ``kinds``, unnamed, or orphaned; articles not yet extracted
    (``since``: as for :func:`topic_problems`)."""
    scope = _scoped(Event, since)
    return {
        "unknown_kind": _count_where(session, Event, Event.kind.not_in(kinds), *scope),
        "unnamed": _count_where(session, Event, func.length(func.trim(Event.name)) == 0, *scope),
        "orphans": _orphans(session, Event) if since is None else 0,
        "articles_not_extracted": _count_where(session, Article, Article.events_version.is_(None)),
    }


def newest_titles(session: Session, ids: Sequence[int], limit: int = 10) -> list[tuple[str, str]]:
    """(title, url) of the newest of the articles ``ids``."""
    if not ids:
        return []
    rows = session.execute(
        select(Article.title, Article.url)
        .where(Article.id.in_(list(ids)[:500]))
        .order_by(Article.published_at.desc())
        .limit(limit)
    )
    return [(title, url) for title, url in rows]
