"""Operating cqmonitor in Dagster: schedule, partitions, freshness sensor, asset checks, and a
backfill from the Dagster CLI that gives the same rows as ``cqmonitor run --since/--until``."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.analyse.checks import events_consistent, topics_consistent
from dagster_project.cli import execute
from dagster_project.crawl.sensors import crawl_freshness
from dagster_project.definitions import defs
from dagster_project.operations.jobs import daily_digest_schedule
from dagster_project.partitions import FIRST_DAY, publication_months
from dagster_project.resources import DatabaseResource, SlackResource, TaxonomyResource
from dagster_project.store.checks import articles_complete, no_duplicate_articles
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic, CrawlRun, Event
from tests.conftest import compact_copy, loopback_settings
from tests.slack_server import SlackServer

ROOT = Path(__file__).resolve().parents[1]
CST = ZoneInfo("Asia/Shanghai")


def test_the_0800_tick_runs_every_month_incrementally() -> None:
    tick = datetime(2025, 3, 27, 8, 0, tzinfo=CST)
    context = dg.build_schedule_context(
        scheduled_execution_time=tick, repository_def=defs.get_repository_def()
    )
    request = daily_digest_schedule.evaluate_tick(context).run_requests[0]
    assert request.tags["dagster/asset_partition_range_start"] == FIRST_DAY
    assert request.tags["dagster/asset_partition_range_end"] == "2025-03-01"
    assert request.run_key == "daily-2025-03-27"
    for asset in ("raw_articles", "articles", "article_topics", "events"):
        assert request.run_config["ops"][asset]["config"]["incremental"] is True
    assert daily_digest_schedule.cron_schedule == "0 8 * * *"
    assert daily_digest_schedule.execution_timezone == "Asia/Shanghai"
    # Off unless a deployment turns the schedules on (CQMONITOR_SCHEDULES): tests/test_safe.py.
    assert daily_digest_schedule.default_status == dg.DefaultScheduleStatus.STOPPED


def test_partitions_are_china_standard_time_months() -> None:
    assert publication_months.timezone == "Asia/Shanghai"
    # 00:30 in Chongqing on 1 April is still 31 March in UTC: it belongs to April.
    instant = datetime(2025, 3, 31, 16, 30, tzinfo=UTC)
    keys = publication_months.get_partition_keys_in_range(
        dg.PartitionKeyRange("2025-02-01", "2025-04-01")
    )
    window = publication_months.time_window_for_partition_key("2025-04-01")
    assert keys == ["2025-02-01", "2025-03-01", "2025-04-01"]
    assert window.start <= instant < window.end


def test_definitions_list_schedule_sensors_and_checks() -> None:
    assert len(list(defs.asset_checks or [])) >= 4
    graph = defs.resolve_asset_graph()
    assert len(graph.asset_check_keys) >= 4
    names = {s.name for s in defs.sensors or []}
    assert {"crawl_freshness", "slack_failure_alert"} <= names
    for key in ("raw_articles", "articles", "article_topics", "events"):
        assert graph.get(dg.AssetKey(key)).partitions_def == publication_months
    assert graph.get(dg.AssetKey("digest_default")).partitions_def is None


@pytest.fixture
def db(sqlite_url: str) -> str:
    migrate(sqlite_url)
    return sqlite_url


def add_crawl(db: str, *, status: str, started: datetime) -> None:
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        session.add(CrawlRun(source_url="http://x", status=status, started_at=started))
    engine.dispose()


def sensor_resources(db: str, slack: SlackServer) -> dict[str, Any]:
    return {
        "database": DatabaseResource(url=db),
        "slack": SlackResource(token=slack.token, channel="C0DIGEST1", api_url=slack.url),
    }


def test_freshness_sensor_alerts_once_after_26_hours(db: str, slack: SlackServer) -> None:
    now = datetime.now(UTC)
    add_crawl(db, status="success", started=now - timedelta(hours=30))
    add_crawl(db, status="failed", started=now - timedelta(hours=2))
    with dg.build_sensor_context(resources=sensor_resources(db, slack)) as context:
        result = crawl_freshness.evaluate_tick(context)
    assert result.skip_message and result.skip_message.startswith("alerted")
    (post,) = slack.posts
    assert "no successful crawl for 30 hours" in post.text
    # Same stale period: no second alert.
    resources = sensor_resources(db, slack)
    with dg.build_sensor_context(resources=resources, cursor=result.cursor) as again:
        assert crawl_freshness.evaluate_tick(again).skip_message.startswith("stale, already")
    assert len(slack.posts) == 1


def test_freshness_sensor_is_quiet_while_fresh(db: str, slack: SlackServer) -> None:
    add_crawl(db, status="success", started=datetime.now(UTC) - timedelta(hours=25))
    with dg.build_sensor_context(resources=sensor_resources(db, slack)) as context:
        assert crawl_freshness.evaluate_tick(context).skip_message.startswith("fresh")
    assert slack.posts == []


def add_article(db: str, url: str, **values: Any) -> int:
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        row = Article(
            url=url,
            title=values.get("title", "A title"),
            published_at=datetime(2025, 3, 5, 2, 0, tzinfo=UTC),
            body_text=values.get("body_text", "Chongqing - Some text."),
            content_hash="x",
            taxonomy_version="t",
            events_version="t",
        )
        session.add(row)
        session.flush()
        article_id = row.id
    engine.dispose()
    return article_id


def check(check_def: Any, db: str) -> dg.AssetCheckResult:
    if check_def in (topics_consistent, events_consistent):
        return check_def(database=DatabaseResource(url=db), taxonomy=TaxonomyResource())
    return check_def(database=DatabaseResource(url=db))


def test_checks_pass_on_good_rows_and_fail_on_bad_ones(db: str) -> None:
    article_id = add_article(db, "https://www.ichongqing.info/2025/03/05/story/")
    for check_def in (
        no_duplicate_articles,
        articles_complete,
        topics_consistent,
        events_consistent,
    ):
        assert check(check_def, db).passed, check_def.check_key
    # The same article under another scheme and host: a canonicalisation failure.
    add_article(db, "http://127.0.0.1:8080/2025/03/05/story/")
    assert not check(no_duplicate_articles, db).passed
    add_article(db, "https://www.ichongqing.info/2025/03/05/empty/", body_text="  ")
    assert not check(articles_complete, db).passed
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        session.add(ArticleTopic(article_id=article_id, topic="sports", score=1.0, evidence=[]))
        session.add(Event(article_id=article_id, kind="party", name="", event_key="x"))
    engine.dispose()
    assert not check(topics_consistent, db).passed
    assert not check(events_consistent, db).passed


def test_a_failed_blocking_check_stops_the_digest(
    sqlite_url: str, slack: SlackServer, tmp_path: Path
) -> None:
    articles = compact_copy(load_bundled_articles())
    migrate(sqlite_url)
    # A stored article whose body went empty: articles_complete (blocking) must fail.
    add_article(sqlite_url, "https://www.ichongqing.info/2025/03/02/emptied/", body_text="")
    with SiteServer(build_site(articles)) as site:
        settings = loopback_settings(site.url, sqlite_url, tmp_path / "data", slack)
        ok, metadata, reason = execute(settings, since="2025-03-01", until="2025-03-06")
    assert not ok
    assert "articles_complete" in reason or "blocking" in reason.lower(), reason
    assert slack.posts == []
    assert metadata.get("digest_default") == {}


def rows(db: str) -> list[tuple[Any, ...]]:
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        articles = sorted(
            (a.url, a.title, a.author, a.published_at, a.body_text, a.revision)
            for a in session.scalars(select(Article))
        )
        topics = sorted(
            session.execute(select(Article.url, ArticleTopic.topic).join(ArticleTopic)).all()
        )
        events = sorted(
            session.execute(select(Article.url, Event.kind, Event.name).join(Event)).all()
        )
    engine.dispose()
    return [articles, topics, events]


def test_cli_backfill_of_two_partitions_equals_a_run_over_those_months(tmp_path: Path) -> None:
    articles = compact_copy(load_bundled_articles(), first="2025-02-25", days=10)
    first, last = "2025-02-01", "2025-03-31"
    backfill_db = f"sqlite:///{tmp_path / 'backfill.db'}"
    run_db = f"sqlite:///{tmp_path / 'run.db'}"
    with SiteServer(build_site(articles)) as site:
        env = {
            **os.environ,
            "CQMONITOR_SOURCE_URL": site.url,
            "CQMONITOR_DATABASE_URL": backfill_db,
            "CQMONITOR_DOWNLOAD_DELAY": "0",
            "CQMONITOR_DATA_DIR": str(tmp_path / "data"),
            "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        }
        (tmp_path / "dagster_home").mkdir()
        command = [
            str(Path(sys.executable).with_name("dagster")),
            "asset",
            "materialize",
            "-m",
            "dagster_project.definitions",
            "--select",
            "raw_articles,articles,article_topics,events",
            "--partition-range",
            "2025-02-01...2025-03-01",
        ]
        for _ in range(2):
            done = subprocess.run(
                command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
            )
            assert done.returncode == 0, done.stderr[-3000:]
            if _ == 0:
                after_first = rows(backfill_db)
        settings = loopback_settings(site.url, run_db, tmp_path / "data2")
        ok, _, reason = execute(settings, since=first, until=last, digest=False)
        assert ok, reason
    expected = [a for a in articles if first <= a["published"][:10] <= last]
    backfilled = rows(backfill_db)
    assert len(backfilled[0]) == len(expected) > 0
    assert backfilled == after_first, "re-running the backfill changed rows"
    assert backfilled == rows(run_db)
