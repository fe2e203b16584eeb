"""Pure parsers of the source site's pages: article fields, listings, the feed and sitemaps.

One function per field, each returning the value with where it came from (``json-ld``,
``opengraph``, ``markup``, ``url``) and the raw text it was read from, so a stored row can say
why it holds what it holds. Nothing here does I/O; the spider only routes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from bs4 import BeautifulSoup
from lxml import etree

from crawlers.urls import article_date, canonical_url
from pipelines.cleaning import (
    CleanBody,
    clean_content,
    content_hash,
    element_string,
    element_text,
    normalise_space,
    parse_html,
    top_elements,
)

CST = timezone(timedelta(hours=8), "CST")
SITE_SUFFIX = re.compile(r"\s*[-–|]\s*iChongqing\s*$", re.IGNORECASE)
_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_BYLINE_DATE = re.compile(r"([A-Za-z]{3})[a-z]*\.?\s*(\d{1,2})\s*,\s*(\d{4})")
_NOT_PEOPLE = {"ichongqing", "ichongqing.info", "admin", "editor"}


@dataclass
class Field:
    """A field's normalised value, the place it came from and the raw text it was read from."""

    value: Any
    source: str | None
    raw: Any = None


@dataclass
class ArticlePage:
    """Everything the crawler keeps of one article page."""

    url: str
    title: Field
    published_at: Field
    modified_at: Field
    authors: Field
    body: CleanBody
    categories: Field
    tags: Field
    post_id: int | None
    amp_url: str | None
    is_amp: bool
    problems: list[str] = field(default_factory=list)

    @property
    def author(self) -> str:
        return ", ".join(self.authors.value or [])

    def content_hash(self) -> str:
        published = self.published_at.value.isoformat() if self.published_at.value else ""
        return content_hash(self.title.value or "", self.author, published, self.body.text)

    def extraction(self) -> dict[str, Any]:
        """Provenance of every field, as stored beside the row."""
        record: dict[str, Any] = {}
        for name in ("title", "published_at", "modified_at", "authors", "categories", "tags"):
            item: Field = getattr(self, name)
            raw = item.raw
            record[name] = {"source": item.source, "raw": raw}
        record["body"] = {
            "source": "markup",
            "paragraphs": len(self.body.paragraphs),
            "credit": self.body.credit,
            "captions": self.body.captions,
            "removed": self.body.removed,
        }
        record["problems"] = list(self.problems)
        return record


# --------------------------------------------------------------------------- dates


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 instant as aware UTC; a value without offset is China Standard Time."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return datetime.combine(date.fromisoformat(text), time(0, 0), CST).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    return parsed.astimezone(UTC)


def parse_byline_date(text: str | None) -> date | None:
    """``Jan 16,2023`` / ``Jan 16, 2023`` / ``January 16, 2023`` as a date."""
    if not text:
        return None
    match = _BYLINE_DATE.search(text)
    if not match:
        return None
    month = _MONTHS.get(match.group(1).lower()[:3])
    if month is None:
        return None
    try:
        return date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        return None


# --------------------------------------------------------------------------- page nodes

# Ancestor classes some lookups depend on ("div.post-meta .author-name" and the like).
_IN_POST_META = 1
_IN_POST_META_DIV = 2
_IN_POSTED_ON = 4
_IN_ARTICLE = 8
_IN_BYLINE = 16
_IN_BREADCRUMB = 32
_IN_POST_TAGS = 64
# CSS selectors (soupsieve) do not look into a <template>; bs4's find() does.
_IN_TEMPLATE = 128
_CLASS_FLAGS = {
    "post-meta": _IN_POST_META,
    "amp-wp-posted-on": _IN_POSTED_ON,
    "byline": _IN_BYLINE,
    "breadcrumb": _IN_BREADCRUMB,
    "post-tags": _IN_POST_TAGS,
}
_CONTENT_CLASSES = frozenset(("entry-content", "amp-wp-article-content", "post-content"))
_MULTI_VALUED_REL = frozenset(("a", "link", "area"))
# Selectors match rel case-insensitively in HTML, but only ASCII letters (soupsieve).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_POST_ID = re.compile(r"^post-\d+$")


