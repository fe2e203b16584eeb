"""The site's own theme, the one ``../shared/site-profile.md`` describes and the spider's site path
is written against: OpenGraph and Yoast JSON-LD heads, ``article`` with ``h1.post-title``, the
``div.post-meta`` byline (``span.author-name``), ``div.entry-content``, tags, a share bar."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import quote

from .markup import (
    ListingMarkup,
    Theme,
    byline_date,
    content_html,
    esc,
    excerpt,
    iso,
    jsonld_script,
    opengraph,
    page_links,
)
from .records import (
    NAV_CATEGORIES,
    Article,
    article_url,
    encode_path,
    modified_at,
    published_at,
    shape_of,
    slugify,
)

SUFFIX = " - iChongqing"

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
FOOTER = (
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


def document(site: str, title: str, head_extra: str, main: str, body_class: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en-US">\n<head>\n<meta charset="UTF-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head_extra}"
        '<link rel="stylesheet" href="/wp-content/themes/ichongqing/style.css?ver=2.4.1">\n'
        '<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.7.1"></script>\n'
        f'</head>\n<body class="{body_class}">\n{_COOKIE_BAR}\n{_header()}\n'
        f'<div class="container">\n{main}\n{_SIDEBAR}\n</div>\n{FOOTER}\n</body>\n</html>\n'
    )


def render_article(article: Article, site: str, related: Sequence[Article] = ()) -> str:
    """The HTML of an article page."""
    shape = shape_of(article)
    if not (shape["jsonld"] or shape["og_dates"] or shape["byline_time"]):
        raise ValueError(
            f"{article.get('id')}: a page needs JSON-LD, OpenGraph dates or a byline <time>"
        )
    ent = shape["entities"]
    url = article_url(article, site)
    title = article["title"]
    head = [
        *page_links(url),
        '<meta property="og:locale" content="en_US">',
        *opengraph(article, url, esc(title)),
    ]
    if shape["og_dates"]:
        head.append(
            f'<meta property="article:published_time" content="{iso(published_at(article))}">'
        )
        head.append(
            f'<meta property="article:modified_time" content="{iso(modified_at(article))}">'
        )
    head_html = "\n".join(head) + "\n"
    if shape["jsonld"]:
        head_html += jsonld_script(article, url, title)

    cats = list(article.get("categories", [])) or ["News"]
    classes = " ".join(
        [f"post-{article['post_id']}", "post", "type-post", "status-publish"]
        + [f"category-{slugify(c)}" for c in cats]
        + [f"tag-{slugify(t)}" for t in article.get("tags", [])]
    )
    authors = article.get("authors", [])
    byline = ""
    if authors:
        names = "".join(f'<span class="author-name">{esc(a)}</span>' for a in authors)
        byline = f'<span class="by">By </span>{names}|'
    shown = byline_date(published_at(article), shape["comma_space"])
    if shape["byline_time"]:
        date_html = (
            f'<time class="post-date" datetime="{iso(published_at(article))}">{shown}</time>'
        )
    else:
        date_html = f'<span class="post-date">{shown}</span>'
    tags = "".join(
        f'<a rel="tag" href="{encode_path(f"/tag/{slugify(t)}/")}">{esc(t)}</a>'
        for t in article.get("tags", [])
    )
    share = quote(url, safe="")
    main = (
        '<main id="main" class="site-main">\n'
        f'<article id="post-{article["post_id"]}" class="{classes}">\n'
        f'<div class="breadcrumb"><a href="/">Home</a> &gt; '
        f'<a href="/category/{slugify(cats[0])}/">{esc(cats[0])}</a></div>\n'
        f'<h1 class="post-title">{esc(title, ent)}</h1>\n'
        f'<div class="post-meta">{byline}{date_html}</div>\n'
        '<div class="post-content entry-content">\n'
        f"{content_html(article, site, related)}\n</div>\n"
        f'<div class="post-tags">{tags}</div>\n'
        f'<div class="share-bar"><a href="https://twitter.com/intent/tweet?url={share}">Share</a>'
        f'<a href="https://www.facebook.com/sharer/sharer.php?u={share}">Facebook</a></div>\n'
        "</article>\n</main>"
    )
    return document(site, f"{esc(title, ent)}{SUFFIX}", head_html, main, "wp-singular")


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
        f"{esc(article['title'], shape['entities'])}</a></h2>\n"
        f'  <div class="news-date">{byline_date(published_at(article), False)}</div>\n'
        f'  <p class="news-excerpt">{esc(excerpt(article))}&hellip;</p>\n'
        "</div>"
    )


THEME = Theme(
    name="ichongqing",
    suffix=SUFFIX,
    document=document,
    article=render_article,
    teaser=_listing_item,
    listing=ListingMarkup(
        main='<main id="main" class="site-main archive">',
        heading="archive-title",
        items="news-list",
        nav="pagination",
    ),
)
