"""The health judgement of a crawl's stats: failure only when even the fallbacks read too little,
drift (a field read by fallback on more than 20 % of the pages) a warning; and the stats one
article page adds."""

from __future__ import annotations

from typing import Any

from crawlers.parsing import page_to_item, parse_article
from crawlers.pipelines import field_stats
from crawlers.sitecopy import NEWSROOM, load_bundled_articles
from crawlers.sitecopy.render import article_url, render_article
from pipelines.core import stats as keys
from pipelines.core.statuses import CrawlStatus
from pipelines.monitoring import assess_crawl

FIELDS = ("title", "published_at", "body_text", "author")


def crawl_stats(pages: int, *, fallback: dict[str, int], covered: int | None = None) -> dict:
    """Stats of a crawl of ``pages`` article pages, ``fallback[field]`` of them read by fallback."""
    stats: dict[str, Any] = {
        keys.FEED_ENTRIES: pages,
        keys.scheduled("feed"): pages,
        keys.ARTICLES_SCRAPED: pages,
    }
    for name in FIELDS:
        stats[keys.coverage(name)] = pages if covered is None else covered
        on_fallback = fallback.get(name, 0)
        stats[keys.field_path(name, keys.PATH_FALLBACK)] = on_fallback
        stats[keys.field_path(name, keys.PATH_SITE)] = pages - on_fallback
    return stats


def test_a_crawl_read_by_the_site_path_is_healthy_and_quiet() -> None:
    health = assess_crawl(crawl_stats(28, fallback={}))
    assert health.status == CrawlStatus.SUCCESS
    assert health.warnings == [] and health.drift == []
    assert health.field_paths["body_text"] == {"site": 1.0, "fallback": 0.0, "none": 0.0}


def test_a_crawl_on_fallbacks_is_a_warning_that_names_the_field_not_a_failure() -> None:
    health = assess_crawl(crawl_stats(28, fallback={"body_text": 28, "published_at": 28}))
    assert health.status == CrawlStatus.SUCCESS and not health.problems
    assert health.drift == ["published_at", "body_text"]
    assert "body read by fallback on 28 of 28 pages: the site's markup changed" in health.warnings
    assert health.field_paths["body_text"]["fallback"] == 1.0


def test_drift_starts_past_a_fifth_of_the_pages() -> None:
    assert assess_crawl(crawl_stats(10, fallback={"title": 2})).drift == []
    assert assess_crawl(crawl_stats(10, fallback={"title": 3})).drift == ["title"]


def test_the_crawl_fails_only_when_even_the_fallbacks_read_too_little() -> None:
    health = assess_crawl(crawl_stats(28, fallback={"body_text": 28}, covered=10))
    assert health.status == CrawlStatus.MARKUP_CHANGED
    assert any("coverage of body_text" in p and "even with the" in p for p in health.problems)


def test_an_article_page_adds_its_coverage_source_and_path_of_every_field() -> None:
    article = next(a for a in load_bundled_articles() if a["id"] == "S02")
    own = page_to_item(parse_article(render_article(article), article_url(article)))
    redesigned = page_to_item(
        parse_article(render_article(article, theme=NEWSROOM), article_url(article))
    )
    mine, theirs = field_stats(own), field_stats(redesigned)
    assert keys.field_path("body_text", "site") in mine
    assert keys.source("body_text", "markup") in mine
    assert keys.field_path("body_text", "fallback") in theirs
    assert keys.source("body_text", "trafilatura") in theirs
    # A precise instant read by htmldate covers the date as the site path's would.
    assert keys.coverage("published_at") in mine and keys.coverage("published_at") in theirs
    assert keys.field_path("published_at", "fallback") in theirs
    assert keys.ARTICLES_DATE_IMPRECISE not in theirs
