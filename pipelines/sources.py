"""Where articles come from: the sources file (``CQMONITOR_SOURCES``), validated on load.

A source is a site crawled on its own: a name, a base URL, optionally its feeds and sitemaps
(discovered when not given), a URL regex that tells its article pages from the rest, the timezone
its bare dates are in, the delay between its requests, and whether it is crawled at all. Without a
file there is one source, ``ichongqing``, read by its own spider at ``CQMONITOR_SOURCE_URL``: the
behaviour before sources existed. It stays built in; the file lists the other sources, each read
by the generic spider, so adding one is a YAML entry.

Errors name the file and the key path, all of them at once, like the subscriptions file's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.core.urls import ICHONGQING_SOURCE

ICHONGQING = ICHONGQING_SOURCE
ICHONGQING_URL = "https://www.ichongqing.info"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class SourceError(ValueError):
    """The sources file cannot be used; the message names the file and every bad key path."""


class _SourceModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    url: str
    feeds: list[str] = Field(default_factory=list)
    sitemaps: list[str] = Field(default_factory=list)
    article_pattern: str | None = None
    timezone: str = "Asia/Shanghai"
    delay: float | None = Field(default=None, ge=0)
    enabled: bool = True

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        # The name becomes a Dagster asset key and a concurrency pool: no hyphens.
        if not _NAME.fullmatch(value):
            raise ValueError("must be lower-case letters, digits and '_', starting with a letter")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value.strip().rstrip("/")

    @field_validator("feeds", "sitemaps")
    @classmethod
    def _links(cls, values: list[str]) -> list[str]:
        for value in values:
            if not value.startswith("/") and urlsplit(value).scheme not in ("http", "https"):
                raise ValueError(f"not a path or an http(s) URL: {value!r}")
        return values

    @field_validator("article_pattern")
    @classmethod
    def _pattern(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r} (an IANA name: Asia/Shanghai)") from exc
        return value


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[_SourceModel]


@dataclass(frozen=True)
class Source:
    """One site crawled on its own; ``generic`` unless it is iChongqing (its own readers)."""

    name: str
    url: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_pattern: str | None = None
    timezone: str = "Asia/Shanghai"
    delay: float | None = None
    enabled: bool = True
    spider: str = field(default="source")

    @property
    def generic(self) -> bool:
        return self.spider != ICHONGQING

    @property
    def pool(self) -> str:
        """The Dagster concurrency pool of its crawls, named by its host (and port): two
        sources on one host share it, so one host is crawled by one step at a time."""
        netloc = urlsplit(self.url).netloc.lower()
        return "crawl_" + re.sub(r"[^a-z0-9]+", "_", netloc).strip("_")


def default_sources(url: str = ICHONGQING_URL) -> tuple[Source, ...]:
    """iChongqing alone, by its own spider: the sources of a run without a sources file."""
    return (Source(name=ICHONGQING, url=url, spider=ICHONGQING),)


def _location(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def parse_sources(data: Any, label: str) -> tuple[Source, ...]:
    """Validate the parsed YAML ``data`` (``label`` names its file in errors)."""
    try:
        parsed = _FileModel.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{label}: {_location(e['loc'])}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise SourceError("\n".join(lines)) from exc
    problems: list[str] = []
    if not parsed.sources:
        problems.append(f"{label}: sources: must list at least one source")
    seen: set[str] = set()
    out = []
    for i, model in enumerate(parsed.sources):
        if model.name in seen:
            problems.append(f"{label}: sources[{i}].name: {model.name!r} is used twice")
        if model.name == ICHONGQING:
            problems.append(
                f"{label}: sources[{i}].name: {ICHONGQING!r} is built in (its own spider, at "
                "CQMONITOR_SOURCE_URL / --source-url): list the other sources here"
            )
        seen.add(model.name)
        out.append(
            Source(
                name=model.name,
                url=model.url,
                feeds=tuple(model.feeds),
                sitemaps=tuple(model.sitemaps),
                article_pattern=model.article_pattern,
                timezone=model.timezone,
                delay=model.delay,
                enabled=model.enabled,
            )
        )
    if problems:
        raise SourceError("\n".join(problems))
    return tuple(out)


def load_sources(
    path: str | Path | None, *, default_url: str = ICHONGQING_URL
) -> tuple[Source, ...]:
    """iChongqing at ``default_url``, then the sources of ``path`` (none without a file)."""
    if not path:
        return default_sources(default_url)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SourceError(f"{file}: (root): not valid YAML: {exc}") from exc
    return default_sources(default_url) + parse_sources(data, str(file))