def _rel_is_author(tag: str, rel: str | None) -> bool:
    """``[rel=author]``: bs4 kept rel of a/link/area as a word list, joined again to compare."""
    if rel is None:
        return False
    value = " ".join(rel.split()) if tag in _MULTI_VALUED_REL else rel
    return value.translate(_ASCII_LOWER) == "author"


class _PageNodes:
    """The elements of a page the field extractors read, found in one pass in document order.

    Each attribute holds what the BeautifulSoup / CSS lookup noted beside it matched in the
    earlier implementation, with the same word splitting and case rules, so the same element is
    picked. That implementation cleaned the body (removing elements from the tree) before the
    field lookups: ``forget`` does the same to the lists, and ``text`` skips what was removed.
    """

    def __init__(self, root: etree._Element | None) -> None:
        self.html: etree._Element | None = None  # soup.html
        # "div.entry-content, div.amp-wp-article-content, div.post-content, article .content"
        self.content: etree._Element | None = None
        self.jsonld: list[etree._Element] = []  # script[type="application/ld+json"]
        self.links: list[etree._Element] = []  # link
        self.metas: list[etree._Element] = []  # meta
        self.titles: list[etree._Element] = []  # title
        self.h1s: list[etree._Element] = []  # "h1.post-title, ..., h1": any h1
        self.articles: list[etree._Element] = []  # article
        # "div.post-meta time[datetime], time.post-date[datetime],
        #  .amp-wp-posted-on time[datetime], article time[datetime]"
        self.times: list[etree._Element] = []
        self.post_dates: list[etree._Element] = []  # .post-date
        # "div.post-meta .author-name, .post-meta [rel=author], .byline .author"
        self.authors: list[etree._Element] = []
        self.crumbs: list[etree._Element] = []  # .breadcrumb a
        self.tags: list[etree._Element] = []  # .post-tags a, a[rel~=tag]
        self.skip: set[etree._Element] = set()
        for top in top_elements(root) if root is not None else ():
            self._visit(top, 0)

    def _visit(self, element: etree._Element, above: int) -> None:
        tag = element.tag
        value = element.get("class")
        classes = value.split() if value else ()
        # bs4 find() lookups: every element.
        if tag == "meta":
            self.metas.append(element)
        elif tag == "link":
            self.links.append(element)
        elif tag == "script":
            if element.get("type") == "application/ld+json":
                self.jsonld.append(element)
        elif tag == "title":
            self.titles.append(element)
        elif tag == "article":
            self.articles.append(element)
        elif tag == "html" and self.html is None:
            self.html = element
        # CSS selector lookups: ``above`` tells which classes the ancestors have.
        if not above & _IN_TEMPLATE:
            self._select(element, tag, classes, above)
        flags = _IN_ARTICLE if tag == "article" else _IN_TEMPLATE if tag == "template" else 0
        for name in classes:
            flags |= _CLASS_FLAGS.get(name, 0)
            if name == "post-meta" and tag == "div":
                flags |= _IN_POST_META_DIV
        above |= flags
        for child in element:
            if isinstance(child.tag, str):
                self._visit(child, above)

    def _select(
        self, element: etree._Element, tag: str, classes: Collection[str], above: int
    ) -> None:
        if tag == "h1":
            self.h1s.append(element)
        elif tag == "time":
            if element.get("datetime") is not None and (
                above & (_IN_POST_META_DIV | _IN_POSTED_ON | _IN_ARTICLE) or "post-date" in classes
            ):
                self.times.append(element)
        elif tag == "a":
            if above & _IN_BREADCRUMB:
                self.crumbs.append(element)
            rel = element.get("rel")
            if above & _IN_POST_TAGS or (rel and "tag" in rel.translate(_ASCII_LOWER).split()):
                self.tags.append(element)
        if "post-date" in classes:
            self.post_dates.append(element)
        if (
            (above & _IN_POST_META_DIV and "author-name" in classes)
            or (above & _IN_POST_META and _rel_is_author(tag, element.get("rel")))
            or (above & _IN_BYLINE and "author" in classes)
        ):
            self.authors.append(element)
        if self.content is None and (
            (tag == "div" and not _CONTENT_CLASSES.isdisjoint(classes))
            or (above & _IN_ARTICLE and "content" in classes)
        ):
            self.content = element

    def link(self, rel: str) -> etree._Element | None:
        """``soup.find("link", rel=rel)``: rel is a word list."""
        for link in self.links:
            value = link.get("rel")
            if value and rel in value.split():
                return link
        return None

    def forget(self, dropped: set[etree._Element]) -> None:
        """Leave out the elements the body cleaning dropped, and all they hold."""
        if not dropped:
            return
        self.skip = dropped
        gone = {node for element in dropped for node in element.iter()}
        for name in (
            "links",
            "metas",
            "titles",
            "h1s",
            "articles",
            "times",
            "post_dates",
            "authors",
            "crumbs",
            "tags",
        ):
            setattr(self, name, [e for e in getattr(self, name) if e not in gone])

    def text(self, element: etree._Element, separator: str = "", strip: bool = False) -> str:
        return element_text(element, separator, strip=strip, skip=self.skip)


