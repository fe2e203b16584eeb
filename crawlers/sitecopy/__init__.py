"""Offline copy of the iChongqing English news site, and a loopback server for it.

The demo, the tests and the benchmarks never reach the live site: they crawl this copy on
127.0.0.1. ``articles.json`` holds hand-written article records with their true labels; ``render``
turns records into the site's pages (article pages, AMP copies, feed, sitemaps, archives,
robots.txt) in the site's own theme or in a made-up redesign (``theme="newsroom"``);
``server.SiteServer`` serves them with ETag / Last-Modified, 301 / 304 / 404 and test hooks;
``synthetic`` makes thousands of records for benchmarks.

Article record (``articles.json``)::

    {"id": "S01", "post_id": 410113, "slug": "decoded-slug, may hold 丨",
     "title": "...", "authors": ["MENG RUI"],            # 0, 1 or 2 names
     "published": "2025-03-05T00:30:00+08:00", "modified": "...",   # modified optional
     "categories": ["News"], "tags": ["two sessions"],
     "blocks": [{"p": "text"}, {"h2": "subhead"}, {"strong": "subhead as a lone bold line"},
                {"figure": "caption (Photo/NAME)"}, {"raw": "<script>...</script>"}],
     "shape": {"jsonld": bool, "og_dates": bool, "byline_time": bool, "comma_space": bool,
               "related_box": bool, "ad_iframe": bool, "script": bool,
               "intern_credit": bool, "entities": bool},
     "labels": {"topics": [...], "events": [{"kind": "conference|alliance|proposal", "name": ...}],
                "acceptable_extra": [...], "near_miss": "talent_show" | ... | null, "note": ...}}

Typical use::

    from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles

    with SiteServer(build_site(load_bundled_articles())) as srv:
        crawl(srv.url)  # links inside pages name https://www.ichongqing.info

    # the same posts after a redesign the spider was not written for:
    with SiteServer(build_site(load_bundled_articles(), theme=NEWSROOM)) as srv: ...

    # or a copy whose absolute links point at the server itself:
    with SiteServer(lambda url: build_site(load_bundled_articles(), site_url=url)) as srv: ...

Command line: ``python -m crawlers.sitecopy serve [--port N] [--articles N] [--theme T]``.
"""

from .data import folded_copy, load_bundled_articles
from .markup import render_amp
from .records import (
    CST,
    DEFAULT_SITE_URL,
    SHAPE_FLAGS,
    Page,
    article_captions,
    article_path,
    article_text,
    article_url,
    edited_copy,
    encode_path,
    modified_at,
    page_key,
    published_at,
    shifted_copy,
    slugify,
    to_eval_record,
)
from .render import ICHONGQING, NEWSROOM, THEMES, build_site, render_article
from .server import RequestRecord, SiteServer
from .synthetic import synthetic_articles

__all__ = [
    "CST",
    "DEFAULT_SITE_URL",
    "ICHONGQING",
    "NEWSROOM",
    "SHAPE_FLAGS",
    "THEMES",
    "Page",
    "RequestRecord",
    "SiteServer",
    "article_captions",
    "article_path",
    "article_text",
    "article_url",
    "build_site",
    "edited_copy",
    "encode_path",
    "folded_copy",
    "load_bundled_articles",
    "modified_at",
    "page_key",
    "published_at",
    "render_amp",
    "render_article",
    "shifted_copy",
    "slugify",
    "synthetic_articles",
    "to_eval_record",
]
