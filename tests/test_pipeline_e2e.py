"""End to end: the real spider crawls the bundled copy on loopback, the Dagster assets store,
classify and extract into SQLite and PostgreSQL, and the digest goes to a Slack stand-in through
slack-sdk's WebClient. A second identical run changes nothing and fetches no article page.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from crawlers.sitecopy.render import article_text, article_url
from dagster_project.cli import execute
from pipelines.settings import Settings
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic, Delivery, Event
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.slack_server import SlackServer

# Each day of a run's window is a partition: the tests crawl a compact copy (6 days).
SINCE, UNTIL = compact_span()


@pytest.fixture(scope="module")
def bundled() -> list[dict[str, Any]]:
    return compact_copy(load_bundled_articles())


@pytest.fixture
def site(bundled: list[dict[str, Any]]) -> Iterator[SiteServer]:
    with SiteServer(build_site(bundled)) as server:
        yield server


def settings_for(
    site: SiteServer, database_url: str, tmp_path: Path, slack: SlackServer
) -> Settings:
    return loopback_settings(site.url, database_url, tmp_path / "data", slack)


def article_pages(site: SiteServer) -> list[str]:
    """Article pages (not listings, feed or sitemaps) the crawler requested."""
    return [r.path for r in site.requests if r.key.count("/") >= 5 and "/page/" not in r.key]


def snapshot(database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        articles = {
            a.url: (a.title, a.author, a.published_at, a.modified_at, a.body_text, a.revision)
            for a in session.scalars(select(Article))
        }
        topics = sorted(
            (url, topic)
            for url, topic in session.execute(
                select(Article.url, ArticleTopic.topic).join(ArticleTopic)
            )
        )
        events = sorted(
            (url, kind, name)
            for url, kind, name in session.execute(
                select(Article.url, Event.kind, Event.name).join(Event)
            )
        )
        delivered = sorted(
            session.execute(select(Delivery.item_type, Delivery.item_key, Delivery.status)).all()
        )
    engine.dispose()
    return {"articles": articles, "topics": topics, "events": events, "delivered": delivered}


def test_full_run_then_a_second_run_that_changes_nothing(
    bundled: list[dict[str, Any]],
    site: SiteServer,
    slack: SlackServer,
    database_url: str,
    tmp_path: Path,
) -> None:
    settings = settings_for(site, database_url, tmp_path, slack)
    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL)
    assert ok, reason
    assert metadata["articles"]["new"] == len(bundled)

    first = snapshot(database_url)
    stored = first["articles"]
    assert len(stored) == len(bundled)
    for record in bundled:
        url = article_url(record)
        assert url in stored, f"{record['id']} missing"
        title, author, published, _modified, body, _revision = stored[url]
        assert title == record["title"]
        assert author == ", ".join(record["authors"])
        assert published == datetime.fromisoformat(record["published"]).astimezone(UTC)
        expected = "\n\n".join(
            " ".join(p.replace("\u00a0", " ").split()) for p in article_text(record)
        )
        assert body == expected, record["id"]

    # Every stored article is on the topics the classifier chose; the digest holds their events.
    assert first["events"], "no event extracted from the bundled copy"
    posts = slack.posts
    assert posts, "nothing was posted to Slack"
    posted_text = "\n".join(m.text for m in posts)
    on_topic = {url for url, _ in first["topics"]}
    for url, _kind, name in first["events"]:
        if url in on_topic:
            assert name.replace("&", "&amp;").split()[0] in posted_text
    assert all(status == "delivered" for _, _, status in first["delivered"])
    off_topic_titles = [stored[url][0] for url in stored if url not in on_topic]
    for title in off_topic_titles:
        assert title.replace("&", "&amp;") not in posted_text

    # Second identical run: no row changes, no article page downloaded, nothing posted.
    site.clear_requests()
    posts_before = len(slack.posts)
    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL)
    assert ok, reason
    assert article_pages(site) == []
    assert metadata["articles"]["new"] == 0 and metadata["articles"]["updated"] == 0
    assert len(slack.posts) == posts_before
    second = snapshot(database_url)
    assert second == first


def test_sqlite_and_postgresql_hold_the_same_rows(
    site: SiteServer, slack: SlackServer, postgres_url: str, tmp_path: Path
) -> None:
    results = []
    for name, url in (
        ("sqlite", f"sqlite:///{tmp_path / 'same.db'}"),
        ("postgresql", postgres_url),
    ):
        settings = settings_for(site, url, tmp_path / name, slack)
        ok, _, reason = execute(settings, since=SINCE, until=UNTIL, digest=False)
        assert ok, reason
        results.append(snapshot(url))
    assert results[0] == results[1]


def test_an_edited_article_updates_its_row(
    bundled: list[dict[str, Any]], slack: SlackServer, tmp_path: Path
) -> None:
    from crawlers.sitecopy import edited_copy

    database_url = f"sqlite:///{tmp_path / 'edit.db'}"
    with SiteServer(build_site(bundled)) as server:
        settings = settings_for(server, database_url, tmp_path, slack)
        assert execute(settings, since=SINCE, until=UNTIL, digest=False).ok
        target = bundled[3]
        changed = [edited_copy(a) if a["id"] == target["id"] else a for a in bundled]
        server.set_pages(build_site(changed))
        server.clear_requests()
        ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL, digest=False)
    assert ok, reason
    assert metadata["articles"]["updated"] == 1 and metadata["articles"]["new"] == 0
    assert len(article_pages(server)) == 1
    rows = snapshot(database_url)["articles"]
    assert len(rows) == len(bundled)
    assert rows[article_url(target)][5] == 2
