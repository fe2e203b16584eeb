"""Article, listing, feed and sitemap parsers on fixture HTML and XML written here."""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.parsing import parse_article, parse_feed, parse_listing, parse_sitemap
from pipelines.cleaning import clean_body, parse_html

URL = "https://www.ichongqing.info/2025/03/04/drone-makers-gather/"


def page(head: str = "", meta: str = "", content: str = "") -> str:
    return f"""<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8">
<title>Drone Makers Gather in Liangjiang - iChongqing</title>
<link rel="canonical" href="{URL}"><link rel="amphtml" href="{URL}amp/">{head}</head>
<body><div id="cookie-notice" class="cookie-bar"><p>By continuing to browse our site you agree
to our use of cookies.</p></div><header><a class="logo" href="/"><img alt="iChongqing Title"
src="/logo.png"></a></header><main><article id="post-410123" class="post category-business">
<div class="breadcrumb"><a href="/">Home</a> &gt; <a href="/category/business/">Business</a></div>
<h1 class="post-title">Drone Makers Gather in Liangjiang</h1>
<div class="post-meta">{meta}</div>
<div class="post-content entry-content">{content}</div>
<div class="post-tags"><a rel="tag" href="/tag/drones/">drones</a></div></article></main>
<aside class="sidebar"><h3>A Tour in Chongqing, A Gain in Vision</h3></aside>
<footer><p>For any inquiries, please email service@ichongqing.info</p></footer></body></html>"""


BODY = """<p>Chongqing&nbsp;- Forty drone makers met on Tuesday&#8217;s forum.</p>
<script>var ad = 1;</script>
<figure><img src="a.jpg"><figcaption>Drones on show. (Photo/LI MING)</figcaption></figure>
<h2>Orders &amp; output</h2>
<p><strong>A bold subheading</strong></p>
<iframe src="https://ads.example/banner"></iframe>
<div class="related-stories"><h3>Related Stories</h3><ul><li><a href="/x/">Other</a></li></ul></div>
<p>Output rose   by a third.</p>
<p><strong>(Wang Fang, an intern, also contributed to this report.)</strong></p>"""


def test_markup_only_page_with_two_authors_and_a_time_element() -> None:
    html = page(
        meta='<span class="author-name">RAN ZHENG</span><span class="author-name">HUXIN LUO</span>'
        '|<time class="post-date" datetime="2025-03-04T00:30:00+08:00">Mar 4,2025</time>',
        content=BODY,
    )
    article = parse_article(html, URL)
    assert article.url == URL
    assert article.title.value == "Drone Makers Gather in Liangjiang"
    assert article.title.source == "markup"
    assert article.authors.value == ["RAN ZHENG", "HUXIN LUO"]
    assert article.author == "RAN ZHENG, HUXIN LUO"
    # 00:30 in Chongqing is the previous day in UTC.
    assert article.published_at.value == datetime(2025, 3, 3, 16, 30, tzinfo=UTC)
    assert article.published_at.source == "markup:time"
    assert article.body.paragraphs == [
        "Chongqing - Forty drone makers met on Tuesday\u2019s forum.",
        "Orders & output",
        "A bold subheading",
        "Output rose by a third.",
        "(Wang Fang, an intern, also contributed to this report.)",
    ]
    assert article.body.credit == "(Wang Fang, an intern, also contributed to this report.)"
    assert article.body.captions == ["Drones on show. (Photo/LI MING)"]
    assert article.tags.value == ["drones"]
    assert article.categories.value == ["Business"]
    assert article.post_id == 410123
    assert not article.problems


def test_json_ld_wins_over_opengraph_and_markup() -> None:
    head = """<meta property="og:title" content="OG title">
<meta property="article:published_time" content="2025-03-04T10:00:00+08:00">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
{"@type":"WebPage","name":"x"},{"@type":"NewsArticle","headline":"LD title",
"datePublished":"2025-03-04T09:15:00+08:00","dateModified":"2025-03-05T11:00:00+08:00",
"author":[{"@type":"Person","name":"YUTING CHEN"}],"articleSection":["News"],
"keywords":["drones","low-altitude economy"]}]}</script>"""
    article = parse_article(page(head=head, content=BODY), URL)
    assert (article.title.value, article.title.source) == ("LD title", "json-ld")
    assert article.published_at.value == datetime(2025, 3, 4, 1, 15, tzinfo=UTC)
    assert article.published_at.source == "json-ld"
    assert article.modified_at.value == datetime(2025, 3, 5, 3, 0, tzinfo=UTC)
    assert article.authors.value == ["YUTING CHEN"]
    assert article.tags.value == ["drones", "low-altitude economy"]


def test_opengraph_date_when_no_json_ld_and_organisation_author_is_no_person() -> None:
    head = """<meta property="article:published_time" content="2025-03-04T18:05:00+08:00">
<script type="application/ld+json">{"@type":"NewsArticle","headline":"T",
"author":{"@type":"Organization","name":"iChongqing"}}</script>"""
    article = parse_article(
        page(head=head, meta='<span class="post-date">Mar 4, 2025</span>', content=BODY), URL
    )
    assert article.published_at.source == "opengraph"
    assert article.published_at.value == datetime(2025, 3, 4, 10, 5, tzinfo=UTC)
    assert article.authors.value == []
    assert article.author == ""


def test_byline_date_with_or_without_space_gives_cst_midnight() -> None:
    for text in ("Mar 4,2025", "Mar 4, 2025"):
        article = parse_article(
            page(meta=f'<span class="post-date">{text}</span>', content=BODY), URL
        )
        assert article.published_at.value == datetime(2025, 3, 3, 16, 0, tzinfo=UTC)
        assert article.published_at.source == "markup:byline"


