"""Read what a run left in the database (SQLite or PostgreSQL), for assertions."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, CrawlRun, PipelineRun


def stored_urls(url: str) -> Counter[str]:
    """Every stored article URL with how many rows hold it."""
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        found = Counter(session.scalars(select(Article.url)))
    engine.dispose()
    return found


def crawls(url: str) -> list[CrawlRun]:
    """Every crawl, oldest first."""
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        found = list(session.scalars(select(CrawlRun).order_by(CrawlRun.id)))
    engine.dispose()
    return found


def runs(url: str) -> list[PipelineRun]:
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        found = list(session.scalars(select(PipelineRun).order_by(PipelineRun.id)))
    engine.dispose()
    return found
