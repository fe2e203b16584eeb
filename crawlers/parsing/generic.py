"""The generic path: readers that know no site, tried for a field when the site path found nothing.

Each one leans on a well-kept library of the field rather than on rules written here: embedded
metadata (JSON-LD, microdata, RDFa) through extruct, publication and edit dates through htmldate,
title, byline, categories and tags through trafilatura's metadata. Each library runs at most once
a page, and only when a field asks for it: a page the site path reads in full costs nothing here.
A library that fails on a page is a field not found, noted in ``problems``, never a lost page.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from pipelines.core.instants import CST, parse_instant
from pipelines.core.text import normalise_space

from .fields import Field, site_title, split_names

logger = logging.getLogger(__name__)

# Embedded metadata nodes that describe the page's own story, most specific first.
_STORY_TYPES = ("NewsArticle", "ReportageNewsArticle", "Article", "BlogPosting", "Report")
_PAGE_TYPES = ("WebPage", "ItemPage")
# Dates further apart than this from the day the address names are some other story's.
_DAY_TOLERANCE = timedelta(days=1)
_TIME_OF_DAY = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def fallback(library: str) -> str:
    """The provenance of a field read by ``library`` on the generic path."""
    return f"fallback:{library}"


def _local(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _types(node: dict[str, Any]) -> list[str]:
    value = node.get("@type")
    return [_local(str(t)) for t in (value if isinstance(value, list) else [value]) if t]


def _rdfa_nodes(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """extruct's expanded RDFa as plain nodes: local property names, literal values, references
    to other nodes of the page resolved one level down."""
    by_id = {item.get("@id"): item for item in items if isinstance(item, dict)}

    def value(entry: Any, depth: int) -> Any:
        if not isinstance(entry, dict):
            return entry
        if "@value" in entry:
            return entry["@value"]
        target = by_id.get(entry.get("@id"))
        return flat(target, depth + 1) if target is not None and depth < 1 else None

    def flat(item: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        node: dict[str, Any] = {"@type": _types(item)}
        for key, entries in item.items():
            if key.startswith("@"):
                continue
            values = [
                value(e, depth) for e in (entries if isinstance(entries, list) else [entries])
            ]
            values = [v for v in values if v is not None]
            if values:
                node[_local(key)] = values[0] if len(values) == 1 else values
        return node

    for item in items:
        if isinstance(item, dict):
            yield flat(item)


def _names(value: Any) -> list[str]:
    """People of an embedded ``author``: Person nodes and plain names."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and "Person" in (_types(item) or ["Person"]):
            names.extend(split_names(str(item.get("name") or "")))
        elif isinstance(item, str):
            names.extend(split_names(item))
    return names


def _words(value: Any) -> list[str]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return list(dict.fromkeys(normalise_space(str(v)) for v in items if normalise_space(str(v))))


def _with_time(value: Any) -> datetime | None:
    """An instant from text that names a time of day (a bare date is no instant)."""
    if not isinstance(value, str) or not _TIME_OF_DAY.match(value.strip()):
        return None
    return parse_instant(value)


def _near(instant: datetime, day: date | None) -> bool:
    if day is None:
        return True
    return abs(instant.astimezone(CST).date() - day) <= _DAY_TOLERANCE


