"""One pass over a page's DOM that finds every element the field readers look at, and JSON-LD."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from lxml import etree

from pipelines.cleaning import element_string, element_text, top_elements

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
# The site's byline and tag boxes: when one is there, the site path's reading of it is the answer,
# an empty one included (a post with no author or no tag).
_BYLINE_CLASSES = frozenset(("post-meta", "amp-wp-meta", "byline"))
_MULTI_VALUED_REL = frozenset(("a", "link", "area"))
# Selectors match rel case-insensitively in HTML, but only ASCII letters (soupsieve).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _rel_is_author(tag: str, rel: str | None) -> bool:
    """``[rel=author]``: bs4 kept rel of a/link/area as a word list, joined again to compare."""
    if rel is None:
        return False
    value = " ".join(rel.split()) if tag in _MULTI_VALUED_REL else rel
    return value.translate(_ASCII_LOWER) == "author"


class PageNodes:
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
        self.bylines: list[etree._Element] = []  # .post-meta, .amp-wp-meta, .byline
        self.tag_boxes: list[etree._Element] = []  # .post-tags
        self.skip: set[etree._Element] = set()
        # Every element below those in ``skip``, themselves included.
        self.gone: set[etree._Element] = set()
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
        if not _BYLINE_CLASSES.isdisjoint(classes):
            self.bylines.append(element)
        if "post-tags" in classes:
            self.tag_boxes.append(element)
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
        gone = self.gone = {node for element in dropped for node in element.iter()}
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
            "bylines",
            "tag_boxes",
        ):
            setattr(self, name, [e for e in getattr(self, name) if e not in gone])

    def text(self, element: etree._Element, separator: str = "", strip: bool = False) -> str:
        return element_text(element, separator, strip=strip, skip=self.skip)


def jsonld_article(nodes: PageNodes) -> dict[str, Any]:
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


def meta_content(nodes: PageNodes, prop: str) -> str | None:
    tag = next((m for m in nodes.metas if m.get("property") == prop), None)
    if tag is None:
        tag = next((m for m in nodes.metas if m.get("name") == prop), None)
    content = tag.get("content") if tag is not None else None
    return content.strip() if content else None