def test_page_without_content_is_reported_not_guessed() -> None:
    article = parse_article("<html><head><title>x</title></head><body><p>hi</p></body></html>", URL)
    assert "no content element" in article.problems
    assert "empty body" in article.problems


def test_listing_links_and_next_page() -> None:
    html = """<div class="news-list"><div class="news-item">
<a class="thumb" href="https://www.ichongqing.info/2025/03/04/a/"><img></a>
<h2 class="news-title"><a href="https://www.ichongqing.info/2025/03/04/a/?utm_source=list">A</a></h2>
</div><div class="news-item"><h2 class="news-title"><a href="/2025/03/04/b">B</a></h2></div></div>
<nav class="pagination"><a class="next" href="/2025/03/04/page/2/">Next</a></nav>"""
    links, next_url = parse_listing(html)
    assert {link.url for link in links} >= {
        "/2025/03/04/b",
        "https://www.ichongqing.info/2025/03/04/a/",
    }
    assert next_url == "/2025/03/04/page/2/"


def test_sitemap_index_and_urlset_with_lastmod() -> None:
    index = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://www.ichongqing.info/post-sitemap.xml</loc><lastmod>2025-03-04T10:00:00+08:00</lastmod></sitemap>
</sitemapindex>"""
    kind, entries = parse_sitemap(index)
    assert kind == "index"
    assert entries[0].lastmod == datetime(2025, 3, 4, 2, 0, tzinfo=UTC)
    urlset = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url>
<loc>https://www.ichongqing.info/2025/03/04/a/</loc></url></urlset>"""
    kind, entries = parse_sitemap(urlset)
    assert kind == "urlset" and entries[0].lastmod is None


def test_sitemap_entities_are_not_expanded() -> None:
    bomb = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://www.ichongqing.info/2025/03/04/a/&lol2;</loc></url></urlset>"""
    kind, entries = parse_sitemap(bomb)
    assert all("lollol" not in e.url for e in entries)


def test_broken_sitemap_and_feed_are_empty_not_errors() -> None:
    assert parse_sitemap(b"<<<") == ("", [])
    assert parse_sitemap(b"<html><body>not a sitemap</body></html>")[1] == []
    assert parse_feed(b"") == []


def test_feed_items_keep_their_tracking_links_and_gmt_dates() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><item><title>A &amp; B</title>
<link>https://www.ichongqing.info/2025/03/04/a/?utm_source=rss&amp;utm_medium=rss</link>
<pubDate>Tue, 04 Mar 2025 02:00:00 +0000</pubDate></item></channel></rss>"""
    (item,) = parse_feed(feed)
    assert item.url.endswith("?utm_source=rss&utm_medium=rss")
    assert item.title == "A & B"
    assert item.lastmod == datetime(2025, 3, 4, 2, 0, tzinfo=UTC)


def test_clean_body_reads_an_element_markup_or_bytes_alike() -> None:
    html = page(content=BODY)
    content = parse_html(html.encode()).find(".//div[@class='post-content entry-content']")
    from_element = clean_body(content)
    assert from_element.paragraphs == parse_article(html, URL).body.paragraphs
    assert clean_body(BODY) == from_element
    assert clean_body(BODY.encode()) == from_element
    assert clean_body("") == clean_body(b"") == clean_body("<p> </p>")


def test_text_joins_inline_pieces_with_a_space_then_closes_up_punctuation() -> None:
    body = clean_body(
        "<p>Tuesday<em>\u2019s</em> forum<!-- x -->start , then<br>end .</p>"
        "<div>Loose <b>text</b><div><p>inner</p></div> tail</div>"
        "<p>Kan<ruby>\u6f22<rt>kan</rt></ruby>ji</p>"
    )
    assert body.paragraphs == ["Tuesday \u2019s forum start, then end.", "inner", "Kan \u6f22 ji"]


def test_fields_do_not_come_from_what_the_body_cleaning_dropped() -> None:
    content = (
        "<figure><h1>Photo heading</h1><time datetime='2020-01-01T00:00:00Z'>x</time></figure>"
        "<p>Text.</p><h3>Related Stories</h3><ul><li><a rel='tag' href='/t/'>old</a></li></ul>"
    )
    article = parse_article(page(content=content).replace('<h1 class="post-title">', "<h2>"), URL)
    assert article.title.value == "Drone Makers Gather in Liangjiang"
    assert article.title.source == "markup:title"
    assert article.published_at.source == "url"
    assert article.tags.value == ["drones"]
    assert article.body.removed == {"figure": 1, "related": 1}


def test_amp_page_with_lightning_attribute() -> None:
    html = (
        "<!doctype html><html \u26a1 lang='en'><head><title>T - iChongqing</title></head><body>"
        "<article class='amp-wp-article'><h1 class='amp-wp-title'>AMP &amp; title</h1>"
        "<div class='amp-wp-meta amp-wp-posted-on'><time datetime='2025-03-04T08:00:00+08:00'>"
        "Mar 4, 2025</time></div><div class='amp-wp-article-content'><p>Body\u00a0text.</p>"
        "</div></article></body></html>"
    )
    article = parse_article(html.encode(), URL + "amp/")
    assert article.is_amp
    assert (article.title.value, article.title.source) == ("AMP & title", "markup")
    assert article.published_at.value == datetime(2025, 3, 4, 0, 0, tzinfo=UTC)
    assert article.body.paragraphs == ["Body text."]
