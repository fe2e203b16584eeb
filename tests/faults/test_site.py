"""The site is down: the run says what happened (refused, timeout, server errors, robots.txt),
with exit 3 and its own crawl status, never "the markup changed"; and a site that stops
mid-crawl loses nothing: the next run, once it is back, stores every article once."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from crawlers.sitecopy import Page, SiteServer, build_site, load_bundled_articles
from dagster_project.cli import execute
from pipelines.core.problems import ExitCode
from pipelines.core.statuses import CrawlStatus
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.helpers.db import crawls, stored_urls
from tests.helpers.processes import crawled_items, launch, processes_under, wait_until

from .conftest import ENV, SLOW, SYNTHETIC, fault, rerun_stores_everything_once, run_args

QUICK = {"CRAWL_RETRY_BACKOFF": "0.01", "DOWNLOAD_TIMEOUT": "1", "RETRY_TIMES": "1"}


def crawl_down_site(url: str, database: str, tmp_path: Path) -> tuple[Any, Any]:
    """One in-process pass against ``url``; (outcome, its crawl row)."""
    since, until = compact_span()
    settings = loopback_settings(url, database, tmp_path / "data")
    outcome = execute(settings, since=since, until=until, digest=False, crawl_settings=QUICK)
    (crawl,) = crawls(database)
    return outcome, crawl


def forbid_everything(pages: dict[str, Page]) -> dict[str, Page]:
    robots = pages["/robots.txt"]
    return {**pages, "/robots.txt": replace(robots, body=b"User-agent: *\nDisallow: /\n")}


@pytest.mark.parametrize(
    ("harm", "status", "said"),
    [
        ("refused", CrawlStatus.UNREACHABLE, "cannot reach the site: connection refused"),
        ("timeout", CrawlStatus.UNREACHABLE, "cannot reach the site: requests timed out"),
        ("503", CrawlStatus.SERVER_ERROR, "the site answered every request with a server error"),
        ("robots", CrawlStatus.ROBOTS_DENIED, "robots.txt forbids the pages cqmonitor reads"),
    ],
)
def test_a_down_site_is_named_for_what_it_did(
    harm: str, status: CrawlStatus, said: str, sqlite_url: str, tmp_path: Path
) -> None:
    pages = build_site(compact_copy(load_bundled_articles()))
    server = SiteServer(forbid_everything(pages) if harm == "robots" else pages)
    server.outage = 503 if harm == "503" else None
    server.stall = 2.0 if harm == "timeout" else 0.0
    with server:
        if harm == "refused":
            server.stop()
        outcome, crawl = crawl_down_site(server.url, sqlite_url, tmp_path)
    assert not outcome.ok and outcome.problem is not None
    assert outcome.problem.exit_code == ExitCode.SOURCE_DOWN
    line = outcome.problem.line
    assert line.startswith(f"cqmonitor: crawl of {server.url}: {said}") and "markup" not in line
    assert crawl.status == status and said in (crawl.message or "")
    fault(f"site down ({harm}): exit 3, crawl {crawl.status}: {line}")


@contextmanager
def site_process(port: int = 0) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The copy served by its own process (``python -m crawlers.sitecopy serve``), its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "crawlers.sitecopy", "serve", "--port", str(port),
         "--articles", str(SYNTHETIC)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        served = re.search(r"at (http://[\d.:]+)/", process.stdout.readline())
        assert served, "the site copy did not start"
        yield process, served.group(1)
    finally:
        process.kill()
        process.wait()


def test_a_site_that_stops_mid_crawl_loses_nothing(expected_urls: set[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cqmonitor.db'}"
    with site_process() as (server, source):
        process = launch(run_args(source, url, SLOW), cwd=tmp_path, env=ENV)
        assert wait_until(lambda: crawled_items(tmp_path / ".cqmonitor") >= 15, timeout=90)
        # The site's process dies: every connection is refused from now on.
        server.kill()
        server.wait()
        stopped = time.monotonic()
        _, err = process.communicate(timeout=300)
    took = time.monotonic() - stopped
    assert not processes_under(tmp_path)
    assert process.returncode == 3, err
    (line,) = err.strip().splitlines()
    assert "the site stopped answering during the crawl: connection refused" in line, line
    (crawl,) = crawls(url)
    assert crawl.status == CrawlStatus.UNREACHABLE
    kept = len(stored_urls(url))
    assert 0 < kept < len(expected_urls)

    port = int(source.rsplit(":", 1)[1])
    with site_process(port) as (_, back):
        urls = rerun_stores_everything_once(back, url, tmp_path, expected_urls)
    fault(
        f"site killed mid-crawl: run ended {took:.1f} s later, exit 3 ({line}); {kept} "
        f"articles read before were kept; site back, rerun exit 0, {len(urls)} articles "
        "stored once"
    )
