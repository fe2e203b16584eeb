"""Who gets what: the subscriptions file (``CQMONITOR_SUBSCRIPTIONS``), validated on load.

A subscription names a Slack channel and the topics, event kinds and keywords it wants, and
whether it hears of them in the daily digest or at once (``instant``). Without a file there is
one subscription, ``default``, to ``CQMONITOR_SLACK_CHANNEL``, with everything, daily: the
behaviour before subscriptions existed. Errors name the file and the key path, like the
taxonomy's.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipelines.core.problems import InputError
from pipelines.slack import CHANNEL_NAME, is_channel_id
from pipelines.taxonomy import Taxonomy

DEFAULT_NAME = "default"
_NAME = re.compile(r"^[a-z0-9-]+$")


class SubscriptionError(InputError, ValueError):
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
    # Required as ?token= by `cqmonitor serve` for the subscription's calendar feed.
    calendar_token: str | None = Field(default=None, min_length=16, max_length=256)
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
    # A secret: never shown (repr=False keeps it out of logs and the Dagster UI).
    calendar_token: str | None = field(default=None, repr=False)
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


def _node_at(root: yaml.Node | None, loc: Sequence[Any]) -> yaml.Node | None:
    """The YAML node at the key path ``loc`` (the deepest one that exists)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                # An unknown key: point at the key itself.
                key = next((k for k, _ in node.value if getattr(k, "value", None) == part), None)
                return key or node
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Problems:
    """Every problem of one file, each with its line, said at once."""

    def __init__(self, label: str, root: yaml.Node | None) -> None:
        self.label = label
        self.root = root
        self.found: list[str] = []

    def add(self, loc: Sequence[Any], message: str) -> None:
        node = _node_at(self.root, loc)
        line = f"line {node.start_mark.line + 1}: " if node is not None else ""
        self.found.append(f"{line}{_location(loc)}: {message}")

    def raise_any(self) -> None:
        if not self.found:
            return
        count = f"{len(self.found)} problems: " if len(self.found) > 1 else ""
        raise SubscriptionError(f"{self.label}: {count}{'; '.join(self.found)}")


def _resolve(
    model: _SubscriptionModel, taxonomy: Taxonomy, i: int, problems: _Problems
) -> Subscription:
    def known(values: list[str] | None, allowed: Iterable[str], key: str) -> frozenset[str] | None:
        allowed = tuple(allowed)
        if values is None:
            return None
        for j, value in enumerate(values):
            if value not in allowed:
                problems.add(
                    ["subscriptions", i, key, j],
                    f"unknown {key[:-1]} {value!r}{_suggest(value, allowed)} "
                    f"(the taxonomy has: {', '.join(allowed)})",
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
        calendar_token=model.calendar_token,
        sources=frozenset(model.sources) if model.sources is not None else None,
    )


def _message(error: Any) -> str:
    loc = error["loc"]
    if error["type"] == "extra_forbidden" and loc:
        fields = _SubscriptionModel.model_fields if len(loc) > 2 else _FileModel.model_fields
        return f"unknown key{_suggest(str(loc[-1]), fields)}"
    return str(error["msg"]).removeprefix("Value error, ")


def parse_subscriptions(
    data: Any, taxonomy: Taxonomy, label: str, root: yaml.Node | None = None
) -> tuple[Subscription, ...]:
    """Validate the parsed YAML ``data`` (``label`` names its file, ``root`` its nodes, for the
    lines). Every problem is reported at once, each with its line and key path."""
    problems = _Problems(label, root)
    try:
        models = list(_FileModel.model_validate(data).subscriptions)
    except ValidationError as exc:
        # Said entry by entry, so that a good entry's taxonomy problems are said too.
        models = []
        entries = data.get("subscriptions") if isinstance(data, dict) else None
        for error in exc.errors():
            loc = error["loc"]
            if not (isinstance(entries, list) and len(loc) > 1 and loc[0] == "subscriptions"):
                problems.add(loc, _message(error))
        if isinstance(entries, list):
            for i, entry in enumerate(entries):
                try:
                    models.append((i, _SubscriptionModel.model_validate(entry)))
                except ValidationError as bad:
                    for error in bad.errors():
                        loc = ["subscriptions", i, *error["loc"]]
                        problems.add(loc, _message({**error, "loc": loc}))
    else:
        models = list(enumerate(models))
    if not models and not problems.found:
        problems.add(["subscriptions"], "must list at least one subscription")
    out = []
    seen: set[str] = set()
    for i, model in models:
        if model.name in seen:
            problems.add(["subscriptions", i, "name"], f"{model.name!r} is used twice")
        seen.add(model.name)
        out.append(_resolve(model, taxonomy, i, problems))
    problems.raise_any()
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
    except UnicodeDecodeError as exc:
        # Saved in Latin-1 or another legacy encoding: say so, and how to fix it.
        raise SubscriptionError(
            f"{file}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}): "
            "save it as UTF-8"
        ) from exc
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        why = getattr(exc, "problem", None) or str(exc)
        raise SubscriptionError(f"{file}: {where}not valid YAML: {why}") from exc
    return parse_subscriptions(data, taxonomy, str(file), root)
