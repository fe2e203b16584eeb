"""A redesign of the site, end to end: the real spider crawls the bundled copy rendered in a theme
it was not written for (``theme_newsroom``), the Dagster assets store into SQLite and PostgreSQL;
every article is stored right, read by the generic fallbacks, and the run says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.sitecopy import NEWSROOM, SiteServer, build_site, load_bundled_articles
from crawlers.sitecopy.render import article_text, article_url
from dagster_project.cli import execute
from pipelines.monitoring import assess_crawl
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, CrawlRun
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.helpers.text import BOILERPLATE, REDESIGN_BOILERPLATE, overlap

SINCE, UNTIL = compact_span()


@pytest.fixture(scope="module")
def bundled() -> list[dict[str, Any]]:
    return compact_copy(load_bundled_articles())


@pytest.fixture
def redesigned(bundled: list[dict[str, Any]]) -> Iterator[SiteServer]:
    with SiteServer(build_site(bundled, theme=NEWSROOM)) as server:
        yield server


def stored(database_url: str) -> tuple[dict[str, Article], CrawlRun]:
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        rows = {a.url: a for a in session.scalars(select(Article))}
        crawl = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
        session.expunge_all()
    engine.dispose()
    assert crawl is not None
    return rows, crawl


def test_every_article_of_the_redesigned_site_is_stored_right(
    bundled: list[dict[str, Any]], redesigned: SiteServer, database_url: str, tmp_path: Path
) -> None:
    settings = loopback_settings(redesigned.url, database_url, tmp_path / "data")
    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL, digest=False)
    assert ok, reason
    assert metadata["articles"]["new"] == len(bundled)
    rows, crawl = stored(database_url)
    assert len(rows) == len(bundled)
    for record in bundled:
        row = rows[article_url(record)]
        assert row.title == record["title"], record["id"]
        assert row.published_at == datetime.fromisoformat(record["published"]).astimezone(UTC)
        assert row.author == ", ".join(record["authors"]), record["id"]
        truth = "\n\n".join(" ".join(p.split()) for p in article_text(record))
        precision, recall = overlap(row.body_text, truth)
        assert precision >= 0.97 and recall >= 0.97, (record["id"], precision, recall)
        for line in BOILERPLATE + REDESIGN_BOILERPLATE:
            assert line not in row.body_text, (record["id"], line)
        assert row.extraction["body"]["path"] == "fallback:trafilatura"
        assert row.extraction["published_at"]["path"] == "fallback:htmldate"
    # The crawl succeeded on its fallbacks, and its stats say which fields drifted.
    assert crawl.status == "success"
    health = assess_crawl(crawl.stats)
    pages = len(bundled)
    assert f"body read by fallback on {pages} of {pages} pages: the site's markup changed" in (
        health.warnings
    )
    assert {"body_text", "published_at", "author", "categories"} <= set(health.drift)
    assert "title" not in health.drift and "tags" not in health.drift
