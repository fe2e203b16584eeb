"""The report views (migration 0005) on SQLite and PostgreSQL: present after ``upgrade head``,
gone after a downgrade, and equal to the same figures computed in Python from the base tables,
weeks in China Standard Time included."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from pipelines.core.instants import cst_day
from pipelines.storage.db import downgrade, make_engine, migrate
from pipelines.storage.models import Article, ArticleTopic, Event
from pipelines.storage.reports import (
    ALL,
    VIEW_NAMES,
    report_articles,
    report_events,
    report_weekly,
)
from tests.helpers.report_data import NEAR_MIDNIGHT, NEW_ISO_YEAR, URL

CONTRACT_COLUMNS = {
    "report_events": {"event_key", "kind", "name", "date_text", "start_date", "end_date", "place",
                      "topics", "articles", "first_reported_at", "last_reported_at", "title",
                      "url"},
    "report_articles": {"id", "title", "url", "published_at", "author", "topics", "events",
                        "categories"},
    "report_weekly": {"week", "topic", "kind", "articles", "events"},
}  # fmt: skip


@pytest.fixture
def session(report_session: Session) -> Session:
    return report_session


def iso_week(instant: datetime) -> str:
    year, week, _ = cst_day(instant).isocalendar()
    return f"{year}-W{week:02d}"


def blank(value: str | None) -> bool:
    return not (value or "").strip()


def expected_events(session: Session) -> dict[tuple[str, str], dict[str, Any]]:
    """report_events computed from the base tables: the name, title and url of the first report
    by (published, event id); dates and place from the latest report giving them."""
    topics: dict[int, set[str]] = defaultdict(set)
    for article_id, topic in session.execute(select(ArticleTopic.article_id, ArticleTopic.topic)):
        topics[article_id].add(topic)
    groups: dict[tuple[str, str], list[tuple[Event, Article]]] = defaultdict(list)
    for event, article in session.execute(select(Event, Article).join(Article)):
        groups[(event.kind, event.event_key)].append((event, article))
    out = {}
    for key, rows in groups.items():
        rows.sort(key=lambda r: (r[1].published_at, r[0].id))
        first_event, first_article = rows[0]

        def given(column: str, rows: list[tuple[Event, Article]] = rows) -> str | None:
            found = [getattr(e, column) for e, _a in rows if not blank(getattr(e, column))]
            return found[-1] if found else None

        out[key] = {
            "name": first_event.name,
            "date_text": given("date_text"),
            "start_date": given("start_date"),
            "end_date": given("end_date"),
            "place": given("place"),
            "topics": ", ".join(sorted(set().union(*(topics[a.id] for _e, a in rows)))),
            "articles": len({a.id for _e, a in rows}),
            "first_reported_at": rows[0][1].published_at,
            "last_reported_at": max(a.published_at for _e, a in rows),
            "title": first_article.title,
            "url": first_article.url,
        }
    return out


def expected_weekly(session: Session) -> dict[tuple[str, str, str], tuple[int, ...]]:
    """report_weekly from the base tables: (week, topic, kind) -> articles, events, and both
    restricted to articles on a topic; '*' is every topic / every kind."""
    topics: dict[int, set[str]] = defaultdict(set)
    for article_id, topic in session.execute(select(ArticleTopic.article_id, ArticleTopic.topic)):
        topics[article_id].add(topic)
    events: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for article_id, kind, key in session.execute(
        select(Event.article_id, Event.kind, Event.event_key)
    ):
        events[article_id].add((kind, key))
    cells: dict[tuple[str, str, str], list[set[Any]]] = defaultdict(
        lambda: [set() for _ in range(4)]
    )
    for article in session.scalars(select(Article)):
        week = iso_week(article.published_at)
        on_topics = bool(topics[article.id])
        for topic in {ALL} | topics[article.id]:
            reported = events[article.id]
            for kind in {ALL} | {k for k, _key in reported}:
                cell = cells[(week, topic, kind)]
                found = {e for e in reported if kind in (ALL, e[0])}
                cell[0].add(article.id)
                cell[1].update(found)
                if on_topics:
                    cell[2].add(article.id)
                    cell[3].update(found)
    return {key: tuple(len(s) for s in sets) for key, sets in cells.items()}


def test_views_exist_after_upgrade_and_go_with_a_downgrade(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    views = set(inspect(engine).get_view_names())
    assert views >= set(VIEW_NAMES)
    for view, columns in CONTRACT_COLUMNS.items():
        assert columns <= {c["name"] for c in inspect(engine).get_columns(view)}
    engine.dispose()
    downgrade(database_url, "0002")
    engine = make_engine(database_url)
    assert not set(inspect(engine).get_view_names()) & set(VIEW_NAMES)
    assert "articles" in inspect(engine).get_table_names()
    engine.dispose()
    migrate(database_url)


def test_report_events_match_the_base_tables(session: Session) -> None:
    rows = {(r.kind, r.event_key): r._asdict() for r in session.execute(select(report_events))}
    expected = expected_events(session)
    assert set(rows) == set(expected)
    for key, want in expected.items():
        got = {column: rows[key][column] for column in want}
        assert got == want, key
    # The conference reported twice: its name from the first article, its place and dates from
    # the second (the first gives none), both articles' topics.
    talent = rows[("conference", "chongqing talent conference|2025")]
    assert talent["articles"] == 2
    assert talent["name"] == "2025 Chongqing Talent Conference"
    assert (talent["place"], talent["date_text"]) == ("Liangjiang New Area", "March 10-12")
    assert talent["topics"] == "nev_icv, talent"
    assert talent["url"] == URL.format(slug="talent-conference-opens")
    assert talent["first_reported_at"] == NEAR_MIDNIGHT


def test_report_articles_match_the_base_tables(session: Session) -> None:
    rows = {r.id: r._asdict() for r in session.execute(select(report_articles))}
    articles = list(session.scalars(select(Article)))
    assert set(rows) == {a.id for a in articles}
    for article in articles:
        row = rows[article.id]
        assert (row["title"], row["url"], row["author"]) == (
            article.title,
            article.url,
            article.author,
        )
        assert row["published_at"] == article.published_at
        assert row["topics"] == ", ".join(sorted(t.topic for t in article.topics))
        assert row["events"] == len(article.events)
        assert row["categories"] == ", ".join(article.categories)
        assert row["published_date"] == cst_day(article.published_at).isoformat()
        assert row["week"] == iso_week(article.published_at)


def test_report_weekly_matches_the_base_tables(session: Session) -> None:
    rows = {
        (r.week, r.topic, r.kind): (r.articles, r.events, r.articles_on_topics, r.events_on_topics)
        for r in session.execute(select(report_weekly))
    }
    assert rows == expected_weekly(session)


def test_weeks_are_iso_weeks_in_china_standard_time(session: Session) -> None:
    weeks = {
        r.published_at: (r.week, r.published_date) for r in session.execute(select(report_articles))
    }
    # 00:30 CST on Monday 10 March is week 11, though its UTC date, Sunday 9 March, is week 10.
    assert weeks[NEAR_MIDNIGHT] == ("2025-W11", "2025-03-10")
    assert NEAR_MIDNIGHT.date().isocalendar().week == 10
    # 30 Dec 2024 CST is in ISO year 2025; its UTC date, 29 Dec, is 2024-W52.
    assert weeks[NEW_ISO_YEAR] == ("2025-W01", "2024-12-30")
    starts = {
        r.week: r.week_start
        for r in session.execute(select(report_weekly.c.week, report_weekly.c.week_start))
    }
    assert starts["2025-W11"] == "2025-03-10"
    assert starts["2025-W01"] == "2024-12-30"
    w11 = {
        (r.topic, r.kind): (r.articles, r.events)
        for r in session.execute(select(report_weekly).where(report_weekly.c.week == "2025-W11"))
    }
    # Both talent articles of week 11 report the one conference: 2 articles, 1 distinct event.
    assert w11[("talent", "conference")] == (2, 1)
    assert w11[(ALL, ALL)] == (2, 2)
