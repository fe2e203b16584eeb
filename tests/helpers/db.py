"""Read what a run left in the database (SQLite or PostgreSQL), for assertions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import Select, select

from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, CrawlRun, PipelineRun


def _rows(url: str, query: Select[Any]) -> list[Any]:
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        found = list(session.scalars(query))
    engine.dispose()
    return found


def stored_urls(url: str) -> Counter[str]:
    """Every stored article URL with how many rows hold it."""
    return Counter(_rows(url, select(Article.url)))


def crawls(url: str) -> list[CrawlRun]:
    """Every crawl, oldest first."""
    return _rows(url, select(CrawlRun).order_by(CrawlRun.id))


def runs(url: str) -> list[PipelineRun]:
    """Every recorded ``cqmonitor run``, oldest first."""
    return _rows(url, select(PipelineRun).order_by(PipelineRun.id))