# --------------------------------------------------------------------------- JSON-LD


def jsonld_article(nodes: _PageNodes) -> dict[str, Any]:
    """The NewsArticle (or Article) node of the page's JSON-LD, or an empty dict."""
    for script in nodes.jsonld:
        try:
            data = json.loads(element_string(script) or element_text(script) or "")
        except (json.JSONDecodeError, TypeError):
            continue
        candidates: list[Any] = []
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                candidates.extend(item.get("@graph", [item]))
        for node in candidates:
            if not isinstance(node, dict):
                continue
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if any(
                t in ("NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle")
                for t in types
            ):
                return node
    return {}


def _meta(nodes: _PageNodes, prop: str) -> str | None:
    tag = next((m for m in nodes.metas if m.get("property") == prop), None)
    if tag is None:
        tag = next((m for m in nodes.metas if m.get("name") == prop), None)
    content = tag.get("content") if tag is not None else None
    return content.strip() if content else None


# --------------------------------------------------------------------------- fields


def extract_title(nodes: _PageNodes, ld: dict[str, Any]) -> Field:
    if isinstance(ld.get("headline"), str) and ld["headline"].strip():
        return Field(normalise_space(ld["headline"]), "json-ld", ld["headline"])
    og = _meta(nodes, "og:title")
    if og:
        return Field(normalise_space(SITE_SUFFIX.sub("", og)), "opengraph", og)
    # "h1.post-title, h1.amp-wp-title, article h1, h1": the list ends with any h1.
    h1 = nodes.h1s[0] if nodes.h1s else None
    if h1 is not None and nodes.text(h1, strip=True):
        raw = nodes.text(h1, " ")
        return Field(normalise_space(raw), "markup", raw)
    raw = element_string(nodes.titles[0], nodes.skip) if nodes.titles else None
    if raw:
        return Field(normalise_space(SITE_SUFFIX.sub("", raw)), "markup:title", raw)
    return Field(None, None)


def _byline_time(nodes: _PageNodes) -> tuple[datetime | None, str | None]:
    for node in nodes.times:
        raw = str(node.get("datetime"))
        instant = parse_instant(raw)
        if instant:
            return instant, raw
    return None, None


def extract_published(nodes: _PageNodes, ld: dict[str, Any], url: str) -> Field:
    raw = ld.get("datePublished")
    if isinstance(raw, str) and parse_instant(raw):
        return Field(parse_instant(raw), "json-ld", raw)
    raw = _meta(nodes, "article:published_time")
    if raw and parse_instant(raw):
        return Field(parse_instant(raw), "opengraph", raw)
    instant, raw = _byline_time(nodes)
    if instant:
        return Field(instant, "markup:time", raw)
    # Day precision only from here: midnight China Standard Time of the byline or URL date.
    byline = nodes.text(nodes.post_dates[0], " ") if nodes.post_dates else None
    day = parse_byline_date(byline)
    if day:
        return Field(
            datetime.combine(day, time(0, 0), CST).astimezone(UTC), "markup:byline", byline
        )
    day = article_date(url)
    if day:
        return Field(datetime.combine(day, time(0, 0), CST).astimezone(UTC), "url", url)
    return Field(None, None)


