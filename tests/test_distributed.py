"""Past one machine: the sources' job on a PostgreSQL Dagster instance with the Celery executor,
two real Celery workers on the machine's RabbitMQ, two sources crawled at once in different
worker processes, nothing stored twice (then a second run stores nothing new).

Needs RabbitMQ on 127.0.0.1:5672 (``.ci/run`` starts it), PostgreSQL
(``CQMONITOR_TEST_POSTGRES_URL``) and the ``prod`` extra (dagster-celery, dagster-postgres).
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.sitecopy import SiteServer
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.models import Article, CrawlRun
from tests.conftest import postgres_base_url
from tests.helpers.source_sites import Story, feed_site, sources_file

pytest.importorskip("dagster_celery", reason="the prod extra (dagster-celery) is not installed")
from dagster_project.partitions import range_tags  # noqa: E402
from tests.helpers.distributed import broker_up, cluster, dagster_database  # noqa: E402

pytestmark = pytest.mark.postgres
STORIES_PER_SITE = 6
# Each article page answers after this long: long enough for the two crawls to overlap.
PAGE_DELAY = 0.4


def _stories(prefix: str) -> list[Story]:
    return [
        Story(
            slug=f"{prefix}-story-{i}",
            title=f"{prefix.title()} Story Number {i} About the River Port",
            published=f"2025-03-0{1 + i % 5}T09:00:00+08:00",
            paragraphs=(
                f"The river port of Guoyuan handled more containers in week {i} than in any "
                "week before, its operator said, as new rail links to the west opened.",
                "Shippers said the faster customs checks cut the time a box waits at the quay "
                "by almost a day, and more carmakers now send vehicles by river.",
            ),
        )
        for i in range(STORIES_PER_SITE)
    ]


def test_two_sources_on_two_celery_workers(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = postgres_base_url()
    assert base is not None
    if not broker_up():
        why = "RabbitMQ is not running on 127.0.0.1:5672 (.ci/run starts it)"
        # In CI it must run, never skip.
        (pytest.fail if os.environ.get("CI") else pytest.skip)(why)
    import dagster as dg

    from dagster_project.distributed import sources_job

    migrate(postgres_url)
    with (
        SiteServer(feed_site(_stories("east"))) as east,
        SiteServer(feed_site(_stories("west"))) as west,
        dagster_database(base) as dagster_url,
    ):
        for site in (east, west):
            site.delays.update(
                {f"/posts/{s.slug}.html": PAGE_DELAY for s in _stories("east") + _stories("west")}
            )
        path = sources_file(
            tmp_path / "sources.yaml",
            [
                {"name": "east", "url": east.url, "feeds": ["/rss.xml"]},
                {"name": "west", "url": west.url, "feeds": ["/rss.xml"]},
            ],
        )
        settings_env = {
            "CQMONITOR_DATABASE_URL": postgres_url,
            "CQMONITOR_SOURCES": str(path),
            "CQMONITOR_DOWNLOAD_DELAY": "0",
            "CQMONITOR_DATA_DIR": str(tmp_path / "data"),
        }
        with cluster(tmp_path / "dagster", dagster_url, settings_env) as group:
            for name, value in {**settings_env, "DAGSTER_HOME": str(group.home)}.items():
                monkeypatch.setenv(name, value)
            group.start_workers(2)
            run_config = {
                "execution": {"config": group.executor_config()},
                "ops": {
                    name: {"config": {"since": "2025-03-01", "until": "2025-03-06"}}
                    for name in ("source_east", "source_west")
                },
            }
            tags = range_tags(date(2025, 3, 1), date(2025, 3, 6))
            with group.instance() as instance:
                for _ in range(2):
                    result = dg.execute_job(
                        dg.reconstructable(sources_job),
                        instance=instance,
                        run_config=run_config,
                        tags=tags,
                    )
                    assert result.success, group.tail()
                    workers = group.pids
    engine = make_engine(postgres_url)
    with session_scope(session_factory(engine)) as session:
        articles = session.execute(select(Article.url, Article.source)).all()
        crawls = session.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
        first = {run.source: run for run in crawls[:2]}
        # Which process crawled each source, and when.
        runs = {name: (r.pid, r.started_at, r.finished_at, r.status) for name, r in first.items()}
        all_statuses = [r.status for r in crawls]
    engine.dispose()
    assert Counter(source for _, source in articles) == {
        "east": STORIES_PER_SITE,
        "west": STORIES_PER_SITE,
    }
    assert len({url for url, _ in articles}) == len(articles)
    assert set(runs) == {"east", "west"}
    (east_pid, east_start, east_end, _), (west_pid, west_start, west_end, _) = (
        runs["east"],
        runs["west"],
    )
    # Two worker processes, not this one, one source each, crawling at the same time.
    assert {east_pid, west_pid} == workers
    assert east_start < west_end and west_start < east_end
    assert all_statuses == ["success"] * 4
