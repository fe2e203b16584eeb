"""Honest partitions: a run of one month writes that month's rows and only those."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.areas import area_definitions
from dagster_project.partitions import PARTITIONED_ASSETS
from dagster_project.resources import build_resources
from pipelines.core.instants import cst_day
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic, Event
from tests.conftest import compact_copy, loopback_settings

MARCH, APRIL = "2025-03-01", "2025-04-01"


def materialize_month(site_url: str, database_url: str, data_dir: Path, month: str) -> None:
    definitions = area_definitions()
    result = dg.materialize(
        [*(definitions.assets or []), *(definitions.asset_checks or [])],
        selection=list(PARTITIONED_ASSETS),
        partition_key=month,
        resources=build_resources(loopback_settings(site_url, database_url, data_dir)),
        raise_on_error=False,
    )
    assert result.success, [e.message for e in result.all_events if e.is_failure]


def snapshot(database_url: str, month: str) -> dict[str, Any]:
    """Every stored value of the month's rows, row ids and bookkeeping instants included."""
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        rows = [
            a
            for a in session.scalars(select(Article))
            if cst_day(a.published_at).isoformat()[:7] == month[:7]
        ]
        ids = [a.id for a in rows]
        articles = sorted(
            (a.id, a.url, a.title, a.body_text, a.revision, a.updated_at, a.last_seen_at)
            for a in rows
        )
        topics = sorted(
            session.execute(
                select(ArticleTopic.article_id, ArticleTopic.topic, ArticleTopic.score).where(
                    ArticleTopic.article_id.in_(ids)
                )
            ).all()
        )
        events = sorted(
            session.execute(
                select(Event.id, Event.article_id, Event.kind, Event.name).where(
                    Event.article_id.in_(ids)
                )
            ).all()
        )
    engine.dispose()
    return {"articles": articles, "topics": topics, "events": events}


def test_a_second_month_leaves_the_first_months_rows_untouched(
    database_url: str, tmp_path: Path
) -> None:
    # Ten days across the month boundary: 27 March .. 5 April (CST).
    articles = compact_copy(load_bundled_articles(), first="2025-03-27", days=10)
    in_march = [a for a in articles if a["published"][:7] == "2025-03"]
    in_april = [a for a in articles if a["published"][:7] == "2025-04"]
    assert in_march and in_april
    with SiteServer(build_site(articles)) as site:
        materialize_month(site.url, database_url, tmp_path / "data", MARCH)
    march = snapshot(database_url, MARCH)
    assert len(march["articles"]) == len(in_march)
    assert march["topics"] and march["events"]

    # March's first story is edited on the site (its sitemap lastmod moves): only a run of
    # March may store the edit, not a run of April.
    edited = copy.deepcopy(articles)
    target = next(a for a in edited if a["published"][:7] == "2025-03")
    target["blocks"] = [{"p": "Chongqing - An edited first paragraph."}, *target["blocks"]]
    target["modified"] = "2025-04-03T09:00:00+08:00"
    with SiteServer(build_site(edited)) as site:
        materialize_month(site.url, database_url, tmp_path / "data", APRIL)
        assert snapshot(database_url, MARCH) == march
        april = snapshot(database_url, APRIL)
        assert len(april["articles"]) == len(in_april)

        # Re-running March stores its edit, and changes April not at all.
        materialize_month(site.url, database_url, tmp_path / "data", MARCH)
    again = snapshot(database_url, MARCH)
    assert again != march
    assert any(row[4] == 2 and row[1].endswith(f"/{target['slug']}/") for row in again["articles"])
    assert snapshot(database_url, APRIL) == april
