"""A run costs what is new, not what is stored: with nothing new, the incremental run, the
instant-alert poll and ``cqmonitor status`` issue the same number of SQL statements whether
200 or 2,000 articles are stored (SQLite and PostgreSQL; counted with SQLAlchemy's
``before_cursor_execute``). The real spider crawls a loopback copy; older rows are bulk-loaded
and delivered (``tests.helpers.history``), the steady state of a monitor that ran for years.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, event, func, select, text
from sqlalchemy.engine import make_url

from crawlers.sitecopy import CST, SiteServer, build_site, synthetic_articles
from dagster_project.cli import execute, main
from dagster_project.cli.execute import execute_poll
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article
from tests.conftest import loopback_settings
from tests.helpers.history import analyze, bulk_load, mark_delivered

SUBSCRIPTIONS = [
    {"name": "daily", "channel": "C0HISTORY1"},
    {"name": "now", "channel": "C0HISTORY2", "delivery": "instant"},
]


@contextmanager
def counting(database_url: str) -> Iterator[list[str]]:
    """Statements sent to ``database_url`` while the block runs (not the lease's heartbeats,
    which follow the clock, nor Dagster's own in-memory storage)."""
    target = make_url(database_url)
    seen: list[str] = []

    def count(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        url = conn.engine.url
        if (url.database, dict(url.query)) != (target.database, dict(target.query)):
            return
        if threading.current_thread().name.endswith("-heartbeat"):
            return
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def stored(database_url: str) -> int:
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        total = int(session.scalar(select(func.count()).select_from(Article)) or 0)
    engine.dispose()
    return total


def grow_to(database_url: str, total: int, before: datetime) -> None:
    """Copies of the stored rows until ``total`` are stored, every item delivered, as after
    years of runs: nothing is pending at either size."""
    engine = make_engine(database_url)
    bulk_load(engine, total, before)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM deliveries"))
        conn.execute(text("DELETE FROM digests"))
    mark_delivered(engine, [(s["name"], s.get("delivery") == "instant") for s in SUBSCRIPTIONS])
    analyze(engine)
    engine.dispose()


def test_a_run_with_nothing_new_costs_the_same_whatever_is_stored(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    start = (now.astimezone(CST) - timedelta(days=4)).date()
    recent = synthetic_articles(18, start=start, per_day=6)
    days = sorted(a["published"][:10] for a in recent)
    subs = tmp_path / "subscriptions.yaml"
    subs.write_text(yaml.safe_dump({"subscriptions": SUBSCRIPTIONS}), encoding="utf-8")
    # ``cqmonitor status`` reads its settings from the environment.
    monkeypatch.setenv("CQMONITOR_SUBSCRIPTIONS", str(subs))
    oldest = datetime.fromisoformat(min(a["published"] for a in recent)) - timedelta(days=1)
    with SiteServer(build_site(recent)) as site:
        settings = loopback_settings(
            site.url, database_url, tmp_path / "data", subscriptions_path=str(subs)
        )
        first = execute(settings, since=days[0], until=days[-1], digest=False)
        assert first.ok, first.problem
        counts: dict[int, dict[str, int]] = {}
        for size in (200, 2_000):
            grow_to(database_url, size, oldest)
            assert stored(database_url) == size
            # The first run after a change of the stored rows settles the current sitemap.
            assert execute(settings, since=None, until=None, digest=False).ok
            # Each returns whether it succeeded.
            runs: dict[str, Callable[[], bool]] = {
                "run": lambda: execute(settings, since=None, until=None, digest=False).ok,
                "poll": lambda: execute_poll(settings).success,
                "status": lambda: main(["status", "--database-url", database_url]) == 0,
            }
            counts[size] = {}
            site.clear_requests()
            for name, run in runs.items():
                with counting(database_url) as statements:
                    assert run(), name
                counts[size][name] = len(statements)
            # Nothing new really: the feed and the sitemap index, each answered 304 or unchanged.
            assert len(site.requests) <= 3, [r.path for r in site.requests]
            # What the crawl is handed names no stored article: it looks them up as it goes.
            newest = max(Path(settings.crawl_dir).glob("run-*/state.json"))
            counts[size]["state_bytes"] = newest.stat().st_size
    assert counts[200] == counts[2_000], counts
    assert all(n > 0 for n in counts[200].values()), counts
