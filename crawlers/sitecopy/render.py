"""Render an offline copy of the iChongqing WordPress site from article records.

Everything here is pure: article records (dicts, see ``articles.json`` and the package docstring)
go in, a mapping of site paths to :class:`Page` objects comes out. The markup follows the shape the
spider is written against: article pages with OpenGraph / Yoast JSON-LD heads and WordPress chrome,
AMP copies, the RSS feed, Yoast sitemaps, date / category / tag / latest listings, ``robots.txt``
and a few plain pages.

Paths are keyed *decoded*: ``/2025/03/05/cppcc-member-urges-more-engineers-for-nevs丨two-sessions/``
(no query string, no percent-escapes). Every link inside the pages is percent-encoded (UTF-8),
as WordPress writes them. :func:`page_key` turns any request path into its key.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import format_datetime
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

Article = dict[str, Any]

CST = timezone(timedelta(hours=8), "CST")
DEFAULT_SITE_URL = "https://www.ichongqing.info"

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

SHAPE_FLAGS: tuple[str, ...] = (
    "jsonld",
    "og_dates",
    "byline_time",
    "comma_space",
    "related_box",
    "ad_iframe",
    "script",
    "intern_credit",
    "entities",
)
DEFAULT_SHAPE: dict[str, bool] = {flag: flag in ("jsonld", "og_dates") for flag in SHAPE_FLAGS}
NAV_CATEGORIES: tuple[str, ...] = ("News", "Business", "Culture", "Travel")

# Plain pages are older than any post; a fixed instant keeps their validators stable.
STATIC_LASTMOD = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)

INTERN_CREDIT = re.compile(r"^\(.+, an intern, also contributed to this report\.\)$")

# wptexturize-style output: WordPress writes typographic characters as numeric entities.
_ENTITIES = {
    "\u00a0": "&nbsp;",
    "\u2018": "&#8216;",
    "\u2019": "&#8217;",
    "\u201c": "&#8220;",
    "\u201d": "&#8221;",
    "\u2013": "&#8211;",
    "\u2014": "&#8212;",
    "\u2026": "&#8230;",
}


@dataclass(frozen=True)
class Page:
    """One served resource: body bytes, its Content-Type and its last modification instant."""

    body: bytes
    content_type: str
    last_modified: datetime
    # Extra response headers, e.g. Content-Encoding for a pre-compressed body in fault tests.
    headers: tuple[tuple[str, str], ...] = ()

    @cached_property
    def etag(self) -> str:
        """Strong validator derived from the body."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


# ---------------------------------------------------------------------------------------------
# record helpers


def parse_instant(value: str | datetime) -> datetime:
    """An ISO 8601 string (or datetime) as an aware datetime; naive values are taken as CST."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=CST)


def published_at(article: Article) -> datetime:
    """Publication instant of a record."""
    return parse_instant(article["published"])


def modified_at(article: Article) -> datetime:
    """Last modification instant of a record (its publication instant when never edited)."""
    return parse_instant(article.get("modified") or article["published"])


def shape_of(article: Article) -> dict[str, bool]:
    """The record's page-shape flags with defaults filled in."""
    return {**DEFAULT_SHAPE, **article.get("shape", {})}


def slugify(text: str) -> str:
    """A WordPress-like slug: lowercase, apostrophes dropped, other punctuation -> '-'.

    Non-ASCII letters (e.g. the '丨' separator used in iChongqing titles) are kept.
    """
    text = text.lower().replace("'", "").replace("\u2019", "")
    slug = "".join(c if c.isalnum() else "-" for c in text)
    return re.sub(r"-{2,}", "-", slug).strip("-")


def article_path(article: Article) -> str:
    """Decoded site path of an article: ``/YYYY/MM/DD/<slug>/`` (publication date in CST)."""
    day = published_at(article).astimezone(CST)
    return f"/{day:%Y/%m/%d}/{article['slug']}/"


def encode_path(path: str) -> str:
    """Percent-encode a decoded path (UTF-8), as the site writes it in links."""
    return quote(path, safe="/")


def page_key(path: str) -> str:
    """The key of ``build_site``'s mapping for a request path: query dropped, percent-decoded."""
    path = path.split("#", 1)[0].split("?", 1)[0]
    return unquote(path, encoding="utf-8", errors="replace") or "/"


