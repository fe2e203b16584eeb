"""The fallback chain of each field on fixture pages, as Scrapy hands them to the spider.

Pages of the site's own theme are read by the site path alone; pages of the made-up redesign
(``theme_newsroom``), and pages written here with microdata, RDFa, a JSON-LD ``articleBody`` or
a list of links where the text should be, are read by the generic path, with provenance.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.http import HtmlResponse

from crawlers.parsing import ArticlePage, parse_article
from crawlers.parsing.generic import GenericPage
from crawlers.sitecopy import NEWSROOM, load_bundled_articles
from crawlers.sitecopy.render import article_text, article_url, render_article
from pipelines.core.text import normalise_space
from tests.helpers.text import BOILERPLATE, CAPTION, REDESIGN_BOILERPLATE

URL = "https://www.ichongqing.info/2025/03/04/drone-makers-gather/"
FIELDS = ("title", "published_at", "modified_at", "authors", "categories", "tags", "body")
TEXT = (
    "<p>Chongqing - Forty drone makers met on Tuesday in Liangjiang New Area to show delivery "
    "drones, crop sprayers and the control systems that keep them apart in crowded skies.</p>"
    "<p>Orders for the year already exceed last year's output by a third, the organisers said, "
    "and two new assembly lines will open in the spring.</p>"
)


def read(html: str | bytes, url: str = URL) -> ArticlePage:
    """The page as the spider reads it: through a Scrapy response."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    response = HtmlResponse(url=url, body=body, encoding="utf-8")
    return parse_article(response.body, response.url)


def record(article_id: str) -> dict[str, Any]:
    return next(a for a in load_bundled_articles() if a["id"] == article_id)


def truth(article: dict[str, Any]) -> str:
    return "\n\n".join(normalise_space(p) for p in article_text(article))


def paths(page: ArticlePage) -> dict[str, str | None]:
    extraction = page.extraction()
    return {name: extraction[name]["path"] for name in FIELDS}


@pytest.mark.parametrize("article_id", ["S01", "S06", "S12", "S13"])
def test_the_sites_own_pages_are_read_by_the_site_path_alone(article_id: str) -> None:
    article = record(article_id)
    page = read(render_article(article), article_url(article))
    assert all(path in ("site", None) for path in paths(page).values()), paths(page)
    assert paths(page)["body"] == paths(page)["title"] == paths(page)["published_at"] == "site"
    assert page.body.text == truth(article)
    assert not page.fallback_errors


def test_every_field_of_a_redesigned_page_is_read_and_says_by_what() -> None:
    article = record("S02")  # two authors, a photo, a related box, an edit
    page = read(render_article(article, theme=NEWSROOM), article_url(article))
    assert page.title.value == article["title"]  # og:title, " | iChongqing" dropped
    assert page.title.path == "site"
    assert page.published_at.value == datetime.fromisoformat(article["published"]).astimezone(UTC)
    assert (page.published_at.path, page.published_at.source) == (
        "fallback:htmldate",
        "htmldate+time",
    )
    assert page.extraction()["published_at"]["precise"] is True
    assert page.authors.value == article["authors"]
    assert page.authors.path == "fallback:trafilatura"
    assert page.categories.value == article["categories"]
    assert page.categories.path == "fallback:trafilatura"
    assert page.tags.value == article["tags"]  # rel=tag links: the site path still reads them
    assert (page.body_path, page.body_source) == ("fallback:trafilatura", "trafilatura")
    assert page.body.text == truth(article)
    assert page.body.captions and all(CAPTION.search(c) for c in page.body.captions)
    for line in BOILERPLATE + REDESIGN_BOILERPLATE:
        assert line not in page.body.text, line
    # What the site path missed stays on record beside what the fallback read.
    assert page.problems == ["no content element"]


def test_a_redesigned_page_keeps_the_intern_credit_and_reads_no_author_where_none_is() -> None:
    credited = record("S11")
    page = read(render_article(credited, theme=NEWSROOM), article_url(credited))
    assert page.body.credit and page.body.credit == page.body.paragraphs[-1]
    anonymous = record("S06")
    page = read(render_article(anonymous, theme=NEWSROOM), article_url(anonymous))
    assert page.authors.value == [] and page.authors.path is None
    assert page.body.text == truth(anonymous)


def _plain_page(head: str = "", byline: str = "", text: str = TEXT) -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Drone Makers Gather | "
        f"iChongqing</title>{head}</head><body><header><a href='/'>iChongqing</a></header>"
        f"<main><div class='piece'><h1>Drone Makers Gather</h1>{byline}"
        f"<div class='words'>{text}</div></div></main>"
        "<footer><p>For any inquiries, please email service@ichongqing.info</p></footer>"
        "</body></html>"
    )


