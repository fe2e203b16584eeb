"""More than one source: the sources file, keys with the host, and three loopback sites of
different shapes crawled through the real asset graph into SQLite and PostgreSQL.

The three sites: the bundled iChongqing copy (its own spider), a site of real pages of other
publishers listed by a sitemap its robots.txt names, and a site listed only by an RSS feed (both
read by the generic spider, configured by YAML alone). One conference reported by iChongqing and
by the feed site is one event with two reports, delivered once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from crawlers.parsing.generic_article import parse_generic_article
from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.cli import execute
from pipelines.core.urls import canonical_url, key_for, source_article_key
from pipelines.settings import SettingError
from pipelines.sources import SourceError, load_sources, parse_sources
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, CrawlRun, Delivery, Event
from tests.conftest import compact_copy, loopback_settings
from tests.helpers.source_sites import (
    Story,
    benchmark_pages,
    benchmark_site,
    feed_site,
    sources_file,
)
from tests.slack_server import SlackServer

CONFERENCE = "Chongqing International Talent Exchange Conference"
STORIES = [
    Story(
        slug="talent-exchange-conference-opens",
        title="Talent Exchange Conference Draws Drone Makers to Liangjiang",
        published="2025-03-05T10:00:00+08:00",
        paragraphs=(
            f"Chongqing - The {CONFERENCE} opened in the Liangjiang New Area on Wednesday, "
            "with drone makers, flight schools and universities looking for engineers.",
            "Organizers said about 1,200 job openings in the aerospace information and "
            "low-altitude sectors were posted at the conference, many of them for drone pilots "
            "and flight-control software engineers.",
            "Companies said they need maintenance technicians far faster than schools can "
            "train them, and several signed training agreements with vocational colleges.",
        ),
    ),
    Story(
        slug="river-ferry-timetable",
        title="River Ferry Timetable Changes for Spring",
        published="2025-03-03T09:15:00+08:00",
        paragraphs=(
            "The river ferry between Chaotianmen and the south bank will run every twenty "
            "minutes from next week, the operator said on Monday.",
            "Evening sailings are extended by an hour until the end of May, and tickets can now "
            "be bought with a transport card at every pier.",
        ),
    ),
    Story(
        slug="library-opens-late",
        title="City Library Opens Late on Weekends",
        published="2025-03-02T18:40:00+08:00",
        paragraphs=(
            "The municipal library will stay open until ten in the evening on Saturdays and "
            "Sundays, starting this month, after a survey of its readers.",
            "Its reading rooms on the third floor get more seats and the children's section "
            "adds a storytelling hour on Sunday afternoons.",
        ),
    ),
]
SINCE = "2019-11-01"
BENCHMARK_PAGES = 5


# ------------------------------------------------------------------------- the sources file


def test_without_a_file_ichongqing_alone() -> None:
    (only,) = load_sources(None, default_url="http://127.0.0.1:1")
    assert (only.name, only.url, only.generic) == ("ichongqing", "http://127.0.0.1:1", False)


def test_every_error_of_the_file_at_once_with_its_key_path(tmp_path: Path) -> None:
    data = {
        "sources": [
            {"name": "Bad-Name", "url": "ftp://example.org"},
            {"name": "ok", "url": "https://example.org", "timezone": "Mars/Base", "feed": []},
            {"name": "ok", "url": "https://example.com", "article_pattern": "(unclosed"},
            {"name": "ichongqing", "url": "https://www.ichongqing.info"},
        ]
    }
    with pytest.raises(SourceError) as caught:
        parse_sources(data, "sources.yaml")
    lines = str(caught.value).splitlines()
    assert "sources.yaml: sources[0].name: must be lower-case" in lines[0]
    assert any("sources[0].url: not an http(s) URL: 'ftp://example.org'" in x for x in lines)
    assert any("sources[1].timezone: unknown timezone 'Mars/Base'" in x for x in lines)
    assert any("sources[1].feed: Extra inputs are not permitted" in x for x in lines)
    assert any("sources[2].article_pattern: not a regular expression" in x for x in lines)
    file = sources_file(tmp_path / "s.yaml", [{"name": "ok", "url": "https://example.org"}] * 2)
    settings = loopback_settings("https://www.ichongqing.info", "sqlite://", tmp_path)

    twice = r"CQMONITOR_SOURCES: .*sources\[1\]\.name: 'ok' is used"
    with pytest.raises(SettingError, match=twice):
        replace(settings, sources_path=str(file)).validate()
    with pytest.raises(SourceError, match="built in"):
        parse_sources({"sources": [data["sources"][3]]}, "f")


def test_one_pool_per_host() -> None:
    (a, b, c) = parse_sources(
        {
            "sources": [
                {"name": "a", "url": "https://www.chinadaily.com.cn/china"},
                {"name": "b", "url": "https://www.chinadaily.com.cn/business"},
                {"name": "c", "url": "http://127.0.0.1:8001"},
            ]
        },
        "f",
    )
    assert a.pool == b.pool == "crawl_www_chinadaily_com_cn"
    assert c.pool == "crawl_127_0_0_1_8001"


def test_keys_carry_the_host_except_ichongqing() -> None:
    a = "http://127.0.0.1:8001/2025/03/04/story/?utm_source=x"
    b = "https://127.0.0.1:8002/2025/03/04/story/"
    assert source_article_key(a) == "127.0.0.1:8001/2025/03/04/story/"
    assert source_article_key(a) != source_article_key(b)
    # iChongqing's keys stay paths: its copies are served from any host.
    assert key_for("ichongqing", a) == key_for("ichongqing", b) == "/2025/03/04/story/"
    assert canonical_url("https://News.Example.org:8443/a/b.html?x=1#y") == (
        "https://news.example.org:8443/a/b.html"
    )


# ------------------------------------------------------------------------- three sites


def _readable(pages: dict[str, bytes]) -> dict[str, bytes]:
    """The first ``BENCHMARK_PAGES`` pages the generic reader reads in full (read alone, off the
    crawl): a page without a date is a dropped page, and the health check would rightly fail a
    crawl of five pages that drops one."""
    found = {
        key: html
        for key, html in pages.items()
        if not parse_generic_article(html, f"http://127.0.0.1/story/{key}/").problems
    }
    return dict(list(found.items())[:BENCHMARK_PAGES])


@pytest.fixture
def three_sites(shared_dir: Path) -> Iterator[tuple[SiteServer, SiteServer, SiteServer, dict]]:
    pages = _readable(benchmark_pages(shared_dir / "extraction-benchmark" / "html", 10))
    assert len(pages) == BENCHMARK_PAGES
    bundled = compact_copy(load_bundled_articles())
    with (
        SiteServer(build_site(bundled)) as ichongqing,
        SiteServer(benchmark_site(pages)) as bench,
        SiteServer(feed_site(STORIES)) as feed,
    ):
        yield ichongqing, bench, feed, {"bundled": bundled, "pages": pages}


def _rows(database_url: str) -> dict[str, Any]:
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        articles = session.execute(select(Article.url, Article.source)).all()
        events = session.execute(
            select(Event.kind, Event.event_key, Article.source).join(Article)
        ).all()
        deliveries = session.execute(select(Delivery.item_type, Delivery.item_key)).all()
        crawls = session.execute(select(CrawlRun.source, CrawlRun.status)).all()
        report_events = [
            dict(r._mapping)
            for r in session.execute(text("SELECT event_key, kind, sources FROM report_events"))
        ]
        report_articles = session.execute(text("SELECT url, source FROM report_articles")).all()
    engine.dispose()
    return {
        "articles": articles,
        "events": events,
        "deliveries": deliveries,
        "crawls": crawls,
        "report_events": report_events,
        "report_articles": report_articles,
    }


def test_three_sites_each_stored_once_one_event_across_two_sources(
    three_sites: tuple[SiteServer, SiteServer, SiteServer, dict],
    slack: SlackServer,
    database_url: str,
    tmp_path: Path,
) -> None:
    ichongqing, bench, feed, data = three_sites
    readable = list(data["pages"])
    # Adding a source is one YAML entry: the feed site names its feed, the other names nothing
    # and is discovered through its robots.txt.
    path = sources_file(
        tmp_path / "sources.yaml",
        [
            {"name": "benchmark", "url": bench.url, "article_pattern": r"/story/[0-9a-f]+/$"},
            {"name": "feedonly", "url": feed.url, "feeds": ["/rss.xml"], "delay": 0},
        ],
    )
    settings = loopback_settings(
        ichongqing.url, database_url, tmp_path / "data", slack, sources_path=str(path)
    )
    ok, metadata, reason = execute(settings, since=SINCE, until=None)
    assert ok, reason
    assert metadata["source_benchmark"]["new"] == len(readable)
    assert metadata["source_feedonly"]["new"] == len(STORIES)
    rows = _rows(database_url)
    by_source = Counter(source for _, source in rows["articles"])
    assert by_source == {
        "ichongqing": len(data["bundled"]),
        "benchmark": len(readable),
        "feedonly": len(STORIES),
    }
    urls = [url for url, _ in rows["articles"]]
    assert len(urls) == len(set(urls))
    assert {url for url, source in rows["articles"] if source == "feedonly"} == {
        f"{feed.url}/posts/{s.slug}.html" for s in STORIES
    }
    bench_urls = [url for url, source in rows["articles"] if source == "benchmark"]
    assert all(url.startswith(bench.url + "/story/") for url in bench_urls)
    assert sorted(rows["report_articles"]) == sorted(rows["articles"])
    # Nothing but articles was fetched from the benchmark site: the pattern kept /about/ out.
    assert "/about/" not in bench.requested_keys("GET")

    # One conference, two sources: one event key, reports from both, delivered once.
    sources_of = {}
    for kind, key, source in rows["events"]:
        sources_of.setdefault((kind, key), set()).add(source)
    shared = [k for k, found in sources_of.items() if found == {"ichongqing", "feedonly"}]
    assert shared, f"no event reported by both: {sorted(sources_of)}"
    kind, key = next(k for k in shared if "talent exchange" in k[1])
    (row,) = [r for r in rows["report_events"] if (r["kind"], r["event_key"]) == (kind, key)]
    assert row["sources"] == "feedonly, ichongqing"
    delivered = [d for d in rows["deliveries"] if key in d[1]]
    assert len(delivered) == 1, delivered
    posted = "\n".join(m.text for m in slack.posts)
    assert posted.count("Talent Exchange Conference") == 1
    assert Counter(source for source, _ in rows["crawls"]) == {
        "ichongqing": 1,
        "benchmark": 1,
        "feedonly": 1,
    }

    # A second run stores nothing twice and fetches no article page of the generic sources.
    bench.clear_requests()
    feed.clear_requests()
    ok, metadata, reason = execute(settings, since=SINCE, until=None)
    assert ok, reason
    assert metadata["source_benchmark"]["new"] == metadata["source_feedonly"]["new"] == 0
    assert sorted(_rows(database_url)["articles"]) == sorted(rows["articles"])
    assert not [k for k in bench.requested_keys("GET") if k.startswith("/story/")]
    assert not [k for k in feed.requested_keys("GET") if k.startswith("/posts/")]


def test_a_source_down_fails_alone(slack: SlackServer, sqlite_url: str, tmp_path: Path) -> None:
    down = SiteServer(feed_site(STORIES))
    down_url = down.url
    down.stop()
    with (
        SiteServer(build_site(compact_copy(load_bundled_articles()))) as ichongqing,
        SiteServer(feed_site(STORIES)) as feed,
    ):
        path = sources_file(
            tmp_path / "sources.yaml",
            [
                {"name": "gone", "url": down_url, "feeds": ["/rss.xml"]},
                {"name": "feedonly", "url": feed.url, "feeds": ["/rss.xml"]},
            ],
        )
        settings = loopback_settings(
            ichongqing.url,
            sqlite_url,
            tmp_path / "data",
            slack,
            sources_path=str(path),
            retry_backoff=0.0,
        )
        outcome = execute(settings, since=SINCE, until=None)
    assert not outcome.ok
    assert "source gone" in outcome.reason, outcome.reason
    assert "feedonly" not in outcome.reason
    assert outcome.metadata["source_feedonly"]["new"] == len(STORIES)
    rows = _rows(sqlite_url)
    sources = Counter(source for _, source in rows["articles"])
    assert sources["feedonly"] == len(STORIES) and sources["ichongqing"] > 0
    assert "gone" not in sources
    statuses = dict(rows["crawls"])
    assert statuses["feedonly"] == "success" and statuses["gone"] != "success"


# ------------------------------------------------------------------------- delivery and views


def test_subscriptions_filter_by_source_and_views_show_sources(report_session: Any) -> None:
    from datetime import UTC, datetime

    from pipelines.delivery.pending import collect_pending
    from pipelines.subscriptions import Subscription

    rows = report_session.scalars(select(Article).order_by(Article.id)).all()
    # The second report of the talent conference comes from another source.
    rows[1].source = "feedonly"
    report_session.flush()
    now = datetime(2025, 3, 20, tzinfo=UTC)
    # Editions are recomputed when their reports are stored; this test moved a report by hand.
    from pipelines.storage.editions import keys_of_articles, sync_editions

    sync_editions(report_session, keys_of_articles(report_session, [rows[1].id]), now)
    report_session.flush()
    only_feed = Subscription(name="feed", channel="C0FEED0001", sources=frozenset({"feedonly"}))
    everything = Subscription(name="all", channel="C0ALL00001")
    feed_content = collect_pending(report_session, now=now, subscription=only_feed)
    all_content = collect_pending(report_session, now=now, subscription=everything)
    feed_links = {link.url for e in feed_content.events for link in e.links}
    assert feed_links == {rows[1].url}
    assert {a.url for a in feed_content.other_articles} <= {rows[1].url}
    assert len(all_content.events) > len(feed_content.events) > 0
    # The event both sources report is one row of report_events naming both.
    views = report_session.execute(
        text("SELECT event_key, sources, articles FROM report_events WHERE kind = 'conference'")
    ).all()
    both = [v for v in views if v.sources == "feedonly, ichongqing"]
    assert len(both) == 1 and both[0].articles == 2
    sources = dict(report_session.execute(text("SELECT url, source FROM report_articles")).all())
    assert sources[rows[1].url] == "feedonly" and sources[rows[0].url] == "ichongqing"


def test_a_subscription_naming_an_unknown_source_is_refused(tmp_path: Path) -> None:
    subs = tmp_path / "subs.yaml"
    subs.write_text(
        "subscriptions:\n  - name: feed\n    channel: C0FEED0001\n    sources: [nowhere]\n",
        encoding="utf-8",
    )
    settings = loopback_settings("https://www.ichongqing.info", "sqlite://", tmp_path)
    with pytest.raises(SettingError, match="unknown source 'nowhere'"):
        replace(settings, subscriptions_path=str(subs)).validate()
