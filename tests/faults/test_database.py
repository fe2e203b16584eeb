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
from tests.helpers.db import crawls
from tests.helpers.processes import launch, processes_under, wait_for_crawl

from .conftest import ENV, SLOW, fault, postgres_admin, rerun_stores_everything_once, run_args


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


Harm = Callable[[threading.Event], str]


def run_through(site: SiteServer, url: str, tmp_path: Path, do_harm: Harm) -> tuple[int, str, str]:
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


def survive(
    site: SiteServer, url: str, tmp_path: Path, expected: set[str], harm: Harm, what: str
) -> None:
    """A run harmed by ``harm`` rides it out or stops with one line; the next one succeeds."""
    code, err, done = run_through(site, url, tmp_path, harm)
    if code == 0:
        assert err == ""
        said = "exit 0 (rode it out)"
    else:
        assert code == 1, err
        (line,) = err.strip().splitlines()
        assert line.startswith("cqmonitor: database: "), line
        said = f"exit 1: {line}"
    statuses = [c.status for c in crawls(url)]
    urls = rerun_stores_everything_once(site.url, url, tmp_path, expected)
    assert all(c.status != CrawlStatus.RUNNING for c in crawls(url))
    fault(
        f"{what}: {done}; {said}; crawls {statuses}; rerun exit 0, {len(urls)} articles stored once"
    )


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

    survive(site, url, tmp_path, expected_urls, harm, "pg_terminate_backend every 0.25 s mid-run")


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

    survive(site, url, tmp_path, expected_urls, harm, "database refusing connections mid-crawl")
