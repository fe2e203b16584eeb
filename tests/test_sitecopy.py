"""Tests of the offline site copy: bundled data coverage, rendering, and the loopback server."""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup

from crawlers.sitecopy import (
    CST,
    DEFAULT_SITE_URL,
    NEWSROOM,
    SHAPE_FLAGS,
    Page,
    SiteServer,
    article_captions,
    article_path,
    article_text,
    article_url,
    build_site,
    edited_copy,
    load_bundled_articles,
    modified_at,
    published_at,
    shifted_copy,
    synthetic_articles,
    to_eval_record,
)
from crawlers.sitecopy.render import INTERN_CREDIT

SITE = DEFAULT_SITE_URL
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TOPICS = {"talent", "aerospace_information", "nev_icv"}
EVENT_KINDS = {"conference", "alliance", "proposal"}
NEAR_MISSES = {
    "talent_show",
    "press_conference",
    "office_space",
    "sports_league",
    "everyday_proposal",
    "rented_ev",
    "drone_show",
}


# ---------------------------------------------------------------------------------------------
# helpers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) without following redirects or raising on 3xx/4xx/5xx."""
    req = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers.items()), err.read()


def local(srv: SiteServer, absolute: str) -> str:
    """Map an absolute link of the real site onto the loopback server."""
    parts = urlsplit(absolute)
    return srv.url + parts.path + (f"?{parts.query}" if parts.query else "")


