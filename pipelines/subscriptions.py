"""Who gets what: the subscriptions file (``CQMONITOR_SUBSCRIPTIONS``), validated on load.

A subscription names a Slack channel and the topics, event kinds and keywords it wants, and
whether it hears of them in the daily digest or at once (``instant``). Without a file there is
one subscription, ``default``, to ``CQMONITOR_SLACK_CHANNEL``, with everything, daily: the
behaviour before subscriptions existed. Errors name the file and the key path, like the
taxonomy's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.slack import CHANNEL_NAME, is_channel_id
from pipelines.taxonomy import Taxonomy

DEFAULT_NAME = "default"
_NAME = re.compile(r"^[a-z0-9-]+$")


class SubscriptionError(ValueError):
    """The subscriptions file cannot be used; the message names the file and the key path."""


class Cadence(StrEnum):
    """When a subscription hears of new items."""

    DAILY = "daily"
    INSTANT = "instant"


class _SubscriptionModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    channel: str
    topics: list[str] | None = None
    kinds: list[str] | None = None
    articles: bool = True
    keywords: list[str] = Field(default_factory=list)
    delivery: Cadence = Cadence.DAILY
    weekly_report: bool = False
    # The sources whose articles it wants (None: every source).
    sources: list[str] | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("must be lower-case letters, digits and '-' ([a-z0-9-]+)")
        return value

    @field_validator("channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not (is_channel_id(value) or CHANNEL_NAME.fullmatch(value.strip())):
            raise ValueError("must be a channel id (C0123ABCD) or a #channel-name")
        return value.strip()

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value: list[str]) -> list[str]:
        if any(not k.strip() for k in value):
            raise ValueError("keywords must not be empty")
        return value


class _FileModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subscriptions: list[_SubscriptionModel]


@dataclass(frozen=True)
class Subscription:
    """One team's delivery: its channel, what it wants, and when."""

    name: str
    channel: str
    # None: every topic (every kind), of this taxonomy or any earlier one.
    topics: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    articles: bool = True
    keywords: tuple[str, ...] = ()
    delivery: Cadence = Cadence.DAILY
    weekly_report: bool = False
    sources: frozenset[str] | None = None

    @property
    def asset_name(self) -> str:
        """Its name as a Dagster asset key part (no hyphens)."""
        return self.name.replace("-", "_")

    @property
    def instant(self) -> bool:
        return self.delivery == Cadence.INSTANT

    def wants_topics(self, topics: Iterable[str]) -> bool:
        """Whether an item on ``topics`` is on one of this subscription's topics."""
        found = set(topics)
        return bool(found) and (self.topics is None or bool(found & self.topics))

    def wants_kind(self, kind: str) -> bool:
        return self.kinds is None or kind in self.kinds

    def wants_source(self, source: str) -> bool:
        return self.sources is None or source in self.sources

    def wants_keywords(self, *texts: str | None) -> bool:
        """True without keywords; else when one of them is in one of ``texts`` (any case)."""
        if not self.keywords:
            return True
        folded = " ".join(t or "" for t in texts).casefold()
        return any(k.casefold() in folded for k in self.keywords)


def _location(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _resolve(model: _SubscriptionModel, taxonomy: Taxonomy, where: str, label: str) -> Subscription:
    def known(values: list[str] | None, allowed: Iterable[str], key: str) -> frozenset[str] | None:
        allowed = tuple(allowed)
        if values is None:
            return None
        for i, value in enumerate(values):
            if value not in allowed:
                raise SubscriptionError(
                    f"{label}: {where}.{key}[{i}]: unknown {key[:-1]} {value!r} "
                    f"(the taxonomy has: {', '.join(allowed)})"
                )
        return frozenset(values)

    return Subscription(
        name=model.name,
        channel=model.channel,
        topics=known(model.topics, taxonomy.topics, "topics"),
        kinds=known(model.kinds, taxonomy.events.kinds, "kinds"),
        articles=model.articles,
        keywords=tuple(k.strip() for k in model.keywords),
        delivery=model.delivery,
        weekly_report=model.weekly_report,
        sources=frozenset(model.sources) if model.sources is not None else None,
    )


def parse_subscriptions(data: Any, taxonomy: Taxonomy, label: str) -> tuple[Subscription, ...]:
    """Validate the parsed YAML ``data`` (``label`` names its file in errors)."""
    try:
        parsed = _FileModel.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SubscriptionError(f"{label}: {_location(first['loc'])}: {message}") from exc
    if not parsed.subscriptions:
        raise SubscriptionError(f"{label}: subscriptions: must list at least one subscription")
    out = []
    seen: set[str] = set()
    for i, model in enumerate(parsed.subscriptions):
        where = f"subscriptions[{i}]"
        if model.name in seen:
            raise SubscriptionError(f"{label}: {where}.name: {model.name!r} is used twice")
        seen.add(model.name)
        out.append(_resolve(model, taxonomy, where, label))
    return tuple(out)


def default_subscription(channel: str) -> Subscription:
    """Everything (the weekly report too), daily, to ``channel``: the delivery of a run without
    a subscriptions file."""
    return Subscription(name=DEFAULT_NAME, channel=channel, weekly_report=True)


def load_subscriptions(
    path: str | Path | None, taxonomy: Taxonomy, *, default_channel: str
) -> tuple[Subscription, ...]:
    """The subscriptions of ``path``; without one, ``default`` to ``default_channel``."""
    if not path:
        return (default_subscription(default_channel),)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise SubscriptionError(f"{file}: cannot read: {exc.strerror or exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SubscriptionError(f"{file}: (root): not valid YAML: {exc}") from exc
    return parse_subscriptions(data, taxonomy, str(file))
