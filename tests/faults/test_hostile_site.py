"""A hostile site: a redirect to another port of its host, a redirect loop, a page dated 2099
and an XML bomb in the sitemap index. Each dropped page is recorded in ``crawl_failures`` with
its reason and counted in the crawl's stats; nothing reaches the other port; every good article
is stored once and delivered once, and the next run changes nothing.

Before: the redirect to ``127.0.0.1:5432`` was followed (``allowed_domains`` ignores ports), the
loop dropped the article with ``failed 0``, the 2099 page was neither stored nor recorded and
fetched again on every run, and the bomb silently lost the articles its sitemap listed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from crawlers.sitecopy import SiteServer, article_path, build_site, load_bundled_articles
from dagster_project.cli import execute
from pipelines.core import stats as keys
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import CrawlFailure
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.helpers.db import crawls, stored_urls
from tests.slack_server import SlackServer

from .conftest import fault

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)


def failures(url: str) -> dict[str, str]:
    engine = make_engine(url)
    with session_scope(session_factory(engine)) as session:
        found = {f.url: f.reason for f in session.scalars(select(CrawlFailure))}
    engine.dispose()
    return found


def test_a_hostile_site_loses_no_good_article_and_records_every_dropped_page(
    sqlite_url: str, slack: SlackServer, tmp_path: Path
) -> None:
    articles = compact_copy(load_bundled_articles())
    since, until = compact_span()
    pages = build_site(articles)
    offsite, looping, future = (article_path(a) for a in articles[3:6])
    page = pages[future]
    dated = re.sub(rb"2025-03-0\dT", b"2099-01-01T", page.body)
    pages[future] = replace(page, body=dated)
    index = pages["/sitemap_index.xml"]
    pages["/sitemap_index.xml"] = replace(
        index, body=BOMB + re.sub(rb"^<\?xml[^>]*\?>", b"", index.body.strip())
    )
    with SiteServer(pages) as trap, SiteServer(pages) as site:
        site.redirects[offsite] = f"http://127.0.0.1:{trap.port}{offsite}"
        site.redirects[looping] = "/loop/"
        site.redirects["/loop/"] = looping
        settings = loopback_settings(site.url, sqlite_url, tmp_path / "data", slack)
        first = execute(settings, since=since, until=until)
        assert first.ok, first.problem
        posts = len(slack.posts)
        second = execute(settings, since=since, until=until)
        assert second.ok, second.problem
        trapped = trap.requests
    assert trapped == [], "a redirect left the source's port"
    stored = stored_urls(sqlite_url)
    assert len(stored) == len(articles) - 3 and max(stored.values()) == 1
    assert posts > 0 and len(slack.posts) == posts
    reasons = failures(sqlite_url)
    said = {
        "offsite": next(r for u, r in reasons.items() if offsite in u),
        "loop": next(r for u, r in reasons.items() if looping in u or "/loop/" in u),
        "2099": next(r for u, r in reasons.items() if future in u),
        "bomb": next(r for u, r in reasons.items() if u.endswith("/sitemap_index.xml")),
    }
    assert "off the source's scheme, host or port" in said["offsite"]
    assert "redirect loop: " in said["loop"]
    assert "publication date out of range: 2099-01-01" in said["2099"]
    assert "XML bomb" in said["bomb"]
    stats = crawls(sqlite_url)[0].stats or {}
    counted = {
        k: stats.get(k, 0)
        for k in (keys.OFFSITE_REDIRECT, keys.REDIRECT_LOOP, keys.DATE_OUT_OF_RANGE,
                  keys.SITEMAP_UNPARSEABLE)
    }  # fmt: skip
    assert all(counted.values()), counted
    first_line = f"failed {first.metadata['articles']['failed']}"
    fault(
        f"hostile site: 0 requests to the other port; {first_line}; recorded: "
        + "; ".join(f"{k}: {v[:70]}" for k, v in said.items())
        + f"; stats {counted}; {len(stored)} good articles stored once, delivered once"
    )