def article_url(article: Article, site_url: str = DEFAULT_SITE_URL) -> str:
    """Canonical absolute address of an article, percent-encoded like the site's own links."""
    return site_url.rstrip("/") + encode_path(article_path(article))


def article_text(article: Article) -> list[str]:
    """The article's own text as paragraphs, in order: paragraphs and subheadings.

    Captions, scripts, ads and boxes are not article text. Strings are as in the record
    (they may hold U+00A0 and typographic quotes).
    """
    out: list[str] = []
    for block in article["blocks"]:
        for kind in ("p", "h2", "strong"):
            if kind in block:
                out.append(block[kind])
    return out


def article_captions(article: Article) -> list[str]:
    """Photo captions of the article, in order."""
    return [block["figure"] for block in article["blocks"] if "figure" in block]


def to_eval_record(article: Article, site_url: str = DEFAULT_SITE_URL) -> dict[str, Any]:
    """The record in the ``eval-dev`` labeled-article format used by ``cqmonitor evaluate``."""
    labels = article.get("labels", {})
    return {
        "id": article["id"],
        "source_url": article_url(article, site_url),
        "slug": article["slug"],
        "title": article["title"],
        "author": " AND ".join(article.get("authors", [])),
        "published": article["published"],
        "categories": list(article.get("categories", [])),
        "tags": list(article.get("tags", [])),
        "paragraphs": article_text(article),
        "captions": article_captions(article),
        "labels": {
            "topics": list(labels.get("topics", [])),
            "events": [dict(e) for e in labels.get("events", [])],
            "acceptable_extra": [dict(e) for e in labels.get("acceptable_extra", [])],
            "note": labels.get("note", ""),
        },
    }


def edited_copy(
    article: Article,
    *,
    modified: str | datetime | None = None,
    text: str | None = None,
    title: str | None = None,
) -> Article:
    """A deep copy of ``article`` as if an editor had changed it later.

    ``modified`` defaults to one day after the record's latest instant. The last ordinary
    paragraph (not an intern credit) is replaced by ``text``, or gets an update sentence appended.
    """
    new = copy.deepcopy(article)
    when = parse_instant(modified) if modified is not None else modified_at(article) + timedelta(1)
    new["modified"] = when.astimezone(CST).isoformat()
    paragraphs = [
        i
        for i, block in enumerate(new["blocks"])
        if "p" in block and not INTERN_CREDIT.match(block["p"])
    ]
    if paragraphs:
        i = paragraphs[-1]
        if text is None:
            stamp = when.astimezone(CST)
            text = (
                new["blocks"][i]["p"]
                + f" This story was updated on {stamp:%B} {stamp.day} with new information."
            )
        new["blocks"][i] = {"p": text}
    elif text is not None:
        new["blocks"].append({"p": text})
    if title is not None:
        new["title"] = title
    return new


def shifted_copy(articles: Iterable[Article], newest: date | None = None) -> list[Article]:
    """Deep copies moved by whole days so that the newest post falls on ``newest`` (CST date).

    ``newest`` defaults to today in CST: a run that looks at "the last 7 days" then finds the
    copy's newest posts. Times of day, the busy day and edit delays are kept.
    """
    copies = copy.deepcopy(list(articles))
    if not copies:
        return copies
    target = newest or datetime.now(CST).date()
    last = max(published_at(a).astimezone(CST).date() for a in copies)
    delta = timedelta(days=(target - last).days)
    for a in copies:
        for key in ("published", "modified"):
            if a.get(key):
                a[key] = (parse_instant(a[key]).astimezone(CST) + delta).isoformat()
    return copies


# ---------------------------------------------------------------------------------------------
# text helpers


def _esc(text: str, entities: bool = False) -> str:
    out = html.escape(text, quote=True)
    if entities:
        out = "".join(_ENTITIES.get(c, c) for c in out)
    return out


def _xml(text: str) -> str:
    return html.escape(text, quote=False)


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _excerpt(article: Article, limit: int = 180) -> str:
    text = next((b["p"] for b in article["blocks"] if "p" in b), "").replace("\u00a0", " ")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0]


