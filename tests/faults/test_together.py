"""Two runs started together: one crawls, the other exits 1 with a one-line reason naming the
crawl that holds the lock; never a raw exception, never two crawls."""

from __future__ import annotations

import re
from pathlib import Path

from crawlers.sitecopy import SiteServer
from pipelines.core.statuses import CrawlStatus
from tests.helpers.db import crawls, stored_urls
from tests.helpers.processes import launch

from .conftest import ENV, SLOW, fault, run_args

BUSY = re.compile(
    r"^cqmonitor: crawl: crawl (\d+) \(pid \d+ on .+, started .+ UTC, heartbeat \d+ s ago\) "
    r"is running; wait for it to end, or `cqmonitor unlock` if it is stuck$"
)


def test_two_runs_started_together_make_one_crawl(
    site: SiteServer, database_url: str, expected_urls: set[str], tmp_path: Path
) -> None:
    site.clear_requests()
    first = launch(run_args(site.url, database_url, SLOW), cwd=tmp_path, env=ENV)
    second = launch(run_args(site.url, database_url, SLOW), cwd=tmp_path, env=ENV)
    outputs = [p.communicate(timeout=300) for p in (first, second)]
    results = [(p.returncode, *output) for p, output in zip((first, second), outputs, strict=True)]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    (_, _, loser_err) = next(r for r in results if r[0] == 1)
    (line,) = loser_err.strip().splitlines()
    match = BUSY.match(line)
    assert match, line
    (crawl,) = crawls(database_url)
    assert crawl.status == CrawlStatus.SUCCESS and int(match.group(1)) == crawl.id
    # One crawl's worth of requests: each article page was fetched once.
    article_requests = [r.key for r in site.requests if r.key.count("/") == 5]
    assert len(article_requests) == len(set(article_requests)) == len(expected_urls)
    urls = stored_urls(database_url)
    assert set(urls) == expected_urls and max(urls.values()) == 1
    fault(
        f"two runs together ({database_url.split(':')[0]}): exits {codes}, one crawl "
        f"({crawl.status}, {crawl.requests} requests), {len(article_requests)} article pages "
        f"fetched once each; loser said: {line}"
    )
