"""Directories that cannot be written: found before anything is written (exit 2), or under a
running crawl (its crawl marked failed, one line); once fixed, the next run succeeds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from crawlers.sitecopy import SiteServer
from pipelines.core.statuses import CrawlStatus
from tests.helpers.db import crawls, runs
from tests.helpers.processes import launch, processes_under, run, wait_for_crawl

from .conftest import ENV, FAST, SLOW, fault, rerun_stores_everything_once, run_args


@contextmanager
def read_only(*directories: Path) -> Iterator[None]:
    for directory in directories:
        directory.chmod(0o555)
    try:
        yield
    finally:
        for directory in directories:
            directory.chmod(0o755)


def test_a_read_only_data_dir_stops_the_run_before_it_writes_anything(
    site: SiteServer, expected_urls: set[str], tmp_path: Path
) -> None:
    data_dir = tmp_path / ".cqmonitor"
    data_dir.mkdir()
    database = tmp_path / "db" / "cqmonitor.db"
    url = f"sqlite:///{database}"
    with read_only(data_dir):
        refused = run(run_args(site.url, url, FAST), cwd=tmp_path, env=ENV, permissions_bind=True)
    assert refused.returncode == 2, refused.stderr
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith(f"cqmonitor: settings: CQMONITOR_DATA_DIR: cannot write in {data_dir}")
    assert not database.exists() and list(data_dir.iterdir()) == []

    urls = rerun_stores_everything_once(site.url, url, tmp_path, expected_urls)
    fault(
        f"read-only data dir: exit 2 ({line}); nothing written; after chmod, rerun exit 0, "
        f"{len(urls)} articles stored once"
    )


def test_a_crawl_dir_made_read_only_mid_crawl_fails_that_crawl_only(
    site: SiteServer, expected_urls: set[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'cqmonitor.db'}"
    data_dir = tmp_path / ".cqmonitor"
    process = launch(run_args(site.url, url, SLOW), cwd=tmp_path, env=ENV, permissions_bind=True)
    wait_for_crawl(data_dir, process)
    run_dir = next((data_dir / "crawls").glob("run-*"))
    with read_only(run_dir, data_dir / "crawls"):
        _, err = process.communicate(timeout=300)
        assert not processes_under(tmp_path)
    assert process.returncode == 1, err
    (line,) = err.strip().splitlines()
    assert line.startswith("cqmonitor: crawl 1: ") and "Traceback" not in err
    (crawl,) = crawls(url)
    assert crawl.status == CrawlStatus.FAILED and crawl.message
    assert os.access(run_dir, os.W_OK)

    urls = rerun_stores_everything_once(site.url, url, tmp_path, expected_urls)
    assert [r.exit_code for r in runs(url)] == [1, 0]
    fault(
        f"crawl dir read-only mid-crawl: exit 1 ({line}); crawl {crawl.status}: "
        f"{crawl.message}; after chmod, rerun exit 0, {len(urls)} articles stored once"
    )