def _byline_date(dt: datetime, comma_space: bool) -> str:
    local = dt.astimezone(CST)
    return f"{local:%b} {local:%d},{' ' if comma_space else ''}{local:%Y}"


def _iso(dt: datetime) -> str:
    return dt.astimezone(CST).isoformat(timespec="seconds")


def _slug_url(site: str, prefix: str, name: str) -> str:
    return f"{site}{encode_path(f'/{prefix}/{slugify(name)}/')}"


# ---------------------------------------------------------------------------------------------
# chrome


_COOKIE_BAR = (
    '<div id="cookie-notice" class="cookie-bar"><p>We use cookies to give you the best '
    "experience on iChongqing. By continuing to browse the site you accept our cookie use and "
    "our updated Privacy Policy and Terms of Use.</p><button>I Agree</button> "
    '<a href="/privacy/">Privacy Statement &amp; Cookie Policy</a></div>'
)
_SIDEBAR = (
    '<aside class="sidebar">\n'
    '  <section class="widget"><h3>A Tour in Chongqing, A Gain in Vision</h3>'
    '<a href="/brands/tour/"><img src="/wp-content/uploads/tour.jpg" alt=""></a></section>\n'
    '  <section class="widget"><h3>A Land of Natural Beauty, A City with Cultural Appeal</h3>'
    "</section>\n"
    "</aside>"
)
_FOOTER = (
    '<footer class="site-footer">\n'
    "  <p>Internet illegal and undesirable information can be reported by calling this "
    "telephone number:+86-23-67230470</p>\n"
    "  <p>渝ICP备20009753号-2 互联网新闻信息服务许可证号:50120220004</p>\n"
    "  <p>For any inquiries, please email service@ichongqing.info</p>\n"
    '  <p><a href="/about-us/">About Us</a><a href="/contact-us/">Contact Us</a></p>\n'
    '  <div class="message-board">Leaving a message</div>\n'
    "</footer>\n"
    "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
    "gtag('js',new Date());</script>"
)


def _header() -> str:
    items = "".join(
        f'<li><a href="/category/{slugify(name)}/">{name}</a></li>' for name in NAV_CATEGORIES
    )
    return (
        '<header class="site-header">\n'
        '  <a class="logo" href="/"><img src="/wp-content/uploads/logo.png" '
        'alt="iChongqing Title"></a>\n'
        f'  <nav class="main-nav"><ul>{items}'
        '<li><a href="https://www.facebook.com/iChongqing">Facebook</a></li></ul></nav>\n'
        "</header>"
    )


def _document(site: str, title: str, head_extra: str, main: str, body_class: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-US">\n<head>\n<meta charset="UTF-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head_extra}"
        '<link rel="stylesheet" href="/wp-content/themes/ichongqing/style.css?ver=2.4.1">\n'
        '<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script>\n'
        f'</head>\n<body class="{body_class}">\n{_COOKIE_BAR}\n{_header()}\n'
        f'<div class="container">\n{main}\n{_SIDEBAR}\n</div>\n{_FOOTER}\n</body>\n</html>\n'
    )


# ---------------------------------------------------------------------------------------------
# article pages


def _figure(article: Article, n: int, caption: str, entities: bool) -> str:
    day = published_at(article).astimezone(CST)
    src = f"/wp-content/uploads/{day:%Y/%m}/{article['post_id']}-{n}.jpg"
    return (
        f'<figure class="wp-block-image size-large"><img src="{src}" alt="" loading="lazy">'
        f"<figcaption>{_esc(caption, entities)}</figcaption></figure>"
    )


def _in_article_script(article: Article) -> str:
    return (
        '<script type="text/javascript">var cqInArticle = {"slot": "in-article-'
        f'{article["post_id"]}", "html": "<p>Sponsored: discover Chongqing<\\/p>"}};'
        "(window.cqAds=window.cqAds||[]).push(cqInArticle);</script>"
    )


def _ad_iframe(site: str, article: Article) -> str:
    return (
        f'<div class="ad-container"><iframe src="{site}/ads/banner/?slot={article["post_id"]}" '
        'width="300" height="250" frameborder="0" scrolling="no" title="Advertisement">'
        "</iframe></div>"
    )


