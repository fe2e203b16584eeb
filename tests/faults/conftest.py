"""The fault suite's fixtures: a 636-article loopback copy of the site, databases the suite may
break (its own PostgreSQL database), and the run it kills.

Every test here runs ``cqmonitor run`` as a real process against the copy, does something bad
to it (a signal, a dropped database, a read-only directory, the site going away), then checks
that the next run succeeds by itself and the database holds every article once. Each prints
one ``FAULT |`` line of what it measured (``pytest -s tests/faults`` shows them).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from crawlers.sitecopy import (
    SiteServer,
    article_url,
    build_site,
    load_bundled_articles,
    synthetic_articles,
)
from tests.conftest import postgres_base_url
from tests.helpers.db import stored_urls
from tests.helpers.processes import cli_env, run

SINCE, UNTIL = "2023-01-02", "2023-01-10"
SYNTHETIC = 600
# Slow enough that a crawl of the window lasts seconds (to be killed in), fast on the rerun.
SLOW, FAST = "0.1", "0"
ENV = cli_env(CQMONITOR_RETRY_BACKOFF="0.05")


@pytest.fixture(scope="session")
def site_articles() -> list[dict[str, Any]]:
    return load_bundled_articles() + synthetic_articles(SYNTHETIC)


@pytest.fixture(scope="session")
def expected_urls(site_articles: list[dict[str, Any]]) -> set[str]:
    """The articles published in the window (CST days), as stored."""
    first, last = date.fromisoformat(SINCE), date.fromisoformat(UNTIL)
    return {
        article_url(a)
        for a in site_articles
        if first <= datetime.fromisoformat(a["published"]).date() <= last
    }


@pytest.fixture(scope="module")
def site(site_articles: list[dict[str, Any]]) -> Iterator[SiteServer]:
    with SiteServer(build_site(site_articles)) as server:
        yield server


def run_args(source: str, database: str, delay: str) -> list[str]:
    return ["run", "--source-url", source, "--database-url", database, "--delay", delay,
            "--since", SINCE, "--until", UNTIL, "--no-digest"]  # fmt: skip


def rerun_stores_everything_once(
    source: str, database: str, cwd: Path, expected: set[str]
) -> Counter[str]:
    """The next run, at full speed: exit 0, silent, every article of the window stored once."""
    again = run(run_args(source, database, FAST), cwd=cwd, env=ENV, permissions_bind=True)
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    urls = stored_urls(database)
    assert set(urls) == expected and max(urls.values()) == 1
    return urls


def fault(line: str) -> None:
    """One line of what a fault test measured."""
    print(f"\nFAULT | {line}")


@pytest.fixture
def private_postgres() -> Iterator[tuple[str, str]]:
    """A PostgreSQL database of this test's own (URL, name): it may be cut off and killed."""
    base = postgres_base_url()
    if base is None:
        pytest.skip("CQMONITOR_TEST_POSTGRES_URL is not set: PostgreSQL faults skipped")
    name = f"cqm_fault_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name, query={"application_name": name})
    try:
        yield url.render_as_string(hide_password=False), name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_admin() -> Any:
    base = postgres_base_url()
    assert base is not None
    return create_engine(base, isolation_level="AUTOCOMMIT")