def extract_modified(nodes: _PageNodes, ld: dict[str, Any]) -> Field:
    raw = ld.get("dateModified")
    if isinstance(raw, str) and parse_instant(raw):
        return Field(parse_instant(raw), "json-ld", raw)
    raw = _meta(nodes, "article:modified_time")
    if raw and parse_instant(raw):
        return Field(parse_instant(raw), "opengraph", raw)
    return Field(None, None)


def _split_names(text: str) -> list[str]:
    parts = re.split(r"\s*(?:,|\band\b|&|/)\s*", text, flags=re.IGNORECASE)
    return [normalise_space(p) for p in parts if normalise_space(p)]


def extract_authors(nodes: _PageNodes, ld: dict[str, Any]) -> Field:
    authors = ld.get("author")
    if authors:
        items = authors if isinstance(authors, list) else [authors]
        names = []
        for item in items:
            if isinstance(item, dict) and item.get("@type", "Person") == "Person":
                names.extend(_split_names(str(item.get("name") or "")))
            elif isinstance(item, str):
                names.extend(_split_names(item))
        names = [n for n in names if n.lower() not in _NOT_PEOPLE]
        if names:
            return Field(names, "json-ld", authors)
    # "div.post-meta .author-name, .post-meta [rel=author], .byline .author"
    if nodes.authors:
        raws = [nodes.text(span, " ") for span in nodes.authors]
        names = []
        for raw in raws:
            names.extend(_split_names(raw))
        names = [n for n in names if n.lower() not in _NOT_PEOPLE]
        return Field(names, "markup", raws)
    for prop in ("article:author", "author"):
        raw = _meta(nodes, prop)
        if raw and not raw.startswith("http") and raw.lower() not in _NOT_PEOPLE:
            return Field(_split_names(raw), "meta", raw)
    return Field([], "json-ld" if ld else "markup", authors)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def extract_categories(nodes: _PageNodes, ld: dict[str, Any]) -> Field:
    if _as_list(ld.get("articleSection")):
        return Field(_as_list(ld["articleSection"]), "json-ld", ld["articleSection"])
    crumbs = [nodes.text(a, strip=True) for a in nodes.crumbs][1:]
    if crumbs:
        return Field(crumbs, "markup", crumbs)
    value = nodes.articles[0].get("class") if nodes.articles else None
    classes = [c[len("category-") :] for c in (value or "").split() if c.startswith("category-")]
    return Field(
        [c.replace("-", " ").title() for c in classes], "markup:class" if classes else None
    )


def extract_tags(nodes: _PageNodes, ld: dict[str, Any]) -> Field:
    if _as_list(ld.get("keywords")):
        return Field(_as_list(ld["keywords"]), "json-ld", ld["keywords"])
    tags = [normalise_space(nodes.text(a, " ")) for a in nodes.tags]
    return Field([t for t in dict.fromkeys(tags) if t], "markup" if tags else None)


def _post_id(nodes: _PageNodes) -> int | None:
    for article in nodes.articles:
        value = article.get("id")
        if value is not None and _POST_ID.search(value):
            return int(value.split("-")[1])
    shortlink = nodes.link("shortlink")
    match = re.search(r"[?&]p=(\d+)", str(shortlink.get("href"))) if shortlink is not None else None
    return int(match.group(1)) if match else None


def parse_article(html: str | bytes, url: str) -> ArticlePage:
    """All fields of an article page (regular or AMP) fetched from ``url``."""
    nodes = _PageNodes(parse_html(html))
    ld = jsonld_article(nodes)
    canonical = nodes.link("canonical")
    canonical_href = canonical.get("href") if canonical is not None else None
    canonical_href = canonical_href or url
    amp = nodes.link("amphtml")
    amp_href = amp.get("href") if amp is not None else None
    root = nodes.html
    is_amp = root is not None and ("amp" in root.attrib or "⚡" in root.attrib)
    content = nodes.content
    body, dropped = clean_content(content)
    # The field lookups come after the cleaning and do not see what it dropped.
    nodes.forget(dropped)
    page = ArticlePage(
        url=canonical_url(canonical_href),
        title=extract_title(nodes, ld),
        published_at=extract_published(nodes, ld, canonical_href),
        modified_at=extract_modified(nodes, ld),
        authors=extract_authors(nodes, ld),
        body=body,
        categories=extract_categories(nodes, ld),
        tags=extract_tags(nodes, ld),
        post_id=_post_id(nodes),
        amp_url=amp_href or None,
        is_amp=is_amp,
    )
    if content is None:
        page.problems.append("no content element")
    if not page.title.value:
        page.problems.append("no title")
    if page.published_at.value is None:
        page.problems.append("no date")
    if not body.paragraphs:
        page.problems.append("empty body")
    return page