def _related_box(related: Sequence[Article], site: str, entities: bool) -> str:
    items = "".join(
        f'<li><a href="{article_url(r, site)}">{_esc(r["title"], entities)}</a></li>'
        for r in related
    )
    return f'<div class="related-stories"><h3>Related Stories</h3><ul>{items}</ul></div>'


def _text_block(block: dict[str, str], ent: bool) -> str | None:
    """A paragraph, ``<h2>`` or lone bold-line subheading; None for other blocks."""
    if "p" in block:
        return f"<p>{_esc(block['p'], ent)}</p>"
    if "h2" in block:
        return f"<h2>{_esc(block['h2'], ent)}</h2>"
    if "strong" in block:
        return f"<p><strong>{_esc(block['strong'], ent)}</strong></p>"
    return None


def _content_html(article: Article, site: str, related: Sequence[Article]) -> str:
    shape = shape_of(article)
    ent = shape["entities"]
    parts: list[str] = []
    figures = 0
    for i, block in enumerate(article["blocks"]):
        text = _text_block(block, ent)
        if text is not None:
            parts.append(text)
        elif "figure" in block:
            figures += 1
            parts.append(_figure(article, figures, block["figure"], ent))
        elif "raw" in block:
            parts.append(block["raw"])
        # Extras sit between paragraphs, where WordPress plugins inject them.
        if i == 1 and shape["script"]:
            parts.append(_in_article_script(article))
        if i == 2 and shape["ad_iframe"]:
            parts.append(_ad_iframe(site, article))
    if shape["related_box"] and related:
        parts.append(_related_box(related, site, ent))
    return "\n".join(parts)


