"""Markup every theme of the copy shares: escaping, the article's text blocks with what WordPress
plugins inject between them, the Yoast JSON-LD graph, and the AMP copy (the AMP plugin's own
template, whatever the site's theme)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .records import (
    CST,
    DEFAULT_SITE_URL,
    Article,
    article_url,
    modified_at,
    published_at,
    shape_of,
)

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


def esc(text: str, entities: bool = False) -> str:
    out = html.escape(text, quote=True)
    if entities:
        out = "".join(_ENTITIES.get(c, c) for c in out)
    return out


def xml_text(text: str) -> str:
    return html.escape(text, quote=False)


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def excerpt(article: Article, limit: int = 180) -> str:
    text = next((b["p"] for b in article["blocks"] if "p" in b), "").replace("\u00a0", " ")
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0]


def byline_date(dt: datetime, comma_space: bool) -> str:
    local = dt.astimezone(CST)
    return f"{local:%b} {local:%d},{' ' if comma_space else ''}{local:%Y}"


def iso(dt: datetime) -> str:
    return dt.astimezone(CST).isoformat(timespec="seconds")


def image_src(article: Article, n: int, site: str = "") -> str:
    day = published_at(article).astimezone(CST)
    return f"{site}/wp-content/uploads/{day:%Y/%m}/{article['post_id']}-{n}.jpg"


def _wp_figure(src: str, caption: str) -> str:
    return (
        f'<figure class="wp-block-image size-large"><img src="{src}" alt="" loading="lazy">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _wp_related(links: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{url}">{title}</a></li>' for url, title in links)
    return f'<div class="related-stories"><h3>Related Stories</h3><ul>{items}</ul></div>'


@dataclass(frozen=True)
class ContentStyle:
    """How a theme writes the boxes inside the article's text (the text itself never changes).

    ``figure(src, caption_html)``, ``related(links)`` with ``(url, title_html)`` links, and
    ``inserts``: markup a theme's plugins put after the block of that index (or at the end).
    """

    figure: Callable[[str, str], str] = _wp_figure
    related: Callable[[Sequence[tuple[str, str]]], str] = _wp_related
    inserts: dict[int, str] = field(default_factory=dict)


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


def text_block(block: dict[str, str], ent: bool) -> str | None:
    """A paragraph, ``<h2>`` or lone bold-line subheading; None for other blocks."""
    if "p" in block:
        return f"<p>{esc(block['p'], ent)}</p>"
    if "h2" in block:
        return f"<h2>{esc(block['h2'], ent)}</h2>"
    if "strong" in block:
        return f"<p><strong>{esc(block['strong'], ent)}</strong></p>"
    return None


def content_html(
    article: Article,
    site: str,
    related: Sequence[Article],
    style: ContentStyle | None = None,
) -> str:
    """The inside of the article's content element: its blocks and what plugins add."""
    style = style or ContentStyle()
    shape = shape_of(article)
    ent = shape["entities"]
    parts: list[str] = []
    figures = 0
    inserts = dict(style.inserts)
    for i, block in enumerate(article["blocks"]):
        text = text_block(block, ent)
        if text is not None:
            parts.append(text)
        elif "figure" in block:
            figures += 1
            parts.append(style.figure(image_src(article, figures), esc(block["figure"], ent)))
        elif "raw" in block:
            parts.append(block["raw"])
        # Extras sit between paragraphs, where WordPress plugins inject them.
        if i == 1 and shape["script"]:
            parts.append(_in_article_script(article))
        if i == 2 and shape["ad_iframe"]:
            parts.append(_ad_iframe(site, article))
        if i in inserts:
            parts.append(inserts.pop(i))
    parts.extend(inserts.values())
    if shape["related_box"] and related:
        links = [(article_url(r, site), esc(r["title"], ent)) for r in related]
        parts.append(style.related(links))
    return "\n".join(parts)


