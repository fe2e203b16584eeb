"""The site path: one reader per article field, each returning the value, where it was read and
the raw text.

Sources, most trusted first: ``json-ld``, ``opengraph``, ``markup`` (``markup:time``,
``markup:byline``, ``markup:title``, ``markup:class``), ``meta``, ``url``. These readers know the
site's own markup; ``generic`` holds the readers that do not, tried when these find nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from pipelines.cleaning import element_string
from pipelines.core.instants import CST, parse_instant
from pipelines.core.text import normalise_space
from pipelines.core.urls import article_date

from .dates import parse_byline_date
from .nodes import PageNodes, meta_content

SITE_SUFFIX = re.compile(r"\s*[-–|]\s*iChongqing\s*$", re.IGNORECASE)
NOT_PEOPLE = frozenset(("ichongqing", "ichongqing.info", "admin", "editor"))
# Where a publication date carries its time of day; the others give the day only.
PRECISE_DATE_SOURCES = frozenset(
    ("json-ld", "opengraph", "markup:time", "extruct", "htmldate+time", "htmldate")
)
SITE_PATH = "site"
_POST_ID = re.compile(r"^post-\d+$")


@dataclass
class Field:
    """A field's normalised value, the place it came from and the raw text it was read from.

    ``path`` says which reader won: ``site`` (this module) or ``fallback:<library>``.
    """

    value: Any
    source: str | None
    raw: Any = None
    path: str | None = SITE_PATH


def site_title(text: str) -> str:
    """A title as stored, whoever read it: spaces collapsed, the site's name dropped."""
    return normalise_space(SITE_SUFFIX.sub("", normalise_space(text)))


def extract_title(nodes: PageNodes, ld: dict[str, Any]) -> Field:
    if isinstance(ld.get("headline"), str) and ld["headline"].strip():
        return Field(site_title(ld["headline"]), "json-ld", ld["headline"])
    og = meta_content(nodes, "og:title")
    if og:
        return Field(site_title(og), "opengraph", og)
    # "h1.post-title, h1.amp-wp-title, article h1, h1": the list ends with any h1.
    h1 = nodes.h1s[0] if nodes.h1s else None
    if h1 is not None and nodes.text(h1, strip=True):
        raw = nodes.text(h1, " ")
        return Field(site_title(raw), "markup", raw)
    raw = element_string(nodes.titles[0], nodes.skip) if nodes.titles else None
    if raw and site_title(raw):
        return Field(site_title(raw), "markup:title", raw)
    return Field(None, None, path=None)


def _byline_time(nodes: PageNodes) -> tuple[datetime | None, str | None]:
    for node in nodes.times:
        raw = str(node.get("datetime"))
        instant = parse_instant(raw)
        if instant:
            return instant, raw
    return None, None


def extract_published(nodes: PageNodes, ld: dict[str, Any], url: str) -> Field:
    raw = ld.get("datePublished")
    if isinstance(raw, str) and parse_instant(raw):
        return Field(parse_instant(raw), "json-ld", raw)
    raw = meta_content(nodes, "article:published_time")
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
    return Field(None, None, path=None)


def extract_modified(nodes: PageNodes, ld: dict[str, Any]) -> Field:
    raw = ld.get("dateModified")
    if isinstance(raw, str) and parse_instant(raw):
        return Field(parse_instant(raw), "json-ld", raw)
    raw = meta_content(nodes, "article:modified_time")
    if raw and parse_instant(raw):
        return Field(parse_instant(raw), "opengraph", raw)
    return Field(None, None, path=None)


def split_names(text: str) -> list[str]:
    """People named in a byline (``A, B and C``), without the site's own name."""
    parts = re.split(r"\s*(?:,|;|\band\b|&|/)\s*", text, flags=re.IGNORECASE)
    names = [normalise_space(p) for p in parts]
    return [n for n in names if n and n.lower() not in NOT_PEOPLE]


def extract_authors(nodes: PageNodes, ld: dict[str, Any]) -> Field:
    authors = ld.get("author")
    if authors:
        items = authors if isinstance(authors, list) else [authors]
        names = []
        for item in items:
            if isinstance(item, dict) and item.get("@type", "Person") == "Person":
                names.extend(split_names(str(item.get("name") or "")))
            elif isinstance(item, str):
                names.extend(split_names(item))
        if names:
            return Field(names, "json-ld", authors)
    # "div.post-meta .author-name, .post-meta [rel=author], .byline .author"
    if nodes.authors:
        raws = [nodes.text(span, " ") for span in nodes.authors]
        names = []
        for raw in raws:
            names.extend(split_names(raw))
        return Field(names, "markup", raws)
    for prop in ("article:author", "author"):
        raw = meta_content(nodes, prop)
        if raw and not raw.startswith("http") and raw.lower() not in NOT_PEOPLE:
            return Field(split_names(raw), "meta", raw)
    return Field([], "json-ld" if ld else "markup", authors)


def _as_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def extract_categories(nodes: PageNodes, ld: dict[str, Any]) -> Field:
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


def extract_tags(nodes: PageNodes, ld: dict[str, Any]) -> Field:
    if _as_list(ld.get("keywords")):
        return Field(_as_list(ld["keywords"]), "json-ld", ld["keywords"])
    tags = [normalise_space(nodes.text(a, " ")) for a in nodes.tags]
    return Field([t for t in dict.fromkeys(tags) if t], "markup" if tags else None)


def extract_post_id(nodes: PageNodes) -> int | None:
    for article in nodes.articles:
        value = article.get("id")
        if value is not None and _POST_ID.search(value):
            return int(value.split("-")[1])
    shortlink = nodes.link("shortlink")
    match = re.search(r"[?&]p=(\d+)", str(shortlink.get("href"))) if shortlink is not None else None
    return int(match.group(1)) if match else None