def _jsonld(article: Article, url: str, title: str) -> str:
    authors: Any = [{"@type": "Person", "name": name} for name in article.get("authors", [])]
    if not authors:
        authors = {"@type": "Organization", "name": "iChongqing"}
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": url, "url": url, "name": f"{title} - iChongqing"},
            {
                "@type": "NewsArticle",
                "@id": url + "#article",
                "isPartOf": {"@id": url},
                "headline": title,
                "datePublished": _iso(published_at(article)),
                "dateModified": _iso(modified_at(article)),
                "author": authors,
                "articleSection": list(article.get("categories", [])),
                "keywords": list(article.get("tags", [])),
                "inLanguage": "en-US",
                "publisher": {"@type": "Organization", "name": "iChongqing"},
            },
        ],
    }
    text = json.dumps(graph, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json" class="yoast-schema-graph">{text}</script>\n'


def render_article(
    article: Article, site_url: str = DEFAULT_SITE_URL, related: Sequence[Article] = ()
) -> str:
    """The HTML of an article page."""
    site = site_url.rstrip("/")
    shape = shape_of(article)
    if not (shape["jsonld"] or shape["og_dates"] or shape["byline_time"]):
        raise ValueError(
            f"{article.get('id')}: a page needs JSON-LD, OpenGraph dates or a byline <time>"
        )
    ent = shape["entities"]
    url = article_url(article, site)
    title = article["title"]
    head = [
        f'<link rel="canonical" href="{url}">',
        f'<link rel="amphtml" href="{url}amp/">',
        '<meta property="og:locale" content="en_US">',
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{_esc(title)}">',
        f'<meta property="og:description" content="{_esc(_excerpt(article))}">',
        f'<meta property="og:url" content="{url}">',
        '<meta property="og:site_name" content="iChongqing">',
    ]
    if shape["og_dates"]:
        head.append(
            f'<meta property="article:published_time" content="{_iso(published_at(article))}">'
        )
        head.append(
            f'<meta property="article:modified_time" content="{_iso(modified_at(article))}">'
        )
    head_html = "\n".join(head) + "\n" + (_jsonld(article, url, title) if shape["jsonld"] else "")

    cats = list(article.get("categories", [])) or ["News"]
    classes = " ".join(
        [f"post-{article['post_id']}", "post", "type-post", "status-publish"]
        + [f"category-{slugify(c)}" for c in cats]
        + [f"tag-{slugify(t)}" for t in article.get("tags", [])]
    )
    authors = article.get("authors", [])
    byline = ""
    if authors:
        names = "".join(f'<span class="author-name">{_esc(a)}</span>' for a in authors)
        byline = f'<span class="by">By </span>{names}|'
    shown = _byline_date(published_at(article), shape["comma_space"])
    if shape["byline_time"]:
        date_html = (
            f'<time class="post-date" datetime="{_iso(published_at(article))}">{shown}</time>'
        )
    else:
        date_html = f'<span class="post-date">{shown}</span>'
    tags = "".join(
        f'<a rel="tag" href="{encode_path(f"/tag/{slugify(t)}/")}">{_esc(t)}</a>'
        for t in article.get("tags", [])
    )
    share = quote(url, safe="")
    main = (
        '<main id="main" class="site-main">\n'
        f'<article id="post-{article["post_id"]}" class="{classes}">\n'
        f'<div class="breadcrumb"><a href="/">Home</a> &gt; '
        f'<a href="/category/{slugify(cats[0])}/">{_esc(cats[0])}</a></div>\n'
        f'<h1 class="post-title">{_esc(title, ent)}</h1>\n'
        f'<div class="post-meta">{byline}{date_html}</div>\n'
        '<div class="post-content entry-content">\n'
        f"{_content_html(article, site, related)}\n</div>\n"
        f'<div class="post-tags">{tags}</div>\n'
        f'<div class="share-bar"><a href="https://twitter.com/intent/tweet?url={share}">Share</a>'
        f'<a href="https://www.facebook.com/sharer/sharer.php?u={share}">Facebook</a></div>\n'
        "</article>\n</main>"
    )
    return _document(site, f"{_esc(title, ent)} - iChongqing", head_html, main, "wp-singular")


def render_amp(article: Article, site_url: str = DEFAULT_SITE_URL) -> str:
    """The AMP copy of an article: other markup, canonical link back to the article."""
    site = site_url.rstrip("/")
    ent = shape_of(article)["entities"]
    url = article_url(article, site)
    parts: list[str] = []
    figures = 0
    for block in article["blocks"]:
        text = _text_block(block, ent)
        if text is not None:
            parts.append(text)
        elif "figure" in block:
            figures += 1
            day = published_at(article).astimezone(CST)
            src = f"{site}/wp-content/uploads/{day:%Y/%m}/{article['post_id']}-{figures}.jpg"
            parts.append(
                f'<figure class="amp-wp-inline-image"><amp-img src="{src}" width="800" '
                f'height="533" layout="intrinsic"></amp-img>'
                f"<figcaption>{_esc(block['figure'], ent)}</figcaption></figure>"
            )
    authors = article.get("authors", [])
    byline = ""
    if authors:
        names = ", ".join(_esc(a) for a in authors)
        byline = (
            '<div class="amp-wp-meta amp-wp-byline">'
            f'<span class="amp-wp-author">{names}</span></div>'
        )
    pub = published_at(article)
    title = _esc(article["title"], ent)
    return (
        "<!doctype html>\n"
        '<html amp lang="en-US">\n<head><meta charset="utf-8">'
        f"<title>{title} - iChongqing</title>\n"
        f'<link rel="canonical" href="{url}">\n'
        '<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">\n'
        '<script async src="https://cdn.ampproject.org/v0.js"></script>\n</head>\n<body>\n'
        f'<header class="amp-wp-header"><a href="{site}/">iChongqing</a></header>\n'
        '<article class="amp-wp-article">\n'
        f'<header class="amp-wp-article-header"><h1 class="amp-wp-title">{title}</h1>\n'
        f"{byline}"
        f'<div class="amp-wp-meta amp-wp-posted-on"><time datetime="{_iso(pub)}">'
        f"{_byline_date(pub, True)}</time></div></header>\n"
        '<div class="amp-wp-article-content">\n' + "\n".join(parts) + "\n</div>\n</article>\n"
        '<footer class="amp-wp-footer"><p>&copy; iChongqing</p></footer>\n</body></html>\n'
    )


# ---------------------------------------------------------------------------------------------
# listings


def _listing_item(article: Article, site: str) -> str:
    url = article_url(article, site)
    pid = int(article["post_id"])
    # Like the live site, some listing links carry a tracking query or lack the final slash.
    thumb = url[:-1] if pid % 3 == 1 else url
    title_link = f"{url}?utm_source=list" if pid % 2 == 0 else url
    shape = shape_of(article)
    return (
        '<div class="news-item">\n'
        f'  <a class="thumb" href="{thumb}"><img src="/wp-content/uploads/thumb-{pid}.jpg" '
        'alt=""></a>\n'
        f'  <h2 class="news-title"><a href="{title_link}">'
        f"{_esc(article['title'], shape['entities'])}</a></h2>\n"
        f'  <div class="news-date">{_byline_date(published_at(article), False)}</div>\n'
        f'  <p class="news-excerpt">{_esc(_excerpt(article))}&hellip;</p>\n'
        "</div>"
    )


def _listing_pages(
    site: str,
    base: str,
    heading: str,
    items: Sequence[Article],
    per_page: int,
) -> dict[str, Page]:
    """All pages of one listing: ``base`` then ``base + 'page/N/'``, newest first."""
    ordered = sorted(items, key=lambda a: (published_at(a), a["post_id"]), reverse=True)
    total = max(1, math.ceil(len(ordered) / per_page))
    pages: dict[str, Page] = {}
    for n in range(1, total + 1):
        chunk = ordered[(n - 1) * per_page : n * per_page]
        path = base if n == 1 else f"{base}page/{n}/"
        page_url = site + encode_path(path)
        nav: list[str] = []
        if n > 1:
            prev = base if n == 2 else f"{base}page/{n - 1}/"
            nav.append(f'<a class="prev page-numbers" href="{site}{encode_path(prev)}">Prev</a>')
        for m in range(1, total + 1):
            if m == n:
                nav.append(f'<span aria-current="page" class="page-numbers current">{m}</span>')
            elif abs(m - n) <= 2 or m in (1, total):
                target = base if m == 1 else f"{base}page/{m}/"
                nav.append(f'<a class="page-numbers" href="{site}{encode_path(target)}">{m}</a>')
        if n < total:
            nav.append(
                f'<a class="next page-numbers" href="{site}{encode_path(f"{base}page/{n + 1}/")}">'
                "Next</a>"
            )
        news = "\n".join(_listing_item(a, site) for a in chunk)
        main = (
            '<main id="main" class="site-main archive">\n'
            f'<h1 class="archive-title">{_esc(heading)}</h1>\n'
            f'<div class="news-list">\n{news}\n</div>\n'
            f'<div class="ad-slot"><a href="{site}/ads/click/?campaign=tour-{n}" rel="sponsored">'
            '<img src="/wp-content/uploads/ad-tour.jpg" alt="Advertisement"></a></div>\n'
            f'<nav class="pagination">{"".join(nav)}</nav>\n</main>'
        )
        title = _esc(heading) + (f" - Page {n}" if n > 1 else "") + " - iChongqing"
        head = f'<link rel="canonical" href="{page_url}">\n'
        body = _document(site, title, head, main, "archive")
        last = max((modified_at(a) for a in chunk), default=STATIC_LASTMOD)
        pages[path] = Page(body.encode(), HTML, last.astimezone(UTC))
    return pages


# ---------------------------------------------------------------------------------------------
# feed, sitemaps, robots, plain pages


def render_feed(articles: Sequence[Article], site_url: str, feed_size: int = 20) -> str:
    """RSS 2.0 of the newest ``feed_size`` posts."""
    site = site_url.rstrip("/")
    newest = sorted(articles, key=lambda a: (published_at(a), a["post_id"]), reverse=True)
    newest = newest[:feed_size]
    items: list[str] = []
    for a in newest:
        creators = "".join(f"<dc:creator>{_cdata(n)}</dc:creator>" for n in a.get("authors", []))
        cats = "".join(
            f"<category>{_cdata(c)}</category>"
            for c in list(a.get("categories", [])) + list(a.get("tags", []))
        )
        excerpt = _excerpt(a, 200)
        items.append(
            "<item>\n"
            f"<title>{_xml(a['title'])}</title>\n"
            f"<link>{_xml(article_url(a, site))}?utm_source=rss&amp;utm_medium=rss</link>\n"
            f"{creators or '<dc:creator><![CDATA[]]></dc:creator>'}\n"
            f"<pubDate>{format_datetime(published_at(a).astimezone(UTC))}</pubDate>\n"
            f"{cats}\n"
            f'<guid isPermaLink="false">{site}/?p={a["post_id"]}</guid>\n'
            f"<description>{_cdata(excerpt + '&#8230;')}</description>\n"
            "</item>"
        )
    build = max((modified_at(a) for a in newest), default=STATIC_LASTMOD).astimezone(UTC)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">\n'
        "<channel>\n<title>iChongqing</title>\n"
        f'<atom:link href="{site}/feed/" rel="self" type="application/rss+xml" />\n'
        f"<link>{site}</link>\n<description>Chongqing&#039;s international portal</description>\n"
        f"<lastBuildDate>{format_datetime(build)}</lastBuildDate>\n<language>en-US</language>\n"
        + "\n".join(items)
        + "\n</channel>\n</rss>\n"
    )