def jsonld_script(article: Article, url: str, title: str) -> str:
    """Yoast's JSON-LD graph of an article page (WebPage + NewsArticle)."""
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
                "datePublished": iso(published_at(article)),
                "dateModified": iso(modified_at(article)),
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


def render_amp(article: Article, site_url: str = DEFAULT_SITE_URL) -> str:
    """The AMP copy of an article: other markup, canonical link back to the article."""
    site = site_url.rstrip("/")
    ent = shape_of(article)["entities"]
    url = article_url(article, site)
    parts: list[str] = []
    figures = 0
    for block in article["blocks"]:
        text = text_block(block, ent)
        if text is not None:
            parts.append(text)
        elif "figure" in block:
            figures += 1
            src = image_src(article, figures, site)
            parts.append(
                f'<figure class="amp-wp-inline-image"><amp-img src="{src}" width="800" '
                f'height="533" layout="intrinsic"></amp-img>'
                f"<figcaption>{esc(block['figure'], ent)}</figcaption></figure>"
            )
    authors = article.get("authors", [])
    byline = ""
    if authors:
        names = ", ".join(esc(a) for a in authors)
        byline = (
            '<div class="amp-wp-meta amp-wp-byline">'
            f'<span class="amp-wp-author">{names}</span></div>'
        )
    pub = published_at(article)
    title = esc(article["title"], ent)
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
        f'<div class="amp-wp-meta amp-wp-posted-on"><time datetime="{iso(pub)}">'
        f"{byline_date(pub, True)}</time></div></header>\n"
        '<div class="amp-wp-article-content">\n' + "\n".join(parts) + "\n</div>\n</article>\n"
        '<footer class="amp-wp-footer"><p>&copy; iChongqing</p></footer>\n</body></html>\n'
    )


@dataclass(frozen=True)
class ListingMarkup:
    """How a theme writes a listing page around its teasers: the opening ``<main>`` tag and the
    classes of the heading, the teasers' box and the pagination."""

    main: str
    heading: str
    items: str
    nav: str


def listing_main(
    markup: ListingMarkup, site: str, heading: str, teasers: str, nav: str, n: int
) -> str:
    """The ``<main>`` of one listing page: heading, teasers, the ad slot, pagination."""
    return (
        f"{markup.main}\n"
        f'<h1 class="{markup.heading}">{esc(heading)}</h1>\n'
        f'<div class="{markup.items}">\n{teasers}\n</div>\n'
        f'<div class="ad-slot"><a href="{site}/ads/click/?campaign=tour-{n}" rel="sponsored">'
        '<img src="/wp-content/uploads/ad-tour.jpg" alt="Advertisement"></a></div>\n'
        f'<nav class="{markup.nav}">{nav}</nav>\n</main>'
    )


def page_links(url: str) -> list[str]:
    """The article page's canonical and AMP links."""
    return [f'<link rel="canonical" href="{url}">', f'<link rel="amphtml" href="{url}amp/">']


def opengraph(article: Article, url: str, title: str) -> list[str]:
    """The OpenGraph tags every theme's article page has (dates are a theme's choice)."""
    return [
        '<meta property="og:type" content="article">',
        f'<meta property="og:title" content="{title}">',
        f'<meta property="og:description" content="{esc(excerpt(article))}">',
        f'<meta property="og:url" content="{url}">',
        '<meta property="og:site_name" content="iChongqing">',
    ]


@dataclass(frozen=True)
class Theme:
    """One WordPress theme of the copy: the page around the text, the article page, listings.

    ``document(site, title, head, main, body_class)``, ``article(article, site, related)``,
    ``teaser(article, site)`` (one listed post) and ``listing`` (the listing's markup).
    """

    name: str
    suffix: str
    document: Callable[[str, str, str, str, str], str]
    article: Callable[[Article, str, Sequence[Article]], str]
    teaser: Callable[[Article, str], str]
    listing: ListingMarkup
