"""A redesign of the site, end to end: the real spider crawls the bundled copy rendered in a theme
it was not written for (``theme_newsroom``), the Dagster assets store into SQLite and PostgreSQL;
every article is stored right, read by the generic fallbacks, and the run says so: in its
summary, in an asset check, and in one Slack alert (to the stand-in, through slack-sdk) that the
next runs do not repeat.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.sitecopy import NEWSROOM, SiteServer, build_site, edited_copy, load_bundled_articles
from crawlers.sitecopy.render import article_text, article_url
from dagster_project.cli import execute
from dagster_project.cli.execute import summary_lines
from dagster_project.crawl.checks import crawl_read_by_site_path
from dagster_project.resources import DatabaseResource
from pipelines.core import stats as keys
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, CrawlRun
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.helpers.text import BOILERPLATE, REDESIGN_BOILERPLATE, overlap
from tests.slack_server import SlackServer

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


def drift_alerts(slack: SlackServer) -> list[str]:
    return [m.text for m in slack.posts if "markup changed" in m.text]


def test_every_article_of_the_redesigned_site_is_stored_right(
    bundled: list[dict[str, Any]],
    redesigned: SiteServer,
    slack: SlackServer,
    database_url: str,
    tmp_path: Path,
) -> None:
    settings = loopback_settings(redesigned.url, database_url, tmp_path / "data", slack)
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

    # The crawl succeeded on its fallbacks; crawl_runs says per field by which path.
    pages = len(bundled)
    drifted = f"body read by fallback on {pages} of {pages} pages: the site's markup changed"
    assert crawl.status == "success"
    assert drifted in crawl.stats[keys.HEALTH_WARNINGS]
    assert crawl.stats[keys.HEALTH_FIELD_PATHS]["body_text"] == {
        "site": 0.0,
        "fallback": 1.0,
        "none": 0.0,
    }
    assert crawl.stats[keys.HEALTH_FIELD_PATHS]["title"]["site"] == 1.0
    assert {"body_text", "published_at", "author", "categories"} <= set(
        crawl.stats[keys.HEALTH_DRIFT]
    )
    assert "title" not in crawl.stats[keys.HEALTH_DRIFT]
    assert "tags" not in crawl.stats[keys.HEALTH_DRIFT]
    # The run's summary names the drift, the warning check fails, one alert went out.
    lines = summary_lines(metadata, 1.0)
    assert f"drift: {drifted}" in lines and "drift: alert sent to Slack" in lines
    check = crawl_read_by_site_path(database=DatabaseResource(url=database_url))
    assert not check.passed and check.severity.value == "WARN"
    assert drifted in (check.description or "")
    (alert,) = drift_alerts(slack)
    assert drifted in alert


def test_the_drift_alert_goes_out_once_not_every_run(
    bundled: list[dict[str, Any]],
    redesigned: SiteServer,
    slack: SlackServer,
    tmp_path: Path,
) -> None:
    database_url = f"sqlite:///{tmp_path / 'once.db'}"
    settings = loopback_settings(redesigned.url, database_url, tmp_path / "data", slack)
    assert execute(settings, since=SINCE, until=UNTIL, digest=False).ok
    assert len(drift_alerts(slack)) == 1
    # Nothing new: no page read, nothing said about the markup.
    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL, digest=False)
    assert ok, reason
    assert not any(line.startswith("drift") for line in summary_lines(metadata, 1.0))
    # An edited article, read on the fallbacks again: the drift goes on, the alert is not repeated.
    target = bundled[3]
    redesigned.set_pages(
        build_site(
            [edited_copy(a) if a["id"] == target["id"] else a for a in bundled], theme=NEWSROOM
        )
    )
    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL, digest=False)
    assert ok, reason
    assert metadata["articles"]["updated"] == 1
    lines = summary_lines(metadata, 1.0)
    assert "drift: body read by fallback on 1 of 1 pages: the site's markup changed" in lines
    assert metadata["articles"]["drift_alert"] == "quiet"
    assert len(drift_alerts(slack)) == 1
    _, crawl = stored(database_url)
    assert "body_text" in crawl.stats[keys.HEALTH_DRIFT_ALERTED]


def test_the_sites_own_theme_reads_without_drift(
    bundled: list[dict[str, Any]], slack: SlackServer, tmp_path: Path
) -> None:
    database_url = f"sqlite:///{tmp_path / 'own.db'}"
    with SiteServer(build_site(bundled)) as own:
        settings = loopback_settings(own.url, database_url, tmp_path / "data", slack)
        ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL, digest=False)
    assert ok, reason
    assert metadata["articles"]["crawl_health"] == "success"
    assert not any(line.startswith("drift") for line in summary_lines(metadata, 1.0))
    _, crawl = stored(database_url)
    assert crawl.stats[keys.HEALTH_DRIFT] == []
    assert all(
        shares["fallback"] == 0.0 for shares in crawl.stats[keys.HEALTH_FIELD_PATHS].values()
    )
    assert crawl_read_by_site_path(database=DatabaseResource(url=database_url)).passed
    assert drift_alerts(slack) == []
