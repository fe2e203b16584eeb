"""Many sources past one process: one Celery worker against two, on the same job and data.

Serves ``--sources`` loopback sites (default 10) of ``--articles`` articles each (default 500),
each listed by an RSS feed, and runs the job ``sources_crawl`` (``dagster_project.distributed``:
one asset per source, the Celery executor, a PostgreSQL Dagster instance, RabbitMQ on
127.0.0.1:5672) twice from scratch: with one worker process, then with two. Each run gets a fresh
cqmonitor database (a PostgreSQL schema) and a fresh Dagster database. It prints wall seconds and
articles per second, and checks that every article is stored once (per source: exactly
``--articles`` rows; no URL twice) in both.

Run: ``.venv/bin/python benchmarks/sources.py [--sources N] [--articles N] [--delay S]`` (``S``:
seconds between two requests to one site, default 0) with PostgreSQL at
``CQMONITOR_TEST_POSTGRES_URL`` (default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``)
and RabbitMQ running. Exits non-zero when a run fails or a count is wrong.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import dagster as dg  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from crawlers.sitecopy import SiteServer  # noqa: E402
from dagster_project.partitions import range_tags  # noqa: E402
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope  # noqa: E402
from pipelines.storage.models import Article  # noqa: E402
from tests.helpers.distributed import broker_up, cluster, dagster_database  # noqa: E402
from tests.helpers.source_sites import Story, feed_site, sources_file  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FIRST, LAST = date(2025, 3, 1), date(2025, 3, 6)


def stories(source: int, count: int) -> list[Story]:
    return [
        Story(
            slug=f"s{source}-article-{i}",
            title=f"Source {source} Article {i}: Port Traffic Update",
            published=f"2025-03-0{1 + i % 6}T{8 + i % 10:02d}:{i % 60:02d}:00+08:00",
            paragraphs=(
                f"The river port handled {1000 + i} containers on the day, its operator "
                f"said in a statement published by source number {source}.",
                "Shippers said faster customs checks cut the time a box waits at the quay by "
                "almost a day, and more carmakers now send vehicles down the Yangtze.",
                "A new rail link to the west is due to open later this year, which the port "
                "expects to add a fifth to its traffic within two years of opening.",
            ),
        )
        for i in range(count)
    ]


def run_once(
    workers: int, sites: list[SiteServer], articles: int, base: str, tmp: Path, delay: float
) -> dict:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    database_url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    work = tmp / f"workers-{workers}"
    try:
        migrate(database_url)
        path = sources_file(
            work.with_suffix(".yaml"),
            [
                {"name": f"site{i}", "url": site.url, "feeds": ["/rss.xml"], "delay": delay}
                for i, site in enumerate(sites)
            ],
        )
        settings_env = {
            "CQMONITOR_DATABASE_URL": database_url,
            "CQMONITOR_SOURCES": str(path),
            "CQMONITOR_DOWNLOAD_DELAY": "0",
            "CQMONITOR_DATA_DIR": str(work / "data"),
        }
        with (
            dagster_database(base) as dagster_url,
            cluster(work / "dagster", dagster_url, settings_env) as group,
        ):
            os.environ.update({**settings_env, "DAGSTER_HOME": str(group.home)})
            from dagster_project.distributed import sources_job

            group.start_workers(workers)
            run_config = {
                "execution": {"config": group.executor_config()},
                "ops": {
                    f"source_site{i}": {"config": {"since": str(FIRST), "until": str(LAST)}}
                    for i in range(len(sites))
                },
            }
            started = time.perf_counter()
            with group.instance() as instance:
                result = dg.execute_job(
                    dg.reconstructable(sources_job),
                    instance=instance,
                    run_config=run_config,
                    tags=range_tags(FIRST, LAST),
                )
            wall = time.perf_counter() - started
            if not result.success:
                raise SystemExit(f"the run with {workers} worker(s) failed:\n{group.tail()}")
        engine = make_engine(database_url)
        with session_scope(session_factory(engine)) as session:
            rows = session.execute(select(Article.url, Article.source)).all()
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    per_source = Counter(source for _, source in rows)
    once = len({url for url, _ in rows}) == len(rows) and all(
        per_source[f"site{i}"] == articles for i in range(len(sites))
    )
    return {"workers": workers, "wall": wall, "stored": len(rows), "once": once}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=10)
    parser.add_argument("--articles", type=int, default=500)
    # Seconds between two requests to one site (politeness): 0 makes the run CPU-bound.
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    base = os.environ.get("CQMONITOR_TEST_POSTGRES_URL", DEFAULT_PG)
    if not broker_up():
        raise SystemExit("RabbitMQ is not running on 127.0.0.1:5672")
    results = []
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="cqm-bench-") as tmp:
        sites = [
            stack.enter_context(SiteServer(feed_site(stories(i, args.articles))))
            for i in range(args.sources)
        ]
        for workers in (1, 2):
            results.append(run_once(workers, sites, args.articles, base, Path(tmp), args.delay))
    total = args.sources * args.articles
    print(
        f"{args.sources} loopback sources x {args.articles} articles = {total} articles, "
        f"delay {args.delay} s, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    print("| Celery workers | wall s | articles/s | stored | every article once |")
    print("| --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['workers']} | {r['wall']:.1f} | {r['stored'] / r['wall']:.1f} | "
            f"{r['stored']} | {'yes' if r['once'] else 'NO'} |"
        )
    print(f"speed-up with two workers: {results[0]['wall'] / results[1]['wall']:.2f}x")
    if not all(r["once"] and r["stored"] == total for r in results):
        raise SystemExit("some article was not stored exactly once")


if __name__ == "__main__":
    main()
