"""Article records of the offline site copy, and what every rendered page is made of.

An article record (see the package docstring and ``articles.json``) is a plain dict. Helpers here
read it (instants, shape flags, addresses, the article's own text and captions), copy it as an
edited or moved post, and turn it into the labeled-article format. ``Page`` is one served
resource. Paths are keyed *decoded* (see ``render``); links inside pages are percent-encoded.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote

from pipelines.core.instants import CST

Article = dict[str, Any]

DEFAULT_SITE_URL = "https://www.ichongqing.info"

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

SHAPE_FLAGS: tuple[str, ...] = (
    "jsonld",
    "og_dates",
    "byline_time",
    "comma_space",
    "related_box",
    "ad_iframe",
    "script",
    "intern_credit",
    "entities",
)
DEFAULT_SHAPE: dict[str, bool] = {flag: flag in ("jsonld", "og_dates") for flag in SHAPE_FLAGS}
NAV_CATEGORIES: tuple[str, ...] = ("News", "Business", "Culture", "Travel")

# Plain pages are older than any post; a fixed instant keeps their validators stable.
STATIC_LASTMOD = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)

INTERN_CREDIT = re.compile(r"^\(.+, an intern, also contributed to this report\.\)$")


@dataclass(frozen=True)
class Page:
    """One served resource: body bytes, its Content-Type and its last modification instant."""

    body: bytes
    content_type: str
    last_modified: datetime
    # Extra response headers, e.g. Content-Encoding for a pre-compressed body in fault tests.
    headers: tuple[tuple[str, str], ...] = ()

    @cached_property
    def etag(self) -> str:
        """Strong validator derived from the body."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:32] + '"'


# ---------------------------------------------------------------------------------------------
# record helpers


def parse_instant(value: str | datetime) -> datetime:
    """An ISO 8601 string (or datetime) as an aware datetime; naive values are taken as CST."""
    dt = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=CST)


def published_at(article: Article) -> datetime:
    """Publication instant of a record."""
    return parse_instant(article["published"])


def modified_at(article: Article) -> datetime:
    """Last modification instant of a record (its publication instant when never edited)."""
    return parse_instant(article.get("modified") or article["published"])


def shape_of(article: Article) -> dict[str, bool]:
    """The record's page-shape flags with defaults filled in."""
    return {**DEFAULT_SHAPE, **article.get("shape", {})}


def slugify(text: str) -> str:
    """A WordPress-like slug: lowercase, apostrophes dropped, other punctuation -> '-'.

    Non-ASCII letters (e.g. the '丨' separator used in iChongqing titles) are kept.
    """
    text = text.lower().replace("'", "").replace("\u2019", "")
    slug = "".join(c if c.isalnum() else "-" for c in text)
    return re.sub(r"-{2,}", "-", slug).strip("-")


def article_path(article: Article) -> str:
    """Decoded site path of an article: ``/YYYY/MM/DD/<slug>/`` (publication date in CST)."""
    day = published_at(article).astimezone(CST)
    return f"/{day:%Y/%m/%d}/{article['slug']}/"


def encode_path(path: str) -> str:
    """Percent-encode a decoded path (UTF-8), as the site writes it in links."""
    return quote(path, safe="/")


def page_key(path: str) -> str:
    """The key of ``build_site``'s mapping for a request path: query dropped, percent-decoded."""
    path = path.split("#", 1)[0].split("?", 1)[0]
    return unquote(path, encoding="utf-8", errors="replace") or "/"


def article_url(article: Article, site_url: str = DEFAULT_SITE_URL) -> str:
    """Canonical absolute address of an article, percent-encoded like the site's own links."""
    return site_url.rstrip("/") + encode_path(article_path(article))


def article_text(article: Article) -> list[str]:
    """The article's own text as paragraphs, in order: paragraphs and subheadings.

    Captions, scripts, ads and boxes are not article text. Strings are as in the record
    (they may hold U+00A0 and typographic quotes).
    """
    out: list[str] = []
    for block in article["blocks"]:
        for kind in ("p", "h2", "strong"):
            if kind in block:
                out.append(block[kind])
    return out


def article_captions(article: Article) -> list[str]:
    """Photo captions of the article, in order."""
    return [block["figure"] for block in article["blocks"] if "figure" in block]


def to_eval_record(article: Article, site_url: str = DEFAULT_SITE_URL) -> dict[str, Any]:
    """The record in the ``eval-dev`` labeled-article format used by ``cqmonitor evaluate``."""
    labels = article.get("labels", {})
    return {
        "id": article["id"],
        "source_url": article_url(article, site_url),
        "slug": article["slug"],
        "title": article["title"],
        "author": " AND ".join(article.get("authors", [])),
        "published": article["published"],
        "categories": list(article.get("categories", [])),
        "tags": list(article.get("tags", [])),
        "paragraphs": article_text(article),
        "captions": article_captions(article),
        "labels": {
            "topics": list(labels.get("topics", [])),
            "events": [dict(e) for e in labels.get("events", [])],
            "acceptable_extra": [dict(e) for e in labels.get("acceptable_extra", [])],
            "note": labels.get("note", ""),
        },
    }


def edited_copy(
    article: Article,
    *,
    modified: str | datetime | None = None,
    text: str | None = None,
    title: str | None = None,
) -> Article:
    """A deep copy of ``article`` as if an editor had changed it later.

    ``modified`` defaults to one day after the record's latest instant. The last ordinary
    paragraph (not an intern credit) is replaced by ``text``, or gets an update sentence appended.
    """
    new = copy.deepcopy(article)
    when = parse_instant(modified) if modified is not None else modified_at(article) + timedelta(1)
    new["modified"] = when.astimezone(CST).isoformat()
    paragraphs = [
        i
        for i, block in enumerate(new["blocks"])
        if "p" in block and not INTERN_CREDIT.match(block["p"])
    ]
    if paragraphs:
        i = paragraphs[-1]
        if text is None:
            stamp = when.astimezone(CST)
            text = (
                new["blocks"][i]["p"]
                + f" This story was updated on {stamp:%B} {stamp.day} with new information."
            )
        new["blocks"][i] = {"p": text}
    elif text is not None:
        new["blocks"].append({"p": text})
    if title is not None:
        new["title"] = title
    return new


def shifted_copy(articles: Iterable[Article], newest: date | None = None) -> list[Article]:
    """Deep copies moved by whole days so that the newest post falls on ``newest`` (CST date).

    ``newest`` defaults to today in CST: a run that looks at "the last 7 days" then finds the
    copy's newest posts. Times of day, the busy day and edit delays are kept.
    """
    copies = copy.deepcopy(list(articles))
    if not copies:
        return copies
    target = newest or datetime.now(CST).date()
    last = max(published_at(a).astimezone(CST).date() for a in copies)
    delta = timedelta(days=(target - last).days)
    for a in copies:
        for key in ("published", "modified"):
            if a.get(key):
                a[key] = (parse_instant(a[key]).astimezone(CST) + delta).isoformat()
    return copies
