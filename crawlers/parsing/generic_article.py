"""An article page of a source with no readers of its own, read by the generic chain alone.

iChongqing's pages go through ``article.parse_article`` (its site path first, the generic path
for what that misses). Any other source is read here by the generic readers only: embedded
metadata (extruct), htmldate, trafilatura's metadata and its main-text extraction. Its markup is
unknown, so iChongqing's selectors are never tried on it (they would read a stranger's boxes).

A bare publication day (no time of day anywhere) is midnight in the source's own timezone.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pipelines.cleaning import parse_html
from pipelines.core.instants import CST
from pipelines.core.urls import canonical_url

from .article import ArticlePage
from .fields import Field
from .generic import GenericPage
from .generic_body import generic_body
from .nodes import PageNodes

# htmldate's provenance for a day read without a time of day (``GenericPage._dated``).
_BARE_DAY = "htmldate:day"


def _in_zone(found: Field, timezone: str) -> Field:
    """A bare day re-anchored at midnight in ``timezone`` (the generic path assumes Chongqing)."""
    if found.value is None or found.source != _BARE_DAY or timezone == "Asia/Shanghai":
        return found
    day = found.value.astimezone(CST).date()
    instant = datetime.combine(day, time(0, 0), ZoneInfo(timezone)).astimezone(UTC)
    return Field(instant, found.source, found.raw, found.path)


def _canonical(html: str | bytes, url: str) -> str:
    """The page's canonical link when it is on the host fetched, else the address fetched.

    A copy (a mirror, a loopback server) may name another host as canonical: the article is
    keyed where this source serves it.
    """
    link = PageNodes(parse_html(html)).link("canonical")
    href = (link.get("href") if link is not None else None) or ""
    fetched = urlsplit(url)
    if href and urlsplit(href).netloc.lower() == fetched.netloc.lower():
        return canonical_url(href)
    return canonical_url(url)


def parse_generic_article(
    html: str | bytes, url: str, *, timezone: str = "Asia/Shanghai"
) -> ArticlePage:
    """All fields of a page fetched from ``url``, by the generic readers."""
    page = GenericPage(html, url)
    title = page.title()
    published = _in_zone(page.published(None), timezone)
    modified = page.modified(published.value)
    body, body_path = generic_body(page, title.value)
    article = ArticlePage(
        url=_canonical(html, url),
        title=title,
        published_at=published,
        modified_at=modified if modified.value else Field(None, None, path=None),
        authors=page.authors(),
        body=body,
        categories=page.categories(),
        tags=page.tags(),
        post_id=None,
        amp_url=None,
        is_amp=False,
        body_source=body_path.split(":", 1)[1] if body_path else "none",
        body_path=body_path,
        fallback_errors=page.problems,
    )
    if not article.title.value:
        article.problems.append("no title")
    if article.published_at.value is None:
        article.problems.append("no date")
    if not body.paragraphs:
        article.problems.append("empty body")
    return article
