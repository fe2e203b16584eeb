"""Pure parsers of the source site's pages: article fields, listings, the feed and sitemaps.

One function per field, each returning the value with where it came from (``json-ld``,
``opengraph``, ``markup``, ``url``) and the raw text it was read from, so a stored row can say
why it holds what it holds. Nothing here does I/O; the spider only routes.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from bs4 import BeautifulSoup, Tag
from lxml import etree

from crawlers.urls import article_date, canonical_url
from pipelines.cleaning import CleanBody, clean_body, content_hash, normalise_space

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


# --------------------------------------------------------------------------- JSON-LD


def jsonld_article(soup: BeautifulSoup) -> dict[str, Any]:
    """The NewsArticle (or Article) node of the page's JSON-LD, or an empty dict."""
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or script.get_text() or "")
        except (json.JSONDecodeError, TypeError):
            continue
        nodes: list[Any] = []
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                nodes.extend(item.get("@graph", [item]))
        for node in nodes:
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


def _meta(soup: BeautifulSoup, prop: str) -> str | None:
    tag = soup.find("meta", attrs={"property": prop}) or soup.find("meta", attrs={"name": prop})
    content = tag.get("content") if tag else None
    return str(content).strip() if content else None


# --------------------------------------------------------------------------- fields


def extract_title(soup: BeautifulSoup, ld: dict[str, Any]) -> Field:
    if isinstance(ld.get("headline"), str) and ld["headline"].strip():
        return Field(normalise_space(ld["headline"]), "json-ld", ld["headline"])
    og = _meta(soup, "og:title")
    if og:
        return Field(normalise_space(SITE_SUFFIX.sub("", og)), "opengraph", og)
    h1 = soup.select_one("h1.post-title, h1.amp-wp-title, article h1, h1")
    if h1 and h1.get_text(strip=True):
        raw = h1.get_text(" ")
        return Field(normalise_space(raw), "markup", raw)
    if soup.title and soup.title.string:
        raw = soup.title.string
        return Field(normalise_space(SITE_SUFFIX.sub("", raw)), "markup:title", raw)
    return Field(None, None)


def _byline_time(soup: BeautifulSoup) -> tuple[datetime | None, str | None]:
    for node in soup.select(
        "div.post-meta time[datetime], time.post-date[datetime], "
        ".amp-wp-posted-on time[datetime], article time[datetime]"
    ):
        raw = str(node.get("datetime"))
        instant = parse_instant(raw)
        if instant:
            return instant, raw
    return None, None


def extract_published(soup: BeautifulSoup, ld: dict[str, Any], url: str) -> Field:
    raw = ld.get("datePublished")
    if isinstance(raw, str) and parse_instant(raw):
        return Field(parse_instant(raw), "json-ld", raw)
    raw = _meta(soup, "article:published_time")
    if raw and parse_instant(raw):
        return Field(parse_instant(raw), "opengraph", raw)
    instant, raw = _byline_time(soup)
    if instant:
        return Field(instant, "markup:time", raw)
    # Day precision only from here: midnight China Standard Time of the byline or URL date.
    byline = soup.select_one("div.post-meta .post-date, .post-date")
    day = parse_byline_date(byline.get_text(" ") if byline else None)
    if day:
        return Field(
            datetime.combine(day, time(0, 0), CST).astimezone(UTC),
            "markup:byline",
            byline.get_text(" ") if byline else None,
        )
    day = article_date(url)
    if day:
        return Field(datetime.combine(day, time(0, 0), CST).astimezone(UTC), "url", url)
    return Field(None, None)


def extract_modified(soup: BeautifulSoup, ld: dict[str, Any]) -> Field:
    raw = ld.get("dateModified")
    if isinstance(raw, str) and parse_instant(raw):
        return Field(parse_instant(raw), "json-ld", raw)
    raw = _meta(soup, "article:modified_time")
    if raw and parse_instant(raw):
        return Field(parse_instant(raw), "opengraph", raw)
    return Field(None, None)


def _split_names(text: str) -> list[str]:
    parts = re.split(r"\s*(?:,|\band\b|&|/)\s*", text, flags=re.IGNORECASE)
    return [normalise_space(p) for p in parts if normalise_space(p)]


def extract_authors(soup: BeautifulSoup, ld: dict[str, Any]) -> Field:
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
    spans = soup.select("div.post-meta .author-name, .post-meta [rel=author], .byline .author")
    if spans:
        names = []
        for span in spans:
            names.extend(_split_names(span.get_text(" ")))
        names = [n for n in names if n.lower() not in _NOT_PEOPLE]
        return Field(names, "markup", [s.get_text(" ") for s in spans])
    for prop in ("article:author", "author"):
        raw = _meta(soup, prop)
        if raw and not raw.startswith("http") and raw.lower() not in _NOT_PEOPLE:
            return Field(_split_names(raw), "meta", raw)
    return Field([], "json-ld" if ld else "markup", authors)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def extract_categories(soup: BeautifulSoup, ld: dict[str, Any]) -> Field:
    if _as_list(ld.get("articleSection")):
        return Field(_as_list(ld["articleSection"]), "json-ld", ld["articleSection"])
    crumbs = [a.get_text(strip=True) for a in soup.select(".breadcrumb a")][1:]
    if crumbs:
        return Field(crumbs, "markup", crumbs)
    article = soup.find("article")
    classes = (
        [c[len("category-") :] for c in (article.get("class") or []) if c.startswith("category-")]
        if article
        else []
    )
    return Field(
        [c.replace("-", " ").title() for c in classes], "markup:class" if classes else None
    )


def extract_tags(soup: BeautifulSoup, ld: dict[str, Any]) -> Field:
    if _as_list(ld.get("keywords")):
        return Field(_as_list(ld["keywords"]), "json-ld", ld["keywords"])
    tags = [normalise_space(a.get_text(" ")) for a in soup.select(".post-tags a, a[rel~=tag]")]
    return Field([t for t in dict.fromkeys(tags) if t], "markup" if tags else None)


def _content_element(soup: BeautifulSoup) -> Tag | None:
    return soup.select_one(
        "div.entry-content, div.amp-wp-article-content, div.post-content, article .content"
    )


def _post_id(soup: BeautifulSoup) -> int | None:
    article = soup.find("article", id=re.compile(r"^post-\d+$"))
    if article:
        return int(str(article["id"]).split("-")[1])
    shortlink = soup.find("link", rel="shortlink")
    match = re.search(r"[?&]p=(\d+)", str(shortlink.get("href"))) if shortlink else None
    return int(match.group(1)) if match else None


def parse_article(html: str | bytes, url: str) -> ArticlePage:
    """All fields of an article page (regular or AMP) fetched from ``url``."""
    soup = BeautifulSoup(html, "lxml")
    ld = jsonld_article(soup)
    canonical = soup.find("link", rel="canonical")
    canonical_href = str(canonical.get("href")) if canonical and canonical.get("href") else url
    amp = soup.find("link", rel="amphtml")
    is_amp = soup.html is not None and (soup.html.has_attr("amp") or soup.html.has_attr("⚡"))
    content = _content_element(soup)
    body = clean_body(content) if content is not None else CleanBody(paragraphs=[])
    page = ArticlePage(
        url=canonical_url(canonical_href),
        title=extract_title(soup, ld),
        published_at=extract_published(soup, ld, canonical_href),
        modified_at=extract_modified(soup, ld),
        authors=extract_authors(soup, ld),
        body=body,
        categories=extract_categories(soup, ld),
        tags=extract_tags(soup, ld),
        post_id=_post_id(soup),
        amp_url=str(amp.get("href")) if amp and amp.get("href") else None,
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