class GenericPage:
    """The generic readers of one page; ``problems`` collects what a library could not do."""

    def __init__(self, html: str | bytes, url: str) -> None:
        self.html = html
        self.url = url
        self.problems: list[str] = []

    def guarded(self, library: str, call: Callable[[], Any], default: Any) -> Any:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - a library's failure must not lose the page
            message = f"{library} failed: {type(exc).__name__}: {str(exc)[:120]}"
            logger.warning("%s on %s", message, self.url)
            self.problems.append(message)
            return default

    @cached_property
    def tree(self) -> Any:
        """The page as trafilatura and htmldate read it (their own parser and repairs)."""
        from trafilatura.utils import load_html

        return self.guarded("trafilatura", lambda: load_html(self.html), None)

    @cached_property
    def metadata(self) -> Any:
        """trafilatura's metadata of the page (title, author, categories, tags), or None."""
        from trafilatura import extract_metadata

        if self.tree is None:
            return None
        return self.guarded(
            "trafilatura", lambda: extract_metadata(self.tree, default_url=self.url), None
        )

    @cached_property
    def embedded(self) -> list[dict[str, Any]]:
        """The page's JSON-LD, microdata and RDFa nodes that describe a story or the page."""
        import extruct

        syntaxes = ["json-ld", "microdata"]
        # RDFa parsing is slow (pyRdfa walks every node): only where some element is typed,
        # not for the OpenGraph ``property`` attributes nearly every page has.
        if self.tree is not None and self.tree.find(".//*[@typeof]") is not None:
            syntaxes.append("rdfa")
        found = self.guarded(
            "extruct",
            lambda: extruct.extract(
                self.html,
                base_url=self.url,
                syntaxes=syntaxes,
                uniform=True,
                errors="ignore",
            ),
            {},
        )
        nodes: list[dict[str, Any]] = []
        for syntax in ("json-ld", "microdata"):
            for item in found.get(syntax) or []:
                if isinstance(item, dict):
                    nodes.extend(item.get("@graph", [item]))
        nodes.extend(_rdfa_nodes(found.get("rdfa") or []))

        def rank(node: Any) -> int:
            types = _types(node) if isinstance(node, dict) else []
            for i, wanted in enumerate((*_STORY_TYPES, *_PAGE_TYPES)):
                if wanted in types:
                    return i
            return -1

        ranked = sorted((n for n in nodes if rank(n) >= 0), key=rank)
        return ranked

    def _embedded(self, key: str, stories_only: bool = False) -> Any:
        for node in self.embedded:
            if stories_only and not set(_types(node)) & set(_STORY_TYPES):
                continue
            value = node.get(key)
            if value:
                return value
        return None

    def _times(self) -> list[tuple[str, datetime]]:
        """Every ``<time datetime>`` of the page that names a time of day, in page order, with
        the text of its attribute (whose first ten characters are its own local day)."""
        if self.tree is None:
            return []
        found = ((str(node.get("datetime")).strip(), node) for node in self.tree.iter("time"))
        return [(raw, at) for raw, _ in found if (at := _with_time(raw)) is not None]

    def _htmldate(self, original: bool) -> str | None:
        from htmldate import find_date

        if self.tree is None:
            return None
        return self.guarded(
            "htmldate",
            lambda: find_date(
                self.tree,
                original_date=original,
                outputformat="%Y-%m-%dT%H:%M:%S%z",
                # An address names the publication day, never an edit's: "" keeps htmldate
                # from reading one off the canonical link.
                url=self.url if original else "",
                deferred_url_extractor=True,
            ),
            None,
        )

    def _dated(self, original: bool, day: date | None) -> Field:
        """htmldate's choice of date, with the time of day of a ``<time>`` on that day.

        htmldate picks which of the page's dates is the publication (or latest edit), but keeps
        the time of day only from some markup; a machine-readable ``<time datetime>`` of the same
        day gives it back.
        """
        raw = self._htmldate(original)
        if not raw:
            return Field(None, None, path=None)
        when = datetime.fromisoformat(raw)
        instant: datetime | None = None
        source = "htmldate"
        if when.tzinfo is not None or when.time() != time(0, 0):
            # A time of day htmldate kept; without an offset it is the site's clock.
            instant = parse_instant(raw)
        else:
            same_day = [at for text, at in self._times() if text[:10] == raw[:10]]
            if same_day:
                instant, source = (min if original else max)(same_day), "htmldate+time"
            else:
                # A day and no time: midnight in Chongqing, as the site path reads a bare day.
                instant = datetime.combine(when.date(), time(0, 0), CST).astimezone(UTC)
                source = "htmldate:day"
        if instant is None or not _near(instant, day):
            return Field(None, None, path=None)
        return Field(instant, source, raw, fallback("htmldate"))

    # ------------------------------------------------------------------ one reader per field

    def title(self) -> Field:
        meta = self.metadata
        if meta is not None and meta.title and site_title(meta.title):
            return Field(site_title(meta.title), "trafilatura", meta.title, fallback("trafilatura"))
        raw = self._embedded("headline") or self._embedded("name", stories_only=True)
        if isinstance(raw, str) and site_title(raw):
            return Field(site_title(raw), "extruct", raw, fallback("extruct"))
        return Field(None, None, path=None)

    def published(self, day: date | None) -> Field:
        """The publication instant; ``day`` is the day the site path read off the address or
        byline, and a date far from it is another story's."""
        raw = self._embedded("datePublished")
        instant = _with_time(raw) if isinstance(raw, str) else None
        if instant is not None and _near(instant, day):
            return Field(instant, "extruct", raw, fallback("extruct"))
        return self._dated(True, day)

    def modified(self, published: datetime | None) -> Field:
        """The last edit, when the page names one later than the publication."""
        raw = self._embedded("dateModified")
        instant = _with_time(raw) if isinstance(raw, str) else None
        if instant is not None and (published is None or instant >= published):
            return Field(instant, "extruct", raw, fallback("extruct"))
        found = self._dated(False, None)
        later = found.value is not None and (published is None or found.value > published)
        if later and found.source != "htmldate:day":
            return found
        return Field(None, None, path=None)

    def authors(self) -> Field:
        raw = self._embedded("author")
        names = _names(raw) if raw else []
        if names:
            return Field(names, "extruct", raw, fallback("extruct"))
        meta = self.metadata
        if meta is not None and meta.author:
            names = self._byline(split_names(meta.author))
            if names:
                return Field(names, "trafilatura", meta.author, fallback("trafilatura"))
        return Field([], None, path=None)

    def _byline(self, names: list[str]) -> list[str]:
        """trafilatura reads the first name of a byline; the byline's other names are the
        elements beside that one, of the same kind (``By <a>A</a> and <a>B</a>``)."""
        if not names or self.tree is None:
            return names
        first = names[0].lower()
        for node in self.tree.iter("a", "span"):
            if normalise_space(node.text_content()).lower() != first:
                continue
            parent = node.getparent()
            kind = (node.tag, node.get("class"), node.get("rel"))
            same = [s for s in parent if (s.tag, s.get("class"), s.get("rel")) == kind]
            found = [n for s in same for n in split_names(normalise_space(s.text_content()))]
            return list(dict.fromkeys(found + names))
        return names

    def _listed(self, embedded_key: str, metadata_key: str) -> Field:
        """Words the publisher embedded (``articleSection``, ``keywords``), else trafilatura's."""
        raw = self._embedded(embedded_key, stories_only=True)
        if _words(raw):
            return Field(_words(raw), "extruct", raw, fallback("extruct"))
        found = getattr(self.metadata, metadata_key, None) if self.metadata is not None else None
        if _words(found):
            return Field(_words(found), "trafilatura", found, fallback("trafilatura"))
        return Field([], None, path=None)

    def categories(self) -> Field:
        return self._listed("articleSection", "categories")

    def tags(self) -> Field:
        return self._listed("keywords", "tags")

    def article_body(self) -> str | None:
        """The ``articleBody`` the publisher embedded in the page, if any."""
        raw = self._embedded("articleBody", stories_only=True)
        return raw if isinstance(raw, str) and raw.strip() else None
