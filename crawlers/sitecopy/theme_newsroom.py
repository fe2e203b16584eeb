"""A second theme, made up here: the same posts after a redesign the spider was not written for.

Everything the site path relies on is gone or renamed: no JSON-LD and no OpenGraph dates in the
head (``og:title`` carries the site's name after " | "), no ``<article>``, a ``div.story`` with
``h1.story-headline``, a ``p.story-byline`` of author links (``By <a rel=author>A</a> and
<a>B</a>``) and a ``<time>`` outside anything the site path looks in, the text in
``div.story-body`` with a Mailchimp newsletter box and a "Read more" list inside it, categories
and tags in an ``entry-footer``, a cookie-consent bar of another plugin, a rail instead of the
sidebar. The text blocks, photos and ads inside the text are the posts' own and stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from urllib.parse import quote

from .markup import (
    ContentStyle,
    ListingMarkup,
    Theme,
    content_html,
    esc,
    excerpt,
    iso,
    opengraph,
    page_links,
)
from .records import (
    CST,
    NAV_CATEGORIES,
    Article,
    article_url,
    encode_path,
    modified_at,
    published_at,
    shape_of,
    slugify,
)
from .theme_ichongqing import FOOTER

SUFFIX = " | iChongqing"

_CONSENT = (
    '<div id="cookie-law-info-bar" class="cli-bar" data-nosnippet="true"><span>This website '
    "uses cookies to improve your experience. We will assume you are fine with this, but you can "
    'opt out if you wish.</span> <a role="button" class="cli-accept">Accept</a> '
    '<a href="/privacy/" class="cli-more">Privacy &amp; Cookies Policy</a></div>'
)
_NEWSLETTER = (
    '<div id="mc_embed_signup" class="signup-inline">'
    '<form action="/newsletter/subscribe/" method="post" class="validate">'
    "<h2>Get the Chongqing Daily Brief</h2>"
    "<p>The day's top stories from the mountain city, in your inbox every morning.</p>"
    '<div class="mc-field-group"><label for="mce-EMAIL">Email Address</label>'
    '<input type="email" name="EMAIL" id="mce-EMAIL"></div>'
    '<input type="submit" value="Subscribe" class="button"></form></div>'
)
_RAIL = (
    '<div class="rail">\n'
    '  <div class="rail-widget"><h3>A Tour in Chongqing, A Gain in Vision</h3>'
    '<a href="/brands/tour/"><img src="/wp-content/uploads/tour.jpg" alt=""></a></div>\n'
    '  <div class="rail-widget"><h3>A Land of Natural Beauty, A City with Cultural Appeal</h3>'
    "</div>\n</div>"
)


def _more(links: Sequence[tuple[str, str]]) -> str:
    items = "".join(f'<li><a href="{url}">{title}</a></li>' for url, title in links)
    return (
        '<div class="story-more"><p class="story-more-title"><strong>Read more</strong></p>'
        f"<ul>{items}</ul></div>"
    )


_STYLE = ContentStyle(related=_more, inserts={2: _NEWSLETTER})


def _masthead() -> str:
    items = "".join(
        f'<li class="menu-item"><a href="/category/{slugify(name)}/">{name}</a></li>'
        for name in NAV_CATEGORIES
    )
    return (
        '<header class="masthead">\n'
        '  <div class="masthead-brand"><a class="brand-link" href="/">iChongqing</a>'
        '<span class="brand-tagline">Chongqing\'s international portal</span></div>\n'
        f'  <nav class="primary-menu"><ul class="menu">{items}</ul></nav>\n'
        "</header>"
    )


def document(site: str, title: str, head_extra: str, main: str, body_class: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-US" class="no-js">\n<head>\n<meta charset="UTF-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head_extra}"
        '<link rel="stylesheet" href="/wp-content/themes/newsroom/assets/main.css?ver=1.0.3">\n'
        f'</head>\n<body class="{body_class} theme-newsroom">\n{_CONSENT}\n{_masthead()}\n'
        f'<div class="layout">\n{main}\n{_RAIL}\n</div>\n'
        + FOOTER.replace('class="site-footer"', 'class="colophon"')
        + "\n</body>\n</html>\n"
    )


def _shown(instant: datetime) -> str:
    local = instant.astimezone(CST)
    return f"{local:%B} {local.day}, {local:%Y} {local:%H:%M}"


def _byline(article: Article) -> str:
    links = [
        f'<a class="byline-link" href="/author/{slugify(name)}/" rel="author">{esc(name)}</a>'
        for name in article.get("authors", [])
    ]
    names = ", ".join(links[:-1]) + " and " + links[-1] if len(links) > 1 else "".join(links)
    published, modified = published_at(article), modified_at(article)
    parts = [f"By {names}"] if names else []
    parts.append(f'<time class="story-date" datetime="{iso(published)}">{_shown(published)}</time>')
    if modified > published:
        parts.append(
            f'<span class="story-updated">Updated <time datetime="{iso(modified)}">'
            f"{_shown(modified)}</time></span>"
        )
    return '<p class="story-byline">' + '<span class="story-sep"> · </span>'.join(parts) + "</p>"


def render_article(article: Article, site: str, related: Sequence[Article] = ()) -> str:
    """The HTML of an article page in this theme."""
    ent = shape_of(article)["entities"]
    url = article_url(article, site)
    title = article["title"]
    head = (
        "\n".join(
            [
                *page_links(url),
                f"<link rel='shortlink' href='{site}/?p={article['post_id']}'>",
                *opengraph(article, url, f"{esc(title)}{SUFFIX}"),
                '<meta name="twitter:card" content="summary_large_image">',
            ]
        )
        + "\n"
    )
    cats = list(article.get("categories", [])) or ["News"]
    cat_links = ", ".join(f'<a href="/category/{slugify(c)}/">{esc(c)}</a>' for c in cats)
    tags = ", ".join(
        f'<a href="{encode_path(f"/tag/{slugify(t)}/")}" rel="tag">{esc(t)}</a>'
        for t in article.get("tags", [])
    )
    share = quote(url, safe="")
    main = (
        '<main class="layout-main" role="main">\n'
        f'<div class="story story-{article["post_id"]}" id="story-{article["post_id"]}">\n'
        '<nav class="crumbs" aria-label="Breadcrumbs"><a href="/">Home</a> &rsaquo; '
        f'<a href="/category/{slugify(cats[0])}/">{esc(cats[0])}</a></nav>\n'
        f'<header class="story-header"><h1 class="story-headline">{esc(title, ent)}</h1>\n'
        f"{_byline(article)}</header>\n"
        '<div class="story-body">\n'
        f"{content_html(article, site, related, _STYLE)}\n</div>\n"
        f'<footer class="entry-footer"><span class="cat-links">Posted in {cat_links}</span>'
        + (f' <span class="tags-links">Tagged {tags}</span>' if tags else "")
        + "</footer>\n"
        '<div class="social-share"><span>Share this story</span>'
        f'<a href="https://twitter.com/intent/tweet?url={share}">X</a>'
        f'<a href="https://www.facebook.com/sharer/sharer.php?u={share}">Facebook</a></div>\n'
        "</div>\n</main>"
    )
    body_class = f"single single-post postid-{article['post_id']}"
    return document(site, f"{esc(title, ent)}{SUFFIX}", head, main, body_class)


def _teaser(article: Article, site: str) -> str:
    url = article_url(article, site)
    pid = int(article["post_id"])
    shape = shape_of(article)
    return (
        '<article class="teaser">\n'
        f'  <a class="teaser-thumb" href="{url}"><img src="/wp-content/uploads/thumb-{pid}.jpg" '
        'alt=""></a>\n'
        f'  <h2 class="teaser-title"><a href="{url}">'
        f"{esc(article['title'], shape['entities'])}</a></h2>\n"
        f'  <p class="teaser-meta">{_shown(published_at(article))}</p>\n'
        f'  <p class="teaser-excerpt">{esc(excerpt(article))}&hellip;</p>\n'
        "</article>"
    )


THEME = Theme(
    name="newsroom",
    suffix=SUFFIX,
    document=document,
    article=render_article,
    teaser=_teaser,
    listing=ListingMarkup(
        main='<main class="layout-main archive" role="main">',
        heading="archive-heading",
        items="teaser-grid",
        nav="pager",
    ),
)
