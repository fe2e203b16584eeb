"""``cqmonitor run`` killed mid-crawl (SIGKILL, SIGTERM, Ctrl-C): nothing of it is left within
5 s, its crawl is marked (or taken over), and an immediate rerun stores every article once."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from crawlers.sitecopy import SiteServer
from pipelines.core.statuses import CrawlStatus
from tests.helpers.db import crawls
from tests.helpers.processes import launch, processes_under, wait_for_crawl, wait_until

from .conftest import ENV, SLOW, fault, rerun_stores_everything_once, run_args

SIGNALS = [signal.SIGKILL, signal.SIGTERM, signal.SIGINT]


def send(process_id: int, sig: signal.Signals) -> None:
    if sig == signal.SIGINT:
        # Ctrl-C in a terminal: the whole foreground process group gets it.
        os.killpg(process_id, sig)
    else:
        os.kill(process_id, sig)


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_a_run_killed_mid_crawl_leaves_nothing_and_the_next_run_stores_everything_once(
    sig: signal.Signals,
    site: SiteServer,
    database_url: str,
    expected_urls: set[str],
    tmp_path: Path,
) -> None:
    process = launch(run_args(site.url, database_url, SLOW), cwd=tmp_path, env=ENV)
    wait_for_crawl(tmp_path / ".cqmonitor", process)
    assert len(processes_under(tmp_path)) >= 2, "cqmonitor and its Scrapy child"
    send(process.pid, sig)
    killed = time.monotonic()
    gone = wait_until(lambda: not processes_under(tmp_path), timeout=5)
    left_after = time.monotonic() - killed
    _, err = process.communicate(timeout=30)
    assert gone, f"still running 5 s after {sig.name}: {processes_under(tmp_path)}"

    (crawl,) = crawls(database_url)
    if sig == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL
        # Nobody could say anything; the next run sees the owner is gone and takes over.
        assert crawl.status == CrawlStatus.RUNNING
    else:
        assert process.returncode == 1
        (line,) = err.strip().splitlines()
        assert line.startswith(f"cqmonitor: run: interrupted by {sig.name}"), err
        assert "run it again" in line
        assert (crawl.status, crawl.message) == (
            CrawlStatus.INTERRUPTED,
            f"interrupted by {sig.name}" + (" (Ctrl-C)" if sig == signal.SIGINT else ""),
        )

    started = time.monotonic()
    urls = rerun_stores_everything_once(site.url, database_url, tmp_path, expected_urls)
    first, second = crawls(database_url)
    if sig == signal.SIGKILL:
        assert first.status == CrawlStatus.ABANDONED
        assert f"its process (pid {process.pid} on" in (first.message or "")
    assert second.status == CrawlStatus.SUCCESS
    fault(
        f"{sig.name} mid-crawl ({database_url.split(':')[0]}): exit {process.returncode}, "
        f"processes gone after {left_after:.2f} s, crawl {crawl.status} ({crawl.message}); "
        f"rerun exit 0 in {time.monotonic() - started:.1f} s, "
        f"{len(urls)} articles stored once (of {len(expected_urls)}), "
        f"first crawl now {first.status}"
    )
