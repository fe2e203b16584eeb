"""The fallback chain of each field: the site path first, the generic path when it read nothing.

The site path (``fields``) knows the site's markup and is exact and fast on it; the generic path
(``generic``, ``generic_body``) knows no site and runs only for a field the site path did not
read, so a page in the site's usual markup never pays for it. "Did not read" is judged per field:

- title, body: no value (a body that is mostly link text is a listing, not an article);
- publication instant: no instant with a time of day; the day the address or byline names then
  checks the generic path's choice, and stays the answer when that finds no time either;
- edit instant: only on a page whose publication instant the site path could not read (the site
  puts both in the same places, so a page that has one there and lacks the other was never
  edited as far as the site says);
- authors, tags: no value and none of the site's byline or tag boxes on the page (a post with no
  author or tag is common: an empty box is the site's answer);
- categories: no value;
- categories and tags of an AMP copy: never (the site's AMP copies carry neither).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from pipelines.cleaning import CleanBody
from pipelines.core.instants import CST
from pipelines.core.text import normalise_space

from .fields import (
    PRECISE_DATE_SOURCES,
    SITE_PATH,
    Field,
    extract_authors,
    extract_categories,
    extract_modified,
    extract_published,
    extract_tags,
    extract_title,
)
from .generic import GenericPage
from .generic_body import generic_body
from .nodes import PageNodes

# A content element whose text is mostly link text is a list of other stories.
MAX_LINK_SHARE = 0.5


def _nothing(found: Field, empty: Any = None) -> Field:
    return found if found.value else Field(empty, None, path=None)


def read_title(nodes: PageNodes, ld: dict[str, Any], generic: GenericPage) -> Field:
    site = extract_title(nodes, ld)
    return site if site.value else _nothing(generic.title())


def read_published(nodes: PageNodes, ld: dict[str, Any], url: str, generic: GenericPage) -> Field:
    site = extract_published(nodes, ld, url)
    if site.source in PRECISE_DATE_SOURCES:
        return site
    day = site.value.astimezone(CST).date() if site.value else None
    found = generic.published(day)
    if found.value is not None and (found.source in PRECISE_DATE_SOURCES or site.value is None):
        return found
    return site


def read_modified(
    nodes: PageNodes, ld: dict[str, Any], generic: GenericPage, published: Field
) -> Field:
    site = extract_modified(nodes, ld)
    if (
        site.value is not None
        or published.path == SITE_PATH
        and published.source in (PRECISE_DATE_SOURCES)
    ):
        return site
    return _nothing(generic.modified(published.value))


def read_authors(nodes: PageNodes, ld: dict[str, Any], generic: GenericPage) -> Field:
    site = extract_authors(nodes, ld)
    if site.value or ld or nodes.bylines:
        return site
    return _nothing(generic.authors(), [])


def read_categories(
    nodes: PageNodes, ld: dict[str, Any], generic: GenericPage, is_amp: bool
) -> Field:
    site = extract_categories(nodes, ld)
    return site if site.value or is_amp else _nothing(generic.categories(), [])


def read_tags(nodes: PageNodes, ld: dict[str, Any], generic: GenericPage, is_amp: bool) -> Field:
    site = extract_tags(nodes, ld)
    if site.value or nodes.tag_boxes or "keywords" in ld or is_amp:
        return site
    return _nothing(generic.tags(), [])


def link_share(content: etree._Element, body: CleanBody, nodes: PageNodes) -> float:
    """The share of the body's characters that are link text."""
    total = len(body.text)
    if not total:
        return 0.0
    links = sum(
        len(normalise_space(nodes.text(a, " "))) for a in content.iter("a") if a not in nodes.gone
    )
    return links / total


def read_body(
    nodes: PageNodes,
    body: CleanBody,
    generic: GenericPage,
    title: str | None,
) -> tuple[CleanBody, str, str | None]:
    """The body, the source that read it (``markup``, ``trafilatura``, ``extruct``), its path."""
    content = nodes.content
    if (
        content is not None
        and body.paragraphs
        and link_share(content, body, nodes) < MAX_LINK_SHARE
    ):
        return body, "markup", SITE_PATH
    found, path = generic_body(generic, title)
    if path is not None:
        return found, path.split(":", 1)[1], path
    if body.paragraphs:
        # The fallback found nothing either: a page of links is kept as the site path read it.
        return body, "markup", SITE_PATH
    return body, "markup", None
