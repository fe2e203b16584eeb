"""An article page read into an :class:`ArticlePage`, and the item the crawl hands over.

Every field goes through its fallback chain (``chain``): the site path, then the generic one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.cleaning import CleanBody, clean_content, parse_html
from pipelines.core.items import ArticleItem
from pipelines.core.text import content_hash
from pipelines.core.urls import canonical_url

from .chain import (
    read_authors,
    read_body,
    read_categories,
    read_modified,
    read_published,
    read_tags,
    read_title,
)
from .fields import PRECISE_DATE_SOURCES, SITE_PATH, Field, extract_post_id
from .generic import GenericPage
from .nodes import PageNodes, jsonld_article

FIELD_NAMES = ("title", "published_at", "modified_at", "authors", "categories", "tags")


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
    body_source: str = "markup"
    body_path: str | None = SITE_PATH
    problems: list[str] = field(default_factory=list)
    # What a generic library could not do on this page (it then read nothing).
    fallback_errors: list[str] = field(default_factory=list)

    @property
    def author(self) -> str:
        return ", ".join(self.authors.value or [])

    def content_hash(self) -> str:
        published = self.published_at.value.isoformat() if self.published_at.value else ""
        return content_hash(self.title.value or "", self.author, published, self.body.text)

    def extraction(self) -> dict[str, Any]:
        """Provenance of every field, as stored beside the row."""
        record: dict[str, Any] = {}
        for name in FIELD_NAMES:
            item: Field = getattr(self, name)
            record[name] = {"source": item.source, "raw": item.raw, "path": item.path}
        record["published_at"]["precise"] = self.published_at.source in PRECISE_DATE_SOURCES
        record["body"] = {
            "source": self.body_source,
            "path": self.body_path,
            "paragraphs": len(self.body.paragraphs),
            "credit": self.body.credit,
            "captions": self.body.captions,
            "removed": self.body.removed,
        }
        record["problems"] = list(self.problems)
        if self.fallback_errors:
            record["fallback_errors"] = list(self.fallback_errors)
        return record


def parse_article(html: str | bytes, url: str) -> ArticlePage:
    """All fields of an article page (regular or AMP) fetched from ``url``."""
    nodes = PageNodes(parse_html(html))
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
    generic = GenericPage(html, canonical_href)
    title = read_title(nodes, ld, generic)
    published = read_published(nodes, ld, canonical_href, generic)
    body, body_source, body_path = read_body(nodes, body, generic, title.value)
    page = ArticlePage(
        url=canonical_url(canonical_href),
        title=title,
        published_at=published,
        modified_at=read_modified(nodes, ld, generic, published),
        authors=read_authors(nodes, ld, generic),
        body=body,
        categories=read_categories(nodes, ld, generic, is_amp),
        tags=read_tags(nodes, ld, generic, is_amp),
        post_id=extract_post_id(nodes),
        amp_url=amp_href or None,
        is_amp=is_amp,
        body_source=body_source,
        body_path=body_path,
        fallback_errors=generic.problems,
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


def page_to_item(page: ArticlePage, **crawl: Any) -> ArticleItem:
    """The item the crawl hands to the pipeline; ``crawl`` adds what only the fetch knows
    (key, fetched URL, validators, sitemap lastmod)."""
    published = page.published_at.value
    modified = page.modified_at.value
    return ArticleItem(
        url=page.url,
        title=page.title.value,
        author=page.author,
        authors=list(page.authors.value or []),
        published_at=published.isoformat() if published else None,
        modified_at=modified.isoformat() if modified else None,
        body_text=page.body.text,
        categories=list(page.categories.value or []),
        tags=list(page.tags.value or []),
        post_id=page.post_id,
        content_hash=page.content_hash(),
        extraction=page.extraction(),
        **crawl,
    )
