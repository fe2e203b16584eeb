"""A crawl's output damaged between its crawl and its storing (a run killed right after the
crawl was marked ``crawled``, then the file truncated, given a garbage line, or lost) blocks
nothing: the next run stores what it can read, counts the rest, crawls again what was lost,
stores every article once and delivers once. (Before: every rerun failed on
``Unterminated string``.)"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.areas import area_definitions
from dagster_project.cli import execute
from dagster_project.partitions import range_tags, scope_config
from dagster_project.resources import build_resources
from pipelines.core import stats as keys
from pipelines.core.statuses import CrawlStatus
from pipelines.crawl_output import part_path
from pipelines.storage.db import migrate
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.helpers.db import crawls, stored_urls
from tests.slack_server import SlackServer

from .conftest import fault


def crawl_only(settings: object, since: str, until: str) -> None:
    """The crawl step alone (a run killed right after it): its crawl is left ``crawled``."""
    migrate(settings.database_url)  # type: ignore[attr-defined]
    first, last = date.fromisoformat(since), date.fromisoformat(until)
    definitions = area_definitions(settings.subscriptions())  # type: ignore[attr-defined]
    config = scope_config(incremental=False, since=first, until=last)
    config["ops"] = {"raw_articles": config["ops"]["raw_articles"]}
    result = dg.materialize(
        [*(definitions.assets or []), *(definitions.asset_checks or [])],
        selection=["raw_articles"],
        resources=build_resources(settings),  # type: ignore[arg-type]
        run_config=config,
        tags=range_tags(first, last),
        raise_on_error=False,
    )
    assert result.success


def damage(items: Path, how: str) -> None:
    lines = items.read_bytes().splitlines(keepends=True)
    articles = [i for i, line in enumerate(lines) if b'"kind": "article"' in line]
    if how == "truncated":
        # The last article's line cut in its body: its address is still readable.
        last = articles[-1]
        items.write_bytes(b"".join(lines[:last]) + lines[last][: len(lines[last]) // 2])
    elif how == "garbage":
        lines.insert(articles[len(articles) // 2], b'{"kind": "article", "ti\x00\xff garbage\n')
        items.write_bytes(b"".join(lines))
    else:
        items.unlink()


@pytest.mark.parametrize("how", ["truncated", "garbage", "missing"])
def test_a_damaged_crawl_output_is_skipped_counted_and_crawled_again(
    how: str, sqlite_url: str, slack: SlackServer, tmp_path: Path
) -> None:
    articles = compact_copy(load_bundled_articles())
    since, until = compact_span()
    with SiteServer(build_site(articles)) as site:
        settings = loopback_settings(site.url, sqlite_url, tmp_path / "data", slack)
        crawl_only(settings, since, until)
        (crawled,) = crawls(sqlite_url)
        assert crawled.status == CrawlStatus.CRAWLED and crawled.items_path
        items = Path(crawled.items_path)
        assert items.exists() and not part_path(items).exists()
        damage(items, how)

        outcome = execute(settings, since=since, until=until)
        assert outcome.ok, outcome.problem
        stored = stored_urls(sqlite_url)
        assert len(stored) == len(articles) and max(stored.values()) == 1
        posts = len(slack.posts)
        assert posts > 0
        again = execute(settings, since=since, until=until)
        assert again.ok, again.problem
    assert stored_urls(sqlite_url) == stored
    assert len(slack.posts) == posts, "the third run delivered again"
    damaged, *later = crawls(sqlite_url)
    lines = int((damaged.stats or {}).get(keys.STORE_DAMAGED_LINES, 0))
    if how == "missing":
        assert damaged.status == CrawlStatus.FAILED and "missing" in (damaged.message or "")
    elif how == "garbage":
        assert lines == 1 and damaged.status == CrawlStatus.FAILED
    else:
        assert lines == 1 and damaged.status == CrawlStatus.SUCCESS
    assert [c.status for c in later] == [CrawlStatus.SUCCESS, CrawlStatus.SUCCESS]
    fault(
        f"crawl output {how} after `crawled`: next run exit 0 (crawl {damaged.status}, "
        f"{lines} damaged line(s) skipped, {damaged.message or 'no message'}); "
        f"{len(stored)} articles stored once, delivered once ({posts} message(s), none after)"
    )