def _urlset(entries: Iterable[tuple[str, datetime]]) -> str:
    urls = "\n".join(
        f"<url><loc>{_xml(loc)}</loc><lastmod>{_iso(last)}</lastmod></url>" for loc, last in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )


_PLAIN_PAGES: dict[str, tuple[str, str]] = {
    "/about-us/": (
        "About Us",
        "iChongqing is the English-language portal of Chongqing, publishing news, business, "
        "culture and travel stories about the city for readers around the world.",
    ),
    "/contact-us/": (
        "Contact Us",
        "For news tips, partnerships and corrections, write to service@ichongqing.info.",
    ),
    "/privacy/": (
        "Privacy Statement & Cookie Policy",
        "This site uses cookies to measure traffic and remember your preferences.",
    ),
    "/brands/tour/": (
        "A Tour in Chongqing, A Gain in Vision",
        "Routes, tips and stories for visitors to the mountain city.",
    ),
}


def _plain_page(site: str, path: str, title: str, text: str) -> Page:
    head = f'<link rel="canonical" href="{site}{encode_path(path)}">\n'
    main = (
        '<main id="main" class="site-main page">\n'
        f'<h1 class="page-title">{_esc(title)}</h1>\n'
        f'<div class="page-content"><p>{_esc(text)}</p></div>\n</main>'
    )
    body = _document(site, f"{_esc(title)} - iChongqing", head, main, "page")
    return Page(body.encode(), HTML, STATIC_LASTMOD)


