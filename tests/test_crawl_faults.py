"""A crawler that survives a bad day, through real crawls of the site copy on loopback.

Every case runs the whole pipeline (``execute``): Scrapy in its own process, the Dagster
assets, SQLite. What failed is recorded, retried on later runs a bounded number of times, and
never crashes the run or loses stored rows.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from crawlers.sitecopy.render import Page, article_path, article_url
from dagster_project.cli import execute
from pipelines.core.urls import canonical_url
from pipelines.monitoring import assess_crawl
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, CrawlFailure, CrawlRun
from tests.conftest import compact_copy, compact_span, loopback_settings

# Each day of a run's window is a partition: the tests crawl a compact copy (6 days).
SINCE, UNTIL = compact_span()
FAST = {"CRAWL_RETRY_BACKOFF": "0.05", "DOWNLOAD_TIMEOUT": "2"}


@pytest.fixture(scope="module")
def bundled() -> list[dict[str, Any]]:
    return compact_copy(load_bundled_articles())


@pytest.fixture
def site(bundled: list[dict[str, Any]]) -> Iterator[SiteServer]:
    with SiteServer(build_site(bundled)) as server:
        yield server


def run(site: SiteServer, db: str, tmp_path: Path, **crawl: str) -> tuple[bool, dict, str]:
    settings = loopback_settings(site.url, db, tmp_path / "data")
    return execute(
        settings, since=SINCE, until=UNTIL, digest=False, crawl_settings={**FAST, **crawl}
    )


def rows(db: str) -> dict[str, Article]:
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        found = {a.url: a for a in session.scalars(select(Article))}
    engine.dispose()
    return found


def failures(db: str) -> dict[str, CrawlFailure]:
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        found = {f.url: f for f in session.scalars(select(CrawlFailure))}
    engine.dispose()
    return found


def last_run(db: str) -> CrawlRun:
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        found = session.scalars(select(CrawlRun).order_by(CrawlRun.id.desc())).first()
    engine.dispose()
    assert found is not None
    return found


def requests_for(site: SiteServer, path: str) -> list[int]:
    return [r.status for r in site.requests if r.key == path]


def test_503_twice_then_200_is_stored(
    bundled: list[dict[str, Any]], site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    target = bundled[5]
    site.add_fault(article_path(target), 503, 503)
    ok, metadata, reason = run(site, sqlite_url, tmp_path)
    assert ok, reason
    assert requests_for(site, article_path(target)) == [503, 503, 200]
    assert article_url(target) in rows(sqlite_url)
    assert len(rows(sqlite_url)) == len(bundled)


def test_404_is_recorded_the_run_succeeds_and_later_runs_retry_a_bounded_number_of_times(
    bundled: list[dict[str, Any]], site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    target = bundled[7]
    path = article_path(target)
    page = site.pages[path]
    site.update(path, None)  # still listed in the feed and sitemaps
    ok, _, reason = run(site, sqlite_url, tmp_path)
    assert ok, reason
    assert len(rows(sqlite_url)) == len(bundled) - 1
    (failure,) = failures(sqlite_url).values()
    assert failure.reason == "HTTP 404" and failure.attempts == 1 and failure.resolved_at is None
    assert failure.url.endswith(path.replace("丨", "%E4%B8%A8"))

    # Tried again on the next runs, until the bound (2 here), then left for an operator.
    run(site, sqlite_url, tmp_path, CRAWL_MAX_FAILURE_ATTEMPTS="2")
    assert next(iter(failures(sqlite_url).values())).attempts == 2
    site.clear_requests()
    run(site, sqlite_url, tmp_path, CRAWL_MAX_FAILURE_ATTEMPTS="2")
    assert requests_for(site, path) == []

    # Back on the site and the bound raised: stored, and the failure marked resolved.
    site.update(path, page)
    ok, metadata, reason = run(site, sqlite_url, tmp_path, CRAWL_MAX_FAILURE_ATTEMPTS="5")
    assert ok, reason
    assert article_url(target) in rows(sqlite_url)
    assert next(iter(failures(sqlite_url).values())).resolved_at is not None


def test_a_timeout_is_retried_then_recorded(
    bundled: list[dict[str, Any]], site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    target = bundled[2]
    site.delays[article_path(target)] = 4.0
    ok, _, reason = run(site, sqlite_url, tmp_path, DOWNLOAD_TIMEOUT="1", RETRY_TIMES="1")
    assert ok, reason
    assert len(requests_for(site, article_path(target))) <= 2
    (failure,) = failures(sqlite_url).values()
    assert "Timeout" in failure.reason or "timed out" in failure.reason.lower()
    assert len(rows(sqlite_url)) == len(bundled) - 1


def test_oversized_pages_and_decompression_bombs_are_dropped(
    bundled: list[dict[str, Any]], site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    huge, bomb = bundled[9], bundled[10]
    original = site.pages[article_path(huge)]
    padding = b"<!--" + b"x" * (3 * 1024 * 1024) + b"-->"
    site.update(article_path(huge), replace(original, body=original.body + padding))
    zeros = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)
    bomb_page = site.pages[article_path(bomb)]
    site.update(
        article_path(bomb),
        replace(bomb_page, body=zeros, headers=(("Content-Encoding", "gzip"),)),
    )
    ok, _, reason = run(site, sqlite_url, tmp_path, DOWNLOAD_MAXSIZE=str(1024 * 1024))
    assert ok, reason
    stored = rows(sqlite_url)
    assert article_url(huge) not in stored and article_url(bomb) not in stored
    assert len(stored) == len(bundled) - 2
    assert len(failures(sqlite_url)) == 2


def test_redirects_off_the_source_host_are_not_followed(
    bundled: list[dict[str, Any]], site: SiteServer, sqlite_url: str, tmp_path: Path
) -> None:
    target = bundled[11]
    with SiteServer(build_site(bundled), host="127.0.0.2") as elsewhere:
        site.redirects[article_path(target)] = elsewhere.url + article_path(target)
        ok, _, reason = run(site, sqlite_url, tmp_path)
        assert ok, reason
        assert elsewhere.requests == []
    assert article_url(target) not in rows(sqlite_url)
    assert len(rows(sqlite_url)) == len(bundled) - 1


def test_every_address_variant_is_one_row(
    bundled: list[dict[str, Any]], sqlite_url: str, tmp_path: Path
) -> None:
    pages = build_site(bundled)
    sitemap = pages["/post-sitemap.xml"]
    text = sitemap.body.decode("utf-8")
    variants = [
        lambda u: u + "amp/",
        lambda u: u.rstrip("/"),
        lambda u: u.replace("https://", "http://"),
        lambda u: u + "?utm_source=sitemap&utm_medium=xml",
        lambda u: u.replace("www.", ""),
        lambda u: re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), u),
    ]
    locs = re.findall(r"<loc>([^<]+)</loc>", text)
    for n, loc in enumerate(locs):
        changed = variants[n % len(variants)](loc).replace("&", "&amp;")
        text = text.replace(f"<loc>{loc}</loc>", f"<loc>{changed}</loc>", 1)
    pages["/post-sitemap.xml"] = replace(sitemap, body=text.encode("utf-8"))
    with SiteServer(pages) as server:
        ok, _, reason = run(server, sqlite_url, tmp_path)
    assert ok, reason
    stored = rows(sqlite_url)
    assert sorted(stored) == sorted(article_url(a) for a in bundled)
    assert all(canonical_url(url) == url for url in stored)


def test_a_markup_change_that_hides_dates_flags_the_run_and_keeps_the_rows(
    bundled: list[dict[str, Any]], sqlite_url: str, tmp_path: Path
) -> None:
    pages = build_site(bundled)
    for path, page in list(pages.items()):
        if page.content_type.startswith("text/html") and path.count("/") == 5:
            html = page.body.decode("utf-8")
            html = re.sub(r'<script type="application/ld\+json".*?</script>', "", html, flags=re.S)
            html = re.sub(r'<meta property="article:[a-z_]+" content="[^"]*">', "", html)
            html = re.sub(r'<time[^>]*datetime="[^"]*"[^>]*>', "<time>", html)
            pages[path] = replace(page, body=html.encode("utf-8"))
    with SiteServer(pages) as server:
        ok, _, reason = run(server, sqlite_url, tmp_path)
    assert not ok
    assert "coverage of published_at" in reason
    crawl = last_run(sqlite_url)
    assert crawl.status == "markup_changed" and "published_at" in (crawl.message or "")
    # Nothing is lost: the rows are stored with the best date the page still gives.
    assert len(rows(sqlite_url)) == len(bundled)


def test_renamed_content_classes_are_read_by_the_fallback_and_named_as_drift(
    bundled: list[dict[str, Any]], sqlite_url: str, tmp_path: Path
) -> None:
    pages = {
        path: replace(
            page,
            body=page.body.replace(b"entry-content", b"story-body")
            .replace(b"amp-wp-article-content", b"story-body")
            .replace(b"post-content", b"story"),
        )
        for path, page in build_site(bundled).items()
    }
    with SiteServer(pages) as server:
        ok, _, reason = run(server, sqlite_url, tmp_path)
    assert ok, reason
    stored = rows(sqlite_url)
    assert len(stored) == len(bundled) and all(a.body_text for a in stored.values())
    assert all(a.extraction["body"]["path"] == "fallback:trafilatura" for a in stored.values())
    crawl = last_run(sqlite_url)
    assert crawl.status == "success"
    health = assess_crawl(crawl.stats)
    assert health.ok and health.drift == ["body_text"]
    assert health.warnings == [
        f"body read by fallback on {len(bundled)} of {len(bundled)} pages: "
        "the site's markup changed"
    ]
    assert health.field_paths["body_text"]["fallback"] == 1.0


def test_articles_listed_but_unreadable_fail_the_run(
    bundled: list[dict[str, Any]], sqlite_url: str, tmp_path: Path
) -> None:
    # The text is gone from the pages (rendered by a script, say): the fallbacks find none.
    script = b'<div id="app"></div><script>renderStory()</script></div>'
    pages = {
        path: replace(
            page,
            body=re.sub(
                rb'(<div class="(?:post-content entry-content|amp-wp-article-content)">).*?'
                rb"</div>\n(?=<div class=\"post-tags\"|</article>)",
                lambda m: m.group(1) + script + b"\n",
                page.body,
                flags=re.S,
            ),
        )
        for path, page in build_site(bundled).items()
    }
    with SiteServer(pages) as server:
        ok, _, reason = run(server, sqlite_url, tmp_path)
    assert not ok
    assert "none could be read" in reason or "coverage of body_text" in reason
    assert last_run(sqlite_url).status == "markup_changed"
    assert len(failures(sqlite_url)) == len(bundled)


def _without(pages: dict[str, Page], *patterns: str) -> dict[str, Page]:
    return {p: page for p, page in pages.items() if not any(re.search(x, p) for x in patterns)}


ARCHIVES = r"^/\d{4}/\d{2}/\d{2}/(page/\d+/)?$"


def test_without_sitemaps_the_category_listings_find_every_article(
    bundled: list[dict[str, Any]], sqlite_url: str, tmp_path: Path
) -> None:
    pages = _without(build_site(bundled), "sitemap", "^/feed", ARCHIVES)
    with SiteServer(pages) as server:
        ok, _, reason = run(server, sqlite_url, tmp_path)
        walked = [r.key for r in server.requests if r.key.startswith(("/latest/", "/category/"))]
    assert ok, reason
    assert walked, "the listings were not walked"
    assert sorted(rows(sqlite_url)) == sorted(article_url(a) for a in bundled)


def test_a_site_where_nothing_lists_an_article_is_flagged(sqlite_url: str, tmp_path: Path) -> None:
    pages = _without(
        build_site(compact_copy(load_bundled_articles())),
        "sitemap",
        "^/feed",
        ARCHIVES,
        "^/latest/",
        "^/category/",
    )
    with SiteServer(pages) as server:
        ok, _, reason = run(server, sqlite_url, tmp_path)
    assert not ok
    assert "no article link found" in reason
