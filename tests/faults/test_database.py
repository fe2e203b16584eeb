"""The database goes away under a run (PostgreSQL, the suite's own database): its connections
terminated again and again, or the database refusing connections for seconds. The run rides it
out or stops with one line; the next run succeeds by itself and stores every article once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

from crawlers.sitecopy import SiteServer
from pipelines.core.statuses import CrawlStatus
from tests.helpers.db import crawls, stored_urls
from tests.helpers.processes import launch, processes_under, run, wait_for_crawl

from .conftest import ENV, FAST, SLOW, fault, postgres_admin, run_args


def terminate_backends(name: str) -> int:
    """Terminate every connection to database ``name``; how many there were."""
    admin = postgres_admin()
    with admin.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        ).scalar_one()
    admin.dispose()
    return int(killed)


def allow_connections(name: str, allowed: bool) -> None:
    admin = postgres_admin()
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
    admin.dispose()


def run_through(
    site: SiteServer, url: str, tmp_path: Path, do_harm: Callable[[threading.Event], str]
) -> tuple[int, str, str]:
    """Start a run, harm the database from a thread once it crawls; (exit, stderr, harm done)."""
    process = launch(run_args(site.url, url, SLOW), cwd=tmp_path, env=ENV)
    wait_for_crawl(tmp_path / ".cqmonitor", process)
    ended = threading.Event()
    harm: list[str] = []
    thread = threading.Thread(target=lambda: harm.append(do_harm(ended)))
    thread.start()
    _, err = process.communicate(timeout=300)
    ended.set()
    thread.join(timeout=60)
    assert not processes_under(tmp_path)
    return process.returncode, err, harm[0] if harm else "?"


def check_next_run(site: SiteServer, url: str, tmp_path: Path, expected: set[str]) -> str:
    again = run(run_args(site.url, url, FAST), cwd=tmp_path, env=ENV)
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    urls = stored_urls(url)
    assert set(urls) == expected and max(urls.values()) == 1
    assert all(c.status != CrawlStatus.RUNNING for c in crawls(url))
    return f"rerun exit 0, {len(urls)} articles stored once"


def assert_one_line_if_failed(code: int, err: str) -> str:
    if code == 0:
        assert err == ""
        return "exit 0 (rode it out)"
    assert code == 1, err
    (line,) = err.strip().splitlines()
    assert line.startswith("cqmonitor: database: "), line
    assert "Traceback" not in err
    return f"exit 1: {line}"


def test_connections_terminated_again_and_again(
    site: SiteServer, private_postgres: tuple[str, str], expected_urls: set[str], tmp_path: Path
) -> None:
    url, name = private_postgres

    def harm(ended: threading.Event) -> str:
        rounds = killed = 0
        while not ended.wait(0.25):
            killed += terminate_backends(name)
            rounds += 1
        return f"{killed} backends terminated in {rounds} rounds"

    code, err, done = run_through(site, url, tmp_path, harm)
    said = assert_one_line_if_failed(code, err)
    statuses = [c.status for c in crawls(url)]
    after = check_next_run(site, url, tmp_path, expected_urls)
    fault(f"pg_terminate_backend every 0.25 s mid-run: {done}; {said}; crawls {statuses}; {after}")


def test_the_database_refusing_connections_for_seconds(
    site: SiteServer, private_postgres: tuple[str, str], expected_urls: set[str], tmp_path: Path
) -> None:
    url, name = private_postgres

    def harm(ended: threading.Event) -> str:
        allow_connections(name, False)
        killed = terminate_backends(name)
        started = time.monotonic()
        ended.wait(8)
        allow_connections(name, True)
        return f"database closed for {time.monotonic() - started:.1f} s ({killed} terminated)"

    code, err, done = run_through(site, url, tmp_path, harm)
    said = assert_one_line_if_failed(code, err)
    statuses = [c.status for c in crawls(url)]
    after = check_next_run(site, url, tmp_path, expected_urls)
    fault(f"database refusing connections mid-crawl: {done}; {said}; crawls {statuses}; {after}")