def _ads_page(kind: str) -> Page:
    body = (
        "<!DOCTYPE html>\n<html><head><title>Advertisement</title></head>"
        f'<body><div class="ad ad-{kind}">Advertisement. A polite crawler never asks for this '
        "page: robots.txt disallows /ads/.</div></body></html>\n"
    )
    return Page(body.encode(), HTML, STATIC_LASTMOD)


def render_robots(site_url: str) -> str:
    """robots.txt: /wp-admin/ and /ads/ disallowed, sitemap index named."""
    return (
        "User-agent: *\nDisallow: /wp-admin/\nDisallow: /ads/\n"
        "Allow: /wp-admin/admin-ajax.php\n\n"
        f"Sitemap: {site_url.rstrip('/')}/sitemap_index.xml\n"
    )


# ---------------------------------------------------------------------------------------------
# the whole site


def _related_for(ordered: Sequence[Article], index: int, count: int = 3) -> list[Article]:
    """Nearby posts in publication order, standing in for a related-posts plugin."""
    picks = [ordered[j] for j in range(index - 1, -1, -1)][:count]
    if len(picks) < count:
        picks += [ordered[j] for j in range(index + 1, len(ordered))][: count - len(picks)]
    return picks


def build_site(
    articles: Iterable[Article],
    *,
    site_url: str = DEFAULT_SITE_URL,
    per_page: int = 10,
    feed_size: int = 20,
    per_sitemap: int = 1000,
) -> dict[str, Page]:
    """Render the whole site; the mapping is keyed by decoded path (see the module docstring).

    Absolute links use ``site_url`` (the real address by default; pass the server's own URL to get
    a self-contained copy). Raises ``ValueError`` on duplicate addresses or a page shape that
    would hide the publication instant.
    """
    site = site_url.rstrip("/")
    ordered = sorted(articles, key=lambda a: (published_at(a), a["post_id"]))
    pages: dict[str, Page] = {}
    seen_ids: set[int] = set()

    for i, article in enumerate(ordered):
        path = article_path(article)
        if path in pages or article["post_id"] in seen_ids:
            raise ValueError(f"duplicate article address or post_id: {path}")
        seen_ids.add(article["post_id"])
        last = modified_at(article).astimezone(UTC)
        related = _related_for(ordered, i)
        pages[path] = Page(render_article(article, site, related).encode(), HTML, last)
        pages[path + "amp/"] = Page(render_amp(article, site).encode(), HTML, last)

    by_day: dict[date, list[Article]] = {}
    by_category: dict[str, list[Article]] = {slugify(c): [] for c in NAV_CATEGORIES}
    category_names: dict[str, str] = {slugify(c): c for c in NAV_CATEGORIES}
    by_tag: dict[str, list[Article]] = {}
    tag_names: dict[str, str] = {}
    for article in ordered:
        by_day.setdefault(published_at(article).astimezone(CST).date(), []).append(article)
        for cat in article.get("categories", []):
            by_category.setdefault(slugify(cat), []).append(article)
            category_names.setdefault(slugify(cat), cat)
        for tag in article.get("tags", []):
            by_tag.setdefault(slugify(tag), []).append(article)
            tag_names.setdefault(slugify(tag), tag)

    for day, items in by_day.items():
        heading = f"Day: {day:%B} {day.day}, {day.year}"
        pages.update(_listing_pages(site, f"/{day:%Y/%m/%d}/", heading, items, per_page))
    for slug, items in by_category.items():
        heading = category_names[slug]
        pages.update(_listing_pages(site, f"/category/{slug}/", heading, items, per_page))
    for slug, items in by_tag.items():
        pages.update(_listing_pages(site, f"/tag/{slug}/", tag_names[slug], items, per_page))
    pages.update(_listing_pages(site, "/latest/", "Latest", ordered, per_page))
    pages.update(_listing_pages(site, "/", "iChongqing", ordered, per_page))

    newest_change = max((modified_at(a) for a in ordered), default=STATIC_LASTMOD)
    newest_change = newest_change.astimezone(UTC)
    pages["/feed/"] = Page(render_feed(ordered, site, feed_size).encode(), RSS, newest_change)

    sitemap_entries: list[str] = []
    chunks = [ordered[k : k + per_sitemap] for k in range(0, len(ordered), per_sitemap)]
    for n, chunk in enumerate(chunks, start=1):
        name = "/post-sitemap.xml" if n == 1 else f"/post-sitemap{n}.xml"
        body = _urlset((article_url(a, site), modified_at(a)) for a in chunk)
        last = max(modified_at(a) for a in chunk)
        pages[name] = Page(body.encode(), XML, last.astimezone(UTC))
        sitemap_entries.append(
            f"<sitemap><loc>{site}{name}</loc><lastmod>{_iso(last)}</lastmod></sitemap>"
        )
    plain_in_sitemap = ("/about-us/", "/contact-us/", "/privacy/")
    pages["/page-sitemap.xml"] = Page(
        _urlset((site + p, STATIC_LASTMOD) for p in plain_in_sitemap).encode(), XML, STATIC_LASTMOD
    )
    sitemap_entries.append(
        f"<sitemap><loc>{site}/page-sitemap.xml</loc><lastmod>{_iso(STATIC_LASTMOD)}</lastmod>"
        "</sitemap>"
    )
    index = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(sitemap_entries)
        + "\n</sitemapindex>\n"
    )
    pages["/sitemap_index.xml"] = Page(index.encode(), XML, max(newest_change, STATIC_LASTMOD))

    pages["/robots.txt"] = Page(render_robots(site).encode(), TEXT, STATIC_LASTMOD)
    for path, (title, text) in _PLAIN_PAGES.items():
        pages[path] = _plain_page(site, path, title, text)
    pages["/ads/"] = _ads_page("index")
    pages["/ads/click/"] = _ads_page("click")
    pages["/ads/banner/"] = _ads_page("banner")
    return pages


def site_articles_by_path(articles: Iterable[Article]) -> dict[str, Article]:
    """Records keyed like ``build_site``'s article pages (decoded path)."""
    return {article_path(a): a for a in articles}
