"""Shared fixtures: databases (SQLite, and PostgreSQL when configured) and paths.

PostgreSQL tests read ``CQMONITOR_TEST_POSTGRES_URL`` and are skipped without it; each test gets
its own schema, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED = PROJECT_ROOT.parent / "shared"
POSTGRES_ENV = "CQMONITOR_TEST_POSTGRES_URL"
# The tests crawl stories back to 2019 (the extraction benchmark's real pages): the partitions
# start there. Set before ``dagster_project`` is imported, which reads it once.
os.environ.setdefault("CQMONITOR_FIRST_MONTH", "2019-01")


def postgres_base_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cqmonitor.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema, dropped after the test."""
    base = postgres_base_url()
    if base is None:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cqmonitor.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def slack() -> Iterator[Any]:
    """The Slack Web API stand-in on loopback (``tests.slack_server.SlackServer``)."""
    from tests.slack_server import SlackServer

    with SlackServer() as server:
        yield server


@pytest.fixture
def chromium() -> str:
    """Debian's chromium for the tests that look at pages in a browser (skipped without it,
    except in CI): ``tests.helpers.browser``."""
    from tests.helpers.browser import find_chromium

    return find_chromium()


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (a user's clone has none): test skipped")
    return SHARED


COMPACT_FIRST_DAY = "2025-03-01"
COMPACT_DAYS = 6


def compact_copy(
    articles: list[dict], first: str = COMPACT_FIRST_DAY, days: int = COMPACT_DAYS
) -> list[dict]:
    """The articles folded into ``days`` days from ``first`` (``crawlers.sitecopy.folded_copy``):
    a short window keeps end-to-end tests fast."""
    from crawlers.sitecopy import folded_copy

    return folded_copy(articles, first=first, days=days)


def compact_span(first: str = COMPACT_FIRST_DAY, days: int = COMPACT_DAYS) -> tuple[str, str]:
    from datetime import date, timedelta

    start = date.fromisoformat(first)
    return start.isoformat(), (start + timedelta(days=days - 1)).isoformat()


def bundled_span() -> tuple[str, str]:
    """First and last publication day (CST) of the bundled site copy."""
    from datetime import datetime

    from crawlers.sitecopy import load_bundled_articles

    days = sorted(datetime.fromisoformat(a["published"]).date() for a in load_bundled_articles())
    return days[0].isoformat(), days[-1].isoformat()


@pytest.fixture
def report_session(database_url: str) -> Iterator[Any]:
    """A session on a migrated database (SQLite, then PostgreSQL) holding the report test data
    (``tests.helpers.report_data``)."""
    from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
    from tests.helpers.report_data import seed

    migrate(database_url)
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        seed(session)
        yield session
    engine.dispose()


@pytest.fixture(scope="session")
def bundled_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database holding the whole bundled copy of the site, crawled on loopback through
    the asset graph once per session (as ``cqmonitor demo`` does); tests only read it."""
    from dagster_project.cli import execute
    from pipelines.settings import BUNDLED

    data_dir = tmp_path_factory.mktemp("bundled")
    url = f"sqlite:///{data_dir / 'bundled.db'}"
    since, until = bundled_span()
    ok, _metadata, reason = execute(
        loopback_settings(BUNDLED, url, data_dir), since=since, until=until, digest=False
    )
    assert ok, reason
    return url


def loopback_settings(
    source_url: str, database_url: str, data_dir: Path, slack: Any = None, **overrides: Any
) -> Any:
    """Validated settings for a run against a copy of the site on loopback, delay 0, no
    environment; with ``slack`` (a ``tests.slack_server.SlackServer``) the digest is posted there.
    """
    from dataclasses import replace

    from pipelines.settings import Settings

    values: dict[str, Any] = {
        "source_url": source_url,
        "database_url": database_url,
        "delay": 0.0,
        "data_dir": str(data_dir),
    }
    if slack is not None:
        values.update(slack_token=slack.token, slack_channel="C0DIGEST1", slack_api_url=slack.url)
    return replace(Settings.from_env(env={}), **{**values, **overrides}).validate()