def raw_get(srv: SiteServer, target: bytes) -> tuple[int, bytes]:
    """Send a request line with raw (unencoded) bytes, as some clients do."""
    with socket.create_connection((srv.host, srv.port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def full_text(article: dict[str, Any]) -> str:
    return " ".join([article["title"], *article_text(article)]).replace("\u00a0", " ")


@pytest.fixture(scope="module")
def articles() -> list[dict[str, Any]]:
    return load_bundled_articles()


@pytest.fixture(scope="module")
def pages(articles: list[dict[str, Any]]) -> dict[str, Page]:
    # Small sitemaps so that the index lists several post sitemaps.
    return build_site(articles, per_sitemap=10)


@pytest.fixture(scope="module")
def srv(pages: dict[str, Page]) -> Iterator[SiteServer]:
    with SiteServer(pages) as server:
        yield server


# ---------------------------------------------------------------------------------------------
# bundled data


def test_bundled_records_are_well_formed(articles: list[dict[str, Any]]) -> None:
    assert len(articles) >= 34
    assert len({a["id"] for a in articles}) == len(articles)
    assert len({a["post_id"] for a in articles}) == len(articles)
    assert len({article_path(a) for a in articles}) == len(articles)
    for a in articles:
        assert set(a["shape"]) == set(SHAPE_FLAGS), a["id"]
        assert len(a["authors"]) <= 2
        assert published_at(a).utcoffset() == CST.utcoffset(None)
        assert modified_at(a) >= published_at(a)
        labels = a["labels"]
        assert set(labels["topics"]) <= TOPICS
        assert all(e["kind"] in EVENT_KINDS for e in labels["events"])
        # An event is named as written: its name must appear in the article's text.
        for event in labels["events"]:
            assert event["name"].lower() in full_text(a).lower(), (a["id"], event)
        shape = a["shape"]
        assert shape["jsonld"] or shape["og_dates"] or shape["byline_time"], a["id"]


def test_bundled_data_covers_topics_events_and_near_misses(
    articles: list[dict[str, Any]],
) -> None:
    topic_counts = Counter(t for a in articles for t in a["labels"]["topics"])
    assert all(topic_counts[t] >= 3 for t in TOPICS), topic_counts
    assert any(len(a["labels"]["topics"]) >= 2 for a in articles)
    assert any(not a["labels"]["topics"] for a in articles)
    kinds = Counter(e["kind"] for a in articles for e in a["labels"]["events"])
    assert all(kinds[k] >= 2 for k in EVENT_KINDS), kinds
    # an event on no topic (the digest leaves it out) and an article with several events
    assert any(a["labels"]["events"] and not a["labels"]["topics"] for a in articles)
    assert any(len(a["labels"]["events"]) >= 2 for a in articles)
    near = {a["labels"]["near_miss"] for a in articles} - {None}
    assert near >= NEAR_MISSES
    for a in articles:
        if a["labels"]["near_miss"] not in (None, "press_conference"):
            assert not a["labels"]["events"] and not a["labels"]["topics"], a["id"]


def test_bundled_data_covers_every_page_shape(articles: list[dict[str, Any]]) -> None:
    for flag in SHAPE_FLAGS:
        values = {a["shape"][flag] for a in articles}
        assert values == {True, False}, flag
    assert any(
        not a["shape"]["jsonld"] and not a["shape"]["og_dates"] and a["shape"]["byline_time"]
        for a in articles
    )
    assert {len(a["authors"]) for a in articles} == {0, 1, 2}
    kinds = {k for a in articles for b in a["blocks"] for k in b}
    assert {"p", "h2", "strong", "figure"} <= kinds
    captions = [c for a in articles for c in article_captions(a)]
    assert any(re.search(r"\(Photo/[^)]+\)$", c) for c in captions)
    assert any(re.search(r"\(Photo / [^)]+\)$", c) for c in captions)
    for a in articles:
        last = article_text(a)[-1]
        assert bool(INTERN_CREDIT.match(last)) == a["shape"]["intern_credit"], a["id"]
        if a["shape"]["entities"]:
            raw = " ".join([a["title"], *article_text(a)])
            assert re.search("[\u00a0\u2018\u2019\u201c\u201d]", raw), a["id"]
    assert any("\u00a0" in p for a in articles for p in article_text(a))
    assert sum(article_text(a)[0].startswith("Chongqing - ") for a in articles) >= 30
    assert any(not article_text(a)[0].startswith("Chongqing - ") for a in articles)


def test_bundled_data_dates_and_addresses(articles: list[dict[str, Any]]) -> None:
    days = Counter(published_at(a).astimezone(CST).date() for a in articles)
    assert max(days.values()) > 10
    assert {d.year for d in days} >= {2024, 2025}
    # published just after midnight CST: still the previous day in UTC
    assert any(
        published_at(a).astimezone(CST).date() != published_at(a).astimezone(UTC).date()
        for a in articles
    )
    assert any(not a["slug"].isascii() for a in articles)
    assert any(modified_at(a) > published_at(a) for a in articles)


# ---------------------------------------------------------------------------------------------
# rendering


def test_article_pages_carry_metadata(
    pages: dict[str, Page], articles: list[dict[str, Any]]
) -> None:
    for a in articles:
        page = pages[article_path(a)]
        assert page.content_type.startswith("text/html")
        soup = BeautifulSoup(page.body, "lxml")
        url = article_url(a)
        assert soup.select_one("link[rel=canonical]")["href"] == url
        assert soup.select_one("link[rel=amphtml]")["href"] == url + "amp/"
        assert soup.select_one("meta[property='og:url']")["content"] == url
        assert soup.select_one("h1.post-title").get_text() == a["title"]
        names = [s.get_text() for s in soup.select("div.post-meta span.author-name")]
        assert names == a["authors"]
        content = soup.select_one("div.post-content.entry-content")
        own = [t for t in article_text(a)]
        texts = [el.get_text() for el in content.find_all(["p", "h2"], recursive=False)]
        assert texts == own
        assert [f.get_text() for f in content.select("figcaption")] == article_captions(a)
        instants = []
        for script in soup.select("script[type='application/ld+json']"):
            m = re.search(r'"datePublished": "([^"]+)"', script.string)
            instants.append(m.group(1))
        og = soup.select_one("meta[property='article:published_time']")
        if og:
            instants.append(og["content"])
        t = soup.select_one("div.post-meta time[datetime]")
        if t:
            instants.append(t["datetime"])
        assert instants and all(datetime.fromisoformat(i) == published_at(a) for i in instants)
        assert bool(soup.select("script[type='application/ld+json']")) == a["shape"]["jsonld"]
        assert bool(og) == a["shape"]["og_dates"]
        assert bool(content.select("div.related-stories")) == a["shape"]["related_box"]
        assert bool(content.select("iframe")) == a["shape"]["ad_iframe"]
        assert bool(content.select("script")) == a["shape"]["script"]
        assert (b"&#8217;" in page.body or b"&nbsp;" in page.body) == a["shape"]["entities"]
        date_text = soup.select_one("div.post-meta .post-date").get_text()
        assert (", " in date_text) == a["shape"]["comma_space"]
        amp = BeautifulSoup(pages[article_path(a) + "amp/"].body, "lxml")
        assert amp.select_one("link[rel=canonical]")["href"] == url
        assert datetime.fromisoformat(amp.select_one("time")["datetime"]) == published_at(a)
    body = next(iter(pages.values())).body.decode()
    assert "iChongqing Title" in body and "A Tour in Chongqing, A Gain in Vision" in body


def test_non_ascii_slugs_are_encoded_in_links(
    pages: dict[str, Page], articles: list[dict[str, Any]]
) -> None:
    a = next(a for a in articles if not a["slug"].isascii())
    encoded = quote(article_path(a))
    assert "%E4%B8%A8" in encoded
    assert article_url(a) == SITE + encoded
    assert pages["/feed/"].body.count(encoded.encode()) >= 1
    for path, page in pages.items():
        if page.content_type.startswith("text/html"):
            hrefs = re.findall(rb'href="([^"]*)"', page.body)
            assert all(h.isascii() for h in hrefs), path


def test_synthetic_articles_are_deterministic_and_render() -> None:
    first = synthetic_articles(2000, seed=3)
    assert first == synthetic_articles(2000, seed=3)
    assert first != synthetic_articles(2000, seed=4)
    assert len({article_path(a) for a in first}) == 2000
    assert {t for a in first for t in a["labels"]["topics"]} == TOPICS
    assert {e["kind"] for a in first for e in a["labels"]["events"]} == EVENT_KINDS
    for a in first:
        for event in a["labels"]["events"]:
            assert event["name"].lower() in full_text(a).lower()
    site = build_site(load_bundled_articles() + first)
    locs = []
    index = ET.fromstring(site["/sitemap_index.xml"].body)
    for loc in index.iter(SM + "loc"):
        sitemap = ET.fromstring(site[urlsplit(loc.text).path].body)
        locs += [u.text for u in sitemap.iter(SM + "loc")]
    assert len(locs) == len(set(locs)) == 2000 + len(load_bundled_articles()) + 3


def test_edited_copy_and_eval_record(articles: list[dict[str, Any]]) -> None:
    a = articles[0]
    edited = edited_copy(a)
    assert modified_at(edited) > modified_at(a)
    assert article_text(edited) != article_text(a)
    assert edited["published"] == a["published"] and a.get("modified") != edited["modified"]
    moved = shifted_copy(articles, date(2030, 6, 1))
    newest = max(published_at(x) for x in moved).astimezone(CST)
    assert newest.date() == date(2030, 6, 1)
    assert [published_at(x).time() for x in moved] == [published_at(x).time() for x in articles]
    assert articles[0]["published"] == a["published"]
    record = to_eval_record(a)
    assert record["source_url"] == article_url(a)
    assert record["paragraphs"] == article_text(a)
    assert record["labels"]["topics"] == a["labels"]["topics"]


# ---------------------------------------------------------------------------------------------
# the site over HTTP


def test_robots_and_content_types(srv: SiteServer) -> None:
    status, headers, body = fetch(srv.url + "/robots.txt")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    text = body.decode()
    assert "Disallow: /wp-admin/" in text and "Disallow: /ads/" in text
    assert f"Sitemap: {SITE}/sitemap_index.xml" in text
    assert fetch(srv.url + "/feed/")[1]["Content-Type"].startswith("application/rss+xml")
    assert fetch(srv.url + "/sitemap_index.xml")[1]["Content-Type"].startswith("application/xml")
    assert fetch(srv.url + "/about-us/")[0] == 200
    assert fetch(srv.url + "/ads/click/")[0] == 200


def test_sitemaps_list_every_article_once(srv: SiteServer, articles: list[dict[str, Any]]) -> None:
    _, _, body = fetch(srv.url + "/sitemap_index.xml")
    index = ET.fromstring(body)
    sitemaps = [
        (s.find(SM + "loc").text, s.find(SM + "lastmod").text) for s in index.iter(SM + "sitemap")
    ]
    names = [urlsplit(loc).path for loc, _ in sitemaps]
    assert names[:2] == ["/post-sitemap.xml", "/post-sitemap2.xml"]
    assert "/page-sitemap.xml" in names
    seen: list[str] = []
    for loc, lastmod in sitemaps:
        if "post-sitemap" not in loc:
            continue
        status, _, xml = fetch(local(srv, loc))
        assert status == 200
        urls = ET.fromstring(xml).findall(SM + "url")
        stamps = [datetime.fromisoformat(u.find(SM + "lastmod").text) for u in urls]
        assert max(stamps) == datetime.fromisoformat(lastmod)
        seen += [u.find(SM + "loc").text for u in urls]
    assert Counter(seen) == Counter(article_url(a) for a in articles)
    by_url = {article_url(a): a for a in articles}
    _, _, xml = fetch(srv.url + "/post-sitemap.xml")
    for u in ET.fromstring(xml).findall(SM + "url"):
        a = by_url[u.find(SM + "loc").text]
        assert datetime.fromisoformat(u.find(SM + "lastmod").text) == modified_at(a)
    _, _, xml = fetch(srv.url + "/page-sitemap.xml")
    page_locs = [u.text for u in ET.fromstring(xml).iter(SM + "loc")]
    assert SITE + "/about-us/" in page_locs
    assert all(fetch(local(srv, loc))[0] == 200 for loc in page_locs)


def test_feed_lists_newest_posts(srv: SiteServer, articles: list[dict[str, Any]]) -> None:
    _, _, body = fetch(srv.url + "/feed/")
    channel = ET.fromstring(body).find("channel")
    items = channel.findall("item")
    assert len(items) == 20
    newest = sorted(articles, key=lambda a: (published_at(a), a["post_id"]), reverse=True)[:20]
    dc = "{http://purl.org/dc/elements/1.1/}creator"
    for item, a in zip(items, newest, strict=True):
        assert item.findtext("title") == a["title"]
        assert item.findtext("link") == article_url(a) + "?utm_source=rss&utm_medium=rss"
        assert item.findtext("guid") == f"{SITE}/?p={a['post_id']}"
        when = parsedate_to_datetime(item.findtext("pubDate"))
        assert when == published_at(a) and item.findtext("pubDate").endswith("+0000")
        assert [c.text for c in item.findall(dc) if c.text] == a["authors"]
        assert [c.text for c in item.findall("category")] == a["categories"] + a["tags"]


def _listing(srv: SiteServer, url: str) -> tuple[list[str], str | None, BeautifulSoup]:
    status, _, body = fetch(url)
    assert status == 200, url
    soup = BeautifulSoup(body, "lxml")
    links = [a["href"] for a in soup.select(".news-list .news-item h2.news-title a")]
    nxt = soup.select_one("a.next")
    return links, (nxt["href"] if nxt else None), soup


def _canonical(link: str) -> str:
    path = urlsplit(link).path
    return SITE + (path if path.endswith("/") else path + "/")


def test_busy_day_archive_paginates(srv: SiteServer, articles: list[dict[str, Any]]) -> None:
    days = Counter(published_at(a).astimezone(CST).date() for a in articles)
    day, count = days.most_common(1)[0]
    assert count > 10
    first, nxt, soup = _listing(srv, srv.url + f"/{day:%Y/%m/%d}/")
    assert len(first) == 10
    assert nxt == f"{SITE}/{day:%Y/%m/%d}/page/2/"
    second, last, _ = _listing(srv, local(srv, nxt))
    assert last is None and len(second) == count - 10
    expected = sorted(
        (a for a in articles if published_at(a).astimezone(CST).date() == day),
        key=published_at,
        reverse=True,
    )
    assert [_canonical(x) for x in first + second] == [article_url(a) for a in expected]
    # like the live site: tracking queries, links without the final slash, and an /ads/ trap
    hrefs = [a["href"] for a in soup.select(".news-item a")]
    assert any(h.endswith("?utm_source=list") for h in hrefs)
    assert any(not urlsplit(h).path.endswith("/") for h in hrefs)
    assert any(urlsplit(a["href"]).path.startswith("/ads/") for a in soup.select("a[href]"))


def test_category_and_latest_listings_cover_posts(
    srv: SiteServer, articles: list[dict[str, Any]]
) -> None:
    for start, wanted in (
        ("/category/news/", [a for a in articles if "News" in a["categories"]]),
        ("/latest/", articles),
    ):
        url: str | None = srv.url + start
        found: list[str] = []
        while url:
            links, nxt, _ = _listing(srv, url)
            found += [_canonical(x) for x in links]
            url = local(srv, nxt) if nxt else None
        assert Counter(found) == Counter(article_url(a) for a in wanted)


def test_conditional_requests(srv: SiteServer, articles: list[dict[str, Any]]) -> None:
    url = srv.url + quote(article_path(articles[0]))
    status, headers, body = fetch(url)
    assert status == 200 and body
    etag, last_modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert parsedate_to_datetime(last_modified) == modified_at(articles[0])
    status, headers304, body = fetch(url, headers={"If-None-Match": etag})
    assert status == 304 and body == b"" and headers304["ETag"] == etag
    assert fetch(url, headers={"If-Modified-Since": last_modified})[0] == 304
    assert fetch(url, headers={"If-None-Match": '"other"'})[0] == 200
    older = format_datetime(datetime(2020, 1, 1, tzinfo=UTC), usegmt=True)
    assert fetch(url, headers={"If-Modified-Since": older})[0] == 200
    status, headers, body = fetch(url, method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_redirects_and_not_found(srv: SiteServer, articles: list[dict[str, Any]]) -> None:
    path = quote(article_path(articles[0]))
    status, headers, _ = fetch(srv.url + path.rstrip("/") + "?utm_source=list")
    assert status == 301
    assert headers["Location"] == path + "?utm_source=list"
    assert fetch(srv.url + "/feed")[0] == 301
    status, headers, body = fetch(srv.url + "/2025/01/01/no-such-story/")
    assert status == 404 and headers["Content-Type"].startswith("text/html") and b"404" in body
    assert fetch(srv.url + "/wp-admin/")[0] == 404


def test_non_ascii_slug_reachable_encoded_and_raw(
    srv: SiteServer, articles: list[dict[str, Any]]
) -> None:
    a = next(a for a in articles if not a["slug"].isascii())
    status, _, body = fetch(srv.url + quote(article_path(a)) + "?utm_source=rss&utm_medium=rss")
    assert status == 200 and a["title"].encode() in body
    status, body = raw_get(srv, article_path(a).encode())
    assert status == 200 and a["title"].encode() in body
    # lowercase percent-escapes decode to the same page
    status, _, _ = fetch(srv.url + quote(article_path(a)).replace("%E4%B8%A8", "%e4%b8%a8"))
    assert status == 200
    status, headers, _ = fetch(srv.url + quote(article_path(a)).rstrip("/"))
    assert status == 301 and headers["Location"] == quote(article_path(a))


def test_faults_delays_log_and_updates(articles: list[dict[str, Any]]) -> None:
    a = articles[1]
    path = article_path(a)
    with SiteServer(build_site(articles), faults={quote(path): [503, 503]}) as srv:
        url = srv.url + quote(path)
        ua = {"User-Agent": "cqmonitor-test (ops@example.org)"}
        statuses = [fetch(url, headers=ua)[0] for _ in range(3)]
        assert statuses == [503, 503, 200]
        log = [r for r in srv.requests if r.key == path]
        assert [r.status for r in log] == [503, 503, 200]
        assert log[0].headers["User-Agent"] == ua["User-Agent"]
        assert log[0].method == "GET" and log[0].path == quote(path)

        srv.add_fault("/feed/", 500)
        assert [fetch(srv.url + "/feed/")[0] for _ in range(2)] == [500, 200]

        srv.delays["/robots.txt"] = 0.3
        started = time.monotonic()
        assert fetch(srv.url + "/robots.txt")[0] == 200
        assert time.monotonic() - started >= 0.3

        _, headers, _ = fetch(url)
        changed = edited_copy(a)
        srv.set_pages(build_site([changed if x is a else x for x in articles]))
        status, new_headers, body = fetch(url, headers={"If-None-Match": headers["ETag"]})
        assert status == 200 and new_headers["ETag"] != headers["ETag"]
        assert article_text(changed)[-1].encode() in body.replace(b"&#8217;", "\u2019".encode())
        srv.update(path, None)
        assert fetch(url)[0] == 404
        srv.update(quote(path), Page(b"hello", "text/plain; charset=utf-8", modified_at(a)))
        assert fetch(url)[2] == b"hello"
        srv.clear_requests()
        assert srv.requests == []


def test_self_hosted_copy_links_to_the_server(articles: list[dict[str, Any]]) -> None:
    with SiteServer(lambda url: build_site(articles, site_url=url)) as srv:
        _, _, body = fetch(srv.url + "/sitemap_index.xml")
        first = ET.fromstring(body).find(SM + "sitemap").find(SM + "loc").text
        assert first.startswith(srv.url)
        status, _, _ = fetch(first)
        assert status == 200


# ---------------------------------------------------------------------------------------------
# the second theme


def test_the_redesign_keeps_the_posts_and_drops_every_marker_of_the_site_path(
    articles: list[dict[str, Any]], pages: dict[str, Page]
) -> None:
    redesign = build_site(articles, per_sitemap=10, theme=NEWSROOM)
    assert redesign.keys() == pages.keys()
    # Feed, sitemaps, robots and AMP copies are WordPress's and its plugins', not the theme's.
    for path in ("/feed/", "/sitemap_index.xml", "/post-sitemap.xml", "/robots.txt"):
        assert redesign[path].body == pages[path].body
    for article in articles:
        html = redesign[article_path(article)].body.decode("utf-8")
        assert redesign[article_path(article) + "amp/"] == pages[article_path(article) + "amp/"]
        for marker in (
            "application/ld+json",
            "article:published_time",
            "entry-content",
            "post-meta",
            "author-name",
            "<article",
        ):
            assert marker not in html, (article["id"], marker)
        soup = BeautifulSoup(html, "lxml")
        body = soup.select_one("div.story-body")
        assert body is not None and soup.select_one("#mc_embed_signup form") is not None
        text = " ".join(body.get_text(" ").split())
        for paragraph in article_text(article):
            assert " ".join(paragraph.replace("\u00a0", " ").split()) in text
        names = [a.get_text() for a in soup.select("p.story-byline a[rel=author]")]
        assert names == article["authors"]
        assert soup.title is not None and soup.title.get_text().endswith(" | iChongqing")


def test_the_redesigns_listings_still_list_every_post(articles: list[dict[str, Any]]) -> None:
    from crawlers.parsing import parse_listing

    redesign = build_site(articles, theme=NEWSROOM)
    links, next_url = parse_listing(redesign["/latest/"].body)
    assert len(links) == 10 and next_url and next_url.endswith("/latest/page/2/")


def test_an_unknown_theme_is_a_clear_error(articles: list[dict[str, Any]]) -> None:
    with pytest.raises(ValueError, match="unknown theme 'nope': expected one of ichongqing"):
        build_site(articles, theme="nope")


def test_the_server_serves_the_bundled_copy_in_either_theme(
    articles: list[dict[str, Any]],
) -> None:
    with SiteServer(theme=NEWSROOM) as srv:
        status, _, body = fetch(srv.url + quote(article_path(articles[0])))
    assert status == 200 and b'class="story-body"' in body
