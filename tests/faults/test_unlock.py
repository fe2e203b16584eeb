"""``cqmonitor unlock`` under a live crawl: the crawl is marked abandoned with who did it, its
owner notices at its next heartbeat and stops crawling (no crawl goes on unowned), ``status``
says so, and the next run succeeds."""

from __future__ import annotations

import time
from pathlib import Path

from crawlers.sitecopy import SiteServer
from pipelines.core.statuses import CrawlStatus
from pipelines.storage.lock import HEARTBEAT_EVERY
from tests.helpers.db import crawls
from tests.helpers.processes import launch, processes_under, run, wait_for_crawl

from .conftest import ENV, SLOW, fault, rerun_stores_everything_once, run_args


def test_unlock_stops_the_crawl_it_takes_the_lock_from(
    site: SiteServer, sqlite_url: str, expected_urls: set[str], tmp_path: Path
) -> None:
    process = launch(run_args(site.url, sqlite_url, SLOW), cwd=tmp_path, env=ENV)
    wait_for_crawl(tmp_path / ".cqmonitor", process)
    unlocked = run(["unlock", "--database-url", sqlite_url], cwd=tmp_path, env=ENV)
    at = time.monotonic()
    assert unlocked.returncode == 0, unlocked.stderr
    assert unlocked.stdout.startswith("cqmonitor unlock: crawl 1 (pid ")
    assert "marked abandoned by " in unlocked.stdout and "stops its crawl" in unlocked.stdout
    _, err = process.communicate(timeout=60)
    stopped_after = time.monotonic() - at
    assert not processes_under(tmp_path)
    assert stopped_after < HEARTBEAT_EVERY.total_seconds() + 5
    assert process.returncode == 1
    (line,) = err.strip().splitlines()
    assert line.startswith("cqmonitor: crawl 1: crawl stopped: crawl 1 lost its lock (unlocked by ")
    (crawl,) = crawls(sqlite_url)
    assert crawl.status == CrawlStatus.ABANDONED and (crawl.message or "").startswith("unlocked by")

    status = run(["status", "--database-url", sqlite_url], cwd=tmp_path, env=ENV)
    assert "crawl lock: free" in status.stdout and "abandoned" in status.stdout
    urls = rerun_stores_everything_once(site.url, sqlite_url, tmp_path, expected_urls)
    fault(
        f"cqmonitor unlock mid-crawl: crawl stopped {stopped_after:.1f} s later, exit 1 "
        f"({line}); crawl {crawl.status} ({crawl.message}); rerun exit 0, {len(urls)} articles "
        "stored once"
    )