# --------------------------------------------------------------------------- listings


@dataclass(frozen=True)
class Listed:
    """A link to an article found on a listing, in the feed or in a sitemap."""

    url: str
    lastmod: datetime | None = None
    title: str | None = None


def parse_listing(html: str | bytes) -> tuple[list[Listed], str | None]:
    """Article links of a date archive or category listing, and the next page's link."""
    soup = BeautifulSoup(html, "lxml")
    seen: dict[str, Listed] = {}
    for link in soup.select(
        ".news-list .news-title a[href], .news-list a.thumb[href], "
        "article h2 a[href], .news-item a[href]"
    ):
        href = str(link["href"])
        title = normalise_space(link.get_text(" ")) or None
        if href not in seen or (title and not seen[href].title):
            seen[href] = Listed(href, None, title)
    nxt = soup.select_one("a.next[href], .pagination a[rel=next][href], link[rel=next][href]")
    return list(seen.values()), (str(nxt["href"]) if nxt else None)


def _xml_root(data: bytes) -> etree._Element | None:
    # Entities are never expanded and nothing is fetched: a sitemap is untrusted input.
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, recover=True
    )
    try:
        root = etree.fromstring(data.strip(), parser=parser)
    except etree.XMLSyntaxError:
        return None
    return root


def _local(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(data: bytes) -> tuple[str, list[Listed]]:
    """``("index", sitemaps)`` or ``("urlset", urls)`` with lastmod; ``("", [])`` if broken."""
    root = _xml_root(data)
    if root is None:
        return "", []
    kind = _local(root.tag).lower()
    entries: list[Listed] = []
    for node in root:
        if _local(node.tag) not in ("sitemap", "url"):
            continue
        loc = lastmod = None
        for child in node:
            name = _local(child.tag)
            if name == "loc" and child.text:
                loc = child.text.strip()
            elif name == "lastmod" and child.text:
                lastmod = parse_instant(child.text.strip())
        if loc:
            entries.append(Listed(loc, lastmod))
    return ("index" if kind == "sitemapindex" else "urlset" if kind == "urlset" else kind), entries


def parse_feed(data: bytes) -> list[Listed]:
    """Items of the RSS feed: link (tracking query and all), pubDate, title."""
    root = _xml_root(data)
    if root is None:
        return []
    items = []
    for item in root.iter("item"):
        link = item.findtext("link")
        if not link:
            continue
        pub = item.findtext("pubDate")
        items.append(
            Listed(
                link.strip(),
                parse_instant(pub) if pub else None,
                normalise_space(item.findtext("title") or "") or None,
            )
        )
    return items


def page_to_item(page: ArticlePage) -> dict[str, Any]:
    """The JSON-ready record the crawl hands to the pipeline."""
    published = page.published_at.value
    modified = page.modified_at.value
    return {
        "url": page.url,
        "title": page.title.value,
        "author": page.author,
        "authors": page.authors.value,
        "published_at": published.isoformat() if published else None,
        "modified_at": modified.isoformat() if modified else None,
        "body_text": page.body.text,
        "categories": page.categories.value or [],
        "tags": page.tags.value or [],
        "post_id": page.post_id,
        "content_hash": page.content_hash(),
        "extraction": page.extraction(),
    }


__all__ = [
    "ArticlePage",
    "Field",
    "Listed",
    "asdict",
    "page_to_item",
    "parse_article",
    "parse_feed",
    "parse_instant",
    "parse_listing",
    "parse_sitemap",
]