def test_microdata_gives_the_instant_and_the_authors_through_extruct() -> None:
    byline = (
        '<div itemscope itemtype="https://schema.org/NewsArticle">'
        '<meta itemprop="datePublished" content="2025-03-04T09:15:00+08:00">'
        '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
        '<span itemprop="name">RAN ZHENG</span></span>'
        '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
        '<span itemprop="name">HUXIN LUO</span></span></div>'
    )
    page = read(_plain_page(byline=byline))
    assert page.published_at.value == datetime(2025, 3, 4, 1, 15, tzinfo=UTC)
    assert page.published_at.path == "fallback:extruct"
    assert page.authors.value == ["RAN ZHENG", "HUXIN LUO"]
    assert page.authors.path == "fallback:extruct"
    assert page.title.value == "Drone Makers Gather"


def test_rdfa_gives_the_instant_through_extruct() -> None:
    byline = (
        '<div vocab="https://schema.org/" typeof="BlogPosting">'
        '<span property="datePublished" content="2025-03-04T18:05:00+08:00">Mar 4</span>'
        '<span property="author" typeof="Person"><span property="name">LI MING</span></span></div>'
    )
    page = read(_plain_page(byline=byline))
    assert page.published_at.value == datetime(2025, 3, 4, 10, 5, tzinfo=UTC)
    assert page.published_at.path == "fallback:extruct"
    assert page.authors.value == ["LI MING"]


def test_a_date_far_from_the_day_the_address_names_is_another_storys() -> None:
    byline = '<p class="meta"><time datetime="2019-06-01T10:00:00+08:00">June 1, 2019</time></p>'
    page = read(_plain_page(byline=byline))
    # The address names 2025-03-04: its day stands, at midnight in Chongqing.
    assert page.published_at.source == "url"
    assert page.published_at.value == datetime(2025, 3, 3, 16, 0, tzinfo=UTC)
    assert page.extraction()["published_at"]["precise"] is False


def test_a_content_element_of_links_is_a_listing_and_the_fallback_reads_the_story() -> None:
    links = "".join(f"<p><a href='/2025/03/0{n}/other-{n}/'>Other story {n}</a></p>" for n in "123")
    html = _plain_page(text=TEXT).replace(
        "<h1>", f"<article><div class='content'>{links}</div></article><h1>"
    )
    page = read(html)
    assert page.body_path == "fallback:trafilatura"
    assert "Forty drone makers" in page.body.text and "Other story" not in page.body.text


def test_the_embedded_article_body_is_the_last_resort() -> None:
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": '
        '"NewsArticle", "headline": "Drone Makers Gather", "datePublished": '
        '"2025-03-04T09:15:00+08:00", "articleBody": "Forty drone makers met on Tuesday in '
        "Liangjiang New Area to show delivery drones, crop sprayers and the control systems that "
        'keep them apart in crowded skies."}</script>'
    )
    page = read(_plain_page(head=ld, text='<div id="app"></div><script>render()</script>'))
    assert (page.body_path, page.body_source) == ("fallback:extruct", "extruct")
    assert page.body.paragraphs[0].startswith("Forty drone makers met on Tuesday")


def test_a_page_whose_text_is_gone_has_no_body_rather_than_its_chrome() -> None:
    page = read(_plain_page(text='<div id="app"></div><script>render()</script>'))
    assert page.body.paragraphs == []
    assert page.body_path is None
    assert "empty body" in page.problems and "no content element" in page.problems


def test_both_forms_of_the_site_suffix_leave_the_title_on_every_path() -> None:
    for suffix in (" - iChongqing", " | iChongqing"):
        html = (
            _plain_page()
            .replace(" | iChongqing", suffix)
            .replace("<h1>Drone Makers Gather</h1>", "")
        )
        page = read(html)
        assert (page.title.value, page.title.source) == ("Drone Makers Gather", "markup:title")
    generic = GenericPage(_plain_page().encode(), URL)
    assert generic.title().value == "Drone Makers Gather"
    assert generic.title().path == "fallback:trafilatura"


def test_a_library_that_fails_on_a_page_is_a_field_not_found() -> None:
    generic = GenericPage(b"<html><body><p>x</p></body></html>", URL)

    def broken() -> None:
        raise ValueError("unreadable")

    assert generic.guarded("extruct", broken, "nothing") == "nothing"
    assert generic.problems == ["extruct failed: ValueError: unreadable"]
