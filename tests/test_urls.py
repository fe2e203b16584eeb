"""Canonical addresses: every variant of one article's URL has one key and one stored form."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.core.urls import SourceSite, article_date, article_key, canonical_url

CANONICAL = (
    "https://www.ichongqing.info/2023/01/16/"
    "talent-attraction-of-icvs-and-nevs%E4%B8%A8cppcc-members/"
)


@pytest.mark.parametrize(
    "variant",
    [
        CANONICAL,
        CANONICAL + "amp/",
        CANONICAL.rstrip("/"),
        CANONICAL + "?utm_source=rss&utm_medium=rss",
        CANONICAL + "#comments",
        CANONICAL.replace("https://", "http://"),
        CANONICAL.replace("www.", ""),
        CANONICAL.replace("%E4%B8%A8", "%e4%b8%a8"),
        CANONICAL.replace("%E4%B8%A8", "丨"),
    ],
)
def test_every_variant_has_one_key_and_one_canonical_form(variant: str) -> None:
    assert (
        article_key(variant)
        == "/2023/01/16/talent-attraction-of-icvs-and-nevs%E4%B8%A8cppcc-members/"
    )
    assert canonical_url(variant) == CANONICAL


def test_loopback_copy_keeps_its_host_but_shares_the_key() -> None:
    loopback = "http://127.0.0.1:8080/2024/11/26/some-story/amp/?utm_source=list"
    assert canonical_url(loopback) == "http://127.0.0.1:8080/2024/11/26/some-story/"
    assert article_key(loopback) == article_key(
        "https://www.ichongqing.info/2024/11/26/some-story/"
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://www.ichongqing.info/2024/11/26/",
        "https://www.ichongqing.info/2024/11/26/page/2/",
        "https://www.ichongqing.info/category/news/",
        "https://www.ichongqing.info/about-us/",
        "https://www.ichongqing.info/2024/13/45/not-a-date/",
    ],
)
def test_pages_that_are_not_articles_have_no_key_or_no_date(url: str) -> None:
    assert article_key(url) is None or article_date(url) is None


def test_article_date_is_the_cst_date_in_the_address() -> None:
    assert article_date(CANONICAL) == date(2023, 1, 16)


def test_source_site_maps_the_live_host_onto_the_source_and_refuses_others() -> None:
    site = SourceSite("http://127.0.0.1:9999")
    assert site.article_fetch_url(CANONICAL + "amp/?utm_source=x") == (
        "http://127.0.0.1:9999/2023/01/16/talent-attraction-of-icvs-and-nevs%E4%B8%A8cppcc-members/"
    )
    assert site.fetch_url("https://www.ichongqing.info/feed/") == "http://127.0.0.1:9999/feed/"
    assert site.fetch_url("https://evil.example/2024/01/01/x/") is None
    assert site.article_fetch_url("https://evil.example/2024/01/01/x/") is None
    assert site.fetch_url("mailto:service@ichongqing.info") is None


def test_source_site_rejects_a_non_http_url() -> None:
    with pytest.raises(ValueError, match="CQMONITOR_SOURCE_URL"):
        SourceSite("ftp://www.ichongqing.info")
