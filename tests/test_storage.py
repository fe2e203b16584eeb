"""Storage on SQLite and PostgreSQL: migrations, UTC instants, idempotent upserts, edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, select, text

from pipelines.core.items import CrawlItem, FailureItem, item_from_record
from pipelines.storage.crawl_state import crawl_state
from pipelines.storage.db import (
    DatabaseURLError,
    alembic_config,
    check_database_url,
    downgrade,
    make_engine,
    migrate,
    session_factory,
    session_scope,
)
from pipelines.storage.ingest import apply_crawl_items
from pipelines.storage.models import Article, CrawlFailure
from pipelines.storage.stored import stored_validators

CONTRACT_COLUMNS = {
    "articles": {"id", "url", "title", "author", "published_at", "modified_at", "body_text",
                 "first_seen_at", "last_seen_at"},
    "article_topics": {"article_id", "topic"},
    "events": {"id", "article_id", "kind", "name"},
}  # fmt: skip

NOW = datetime(2025, 3, 5, 1, 0, tzinfo=UTC)


def item(**overrides: object) -> CrawlItem:
    base: dict[str, object] = {
        "kind": "article",
        "key": "/2025/03/04/drone-makers-gather/",
        "url": "https://www.ichongqing.info/2025/03/04/drone-makers-gather/",
        "title": "Drone Makers Gather",
        "authors": ["RAN ZHENG", "HUXIN LUO"],
        "published_at": "2025-03-04T00:30:00+08:00",
        "modified_at": None,
        "body_text": "Chongqing - First paragraph.\n\nSecond paragraph.",
        "categories": ["Business"],
        "tags": ["drones"],
        "sitemap_lastmod": "2025-03-04T00:30:00+08:00",
        "etag": '"abc"',
    }
    base.update(overrides)
    return item_from_record(base)


def test_alembic_has_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    for table, columns in CONTRACT_COLUMNS.items():
        assert table in tables
        assert columns <= {c["name"] for c in inspect(engine).get_columns(table)}
    uniques = inspect(engine).get_unique_constraints("articles")
    assert any(u["column_names"] == ["url"] for u in uniques)
    engine.dispose()
    downgrade(database_url, "base")
    engine = make_engine(database_url)
    assert "articles" not in inspect(engine).get_table_names()
    engine.dispose()
    migrate(database_url)


def test_instants_are_stored_in_utc(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    cst = timezone(timedelta(hours=8))
    with session_scope(factory) as session:
        apply_crawl_items(session, [item()], now=NOW)
    with session_scope(factory) as session:
        article = session.scalars(select(Article)).one()
        assert article.published_at == datetime(2025, 3, 4, 0, 30, tzinfo=cst)
        assert article.published_at.utcoffset() == timedelta(0)
        raw = session.execute(text("SELECT published_at FROM articles")).scalar_one()
    if engine.dialect.name == "sqlite":
        assert raw == "2025-03-03T16:30:00.000000+00:00"
    else:
        assert raw == datetime(2025, 3, 3, 16, 30, tzinfo=UTC)
    engine.dispose()


def test_upsert_is_idempotent_and_an_edit_updates_the_row(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        first = apply_crawl_items(session, [item()], now=NOW)
    assert len(first.new_ids) == 1
    with session_scope(factory) as session:
        again = apply_crawl_items(session, [item()], now=NOW + timedelta(hours=1))
    assert again.new_ids == [] and again.updated_ids == [] and again.unchanged == 1
    # The same article reached through its AMP copy's canonical is still one row.
    with session_scope(factory) as session:
        edited = apply_crawl_items(
            session,
            [item(body_text="Chongqing - First paragraph, corrected.\n\nSecond paragraph.",
                  modified_at="2025-03-06T09:00:00+08:00",
                  sitemap_lastmod="2025-03-06T09:00:00+08:00")],
            now=NOW + timedelta(days=2),
        )  # fmt: skip
    assert edited.updated_ids and not edited.new_ids
    with session_scope(factory) as session:
        (article,) = session.scalars(select(Article)).all()
        assert article.revision == 2
        assert article.previous_hash and article.previous_hash != article.content_hash
        assert article.author == "RAN ZHENG, HUXIN LUO"
        assert article.first_seen_at == NOW
        assert article.last_seen_at == NOW + timedelta(days=2)
        key = "/2025/03/04/drone-makers-gather/"
        known = stored_validators(session, [key, "/2025/03/04/not-stored/"])
        # The crawl's state names no article: the spider looks them up by key.
        assert "articles" not in crawl_state(session)
    assert known[key]["lastmod"].startswith("2025-03-06")
    assert list(known) == [key]
    engine.dispose()


def test_failures_are_recorded_and_counted_for_retry(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    factory = session_factory(engine)
    broken = FailureItem(url="http://127.0.0.1/2025/03/04/gone/", reason="HTTP 404")
    for hour in range(2):
        with session_scope(factory) as session:
            apply_crawl_items(session, [broken, item(title="")], now=NOW + timedelta(hours=hour))
    with session_scope(factory) as session:
        failures = {f.url: f for f in session.scalars(select(CrawlFailure))}
        assert failures[broken.url].attempts == 2
        assert session.scalars(select(Article)).all() == []
        assert broken.url in crawl_state(session)["retry"]
        assert broken.url not in crawl_state(session, max_failure_attempts=2)["retry"]
    engine.dispose()


@pytest.mark.parametrize(
    ("url", "fragment"),
    [("mysql://u@h/db", "'mysql' is not supported"), ("not a url", "not a database URL")],
)
def test_unusable_database_urls_are_named(url: str, fragment: str) -> None:
    # The message says what is wrong and what to write; the caller names the setting, once.
    with pytest.raises(DatabaseURLError) as info:
        check_database_url(url)
    assert fragment in str(info.value) and "postgresql+psycopg://" in str(info.value)
    assert "CQMONITOR_DATABASE_URL" not in str(info.value)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_bare_postgresql_schemes_name_the_driver(scheme: str) -> None:
    assert check_database_url(f"{scheme}://postgres@127.0.0.1/test") == (
        "postgresql+psycopg://postgres@127.0.0.1/test"
    )
