"""What a digest holds: events, other topic articles and the labels to name them by.

Plain dataclasses, filled from the database by ``pipelines.delivery`` and rendered by
``pipelines.digest.render``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pipelines.core.instants import CST, utcnow
from pipelines.core.statuses import DigestItemType
from pipelines.taxonomy import Taxonomy, load_taxonomy

ITEM_EVENT = DigestItemType.EVENT
ITEM_ARTICLE = DigestItemType.ARTICLE

DEFAULT_TITLE = "cqmonitor digest"


def _plural_noun(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


@dataclass(frozen=True)
class DigestLabels:
    """How the digest names topics and event kinds, in the taxonomy's order.

    ``topics`` pairs each topic key with its label (``label`` in taxonomy.yaml); an event kind
    is named after its key (``trade_fair``: "trade fair", heading "Trade fairs").
    """

    topics: tuple[tuple[str, str], ...]
    kinds: tuple[str, ...]

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> DigestLabels:
        return cls(
            topics=tuple((key, spec.label or key) for key, spec in taxonomy.topics.items()),
            kinds=tuple(taxonomy.events.kinds),
        )

    def topic(self, key: str) -> str:
        return dict(self.topics).get(key, key)

    def topic_names(self, keys: Iterable[str]) -> str:
        return ", ".join(self.topic(k) for k in keys)

    def topics_sentence(self, conjunction: str = "or") -> str:
        names = [label for _key, label in self.topics]
        if len(names) < 2:
            return "".join(names)
        return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"

    def ordered_topics(self, keys: Iterable[str]) -> tuple[str, ...]:
        """``keys`` in the taxonomy's order, unknown ones (an older taxonomy's) last."""
        found = set(keys)
        known = [key for key, _label in self.topics]
        return tuple(k for k in known if k in found) + tuple(sorted(found - set(known)))

    def singular(self, kind: str) -> str:
        return kind.replace("_", " ")

    def plural(self, kind: str) -> str:
        return _plural_noun(self.singular(kind))

    def heading(self, kind: str) -> str:
        plural = self.plural(kind)
        return plural[:1].upper() + plural[1:]

    def rank(self, kind: str) -> int:
        return self.kinds.index(kind) if kind in self.kinds else len(self.kinds)


@lru_cache(maxsize=1)
def default_labels() -> DigestLabels:
    """The labels of the packaged taxonomy."""
    return DigestLabels.from_taxonomy(load_taxonomy())


@dataclass(frozen=True)
class DigestLink:
    url: str
    title: str
    published: datetime | None = None  # the article's publication instant


@dataclass(frozen=True)
class DigestEvent:
    """One event, however many articles reported it (``links`` has one entry per article)."""

    kind: str
    name: str
    key: str
    topics: tuple[str, ...] = ()
    date_text: str | None = None
    place: str | None = None
    organisers: tuple[str, ...] = ()
    proposers: tuple[str, ...] = ()
    summary: str = ""
    links: tuple[DigestLink, ...] = ()
    start_date: str | None = None
    end_date: str | None = None
    venue: str | None = None
    city: str | None = None
    status: str | None = None  # an EventStatus value
    parent: str | None = None  # the umbrella event's name, for a sub-event
    # "name (role)" where the role is known; shown instead of ``proposers`` when given.
    proposers_with_roles: tuple[str, ...] = ()
    reports: int = 0  # articles reporting it, all of them (``links`` may hold only new ones)
    # A reader's correction of its date or place, named with its source ("corrected by ...").
    corrected: str = ""

    @property
    def item_key(self) -> str:
        return event_item_key(self.kind, self.key)

    @property
    def report_count(self) -> int:
        return max(self.reports, len(self.links))

    def upcoming(self, today: date) -> bool:
        """Whether it starts (or still runs) on or after ``today``."""
        last = self.end_date or self.start_date
        return bool(last) and str(last) >= today.isoformat()


@dataclass(frozen=True)
class DigestArticle:
    """An article on a topic that reports no event."""

    url: str
    title: str
    topics: tuple[str, ...] = ()
    summary: str = ""
    published: datetime | None = None


@dataclass(frozen=True)
class DigestContent:
    window_start: datetime | None
    window_end: datetime | None
    events: tuple[DigestEvent, ...] = ()
    other_articles: tuple[DigestArticle, ...] = ()
    generated_at: datetime | None = None
    labels: DigestLabels = field(default_factory=default_labels)

    @property
    def is_empty(self) -> bool:
        return not self.events and not self.other_articles

    @property
    def today(self) -> date:
        """The day (China Standard Time) the digest is read on: what is "coming up" after it."""
        return (self.generated_at or utcnow()).astimezone(CST).date()


@dataclass(frozen=True)
class DigestMessage:
    """One Slack message of a digest; ``items`` are the (item_type, item_key) it carries.

    Parts 2.. of a digest go in the thread of part 1; a ``standalone`` message (an instant
    alert) is posted on its own, or in the thread of ``reply_to`` when set.
    """

    blocks: list[dict[str, Any]]
    text: str
    items: tuple[tuple[str, str], ...] = ()
    part: int = 1
    parts: int = 1
    standalone: bool = False
    reply_to: str | None = None

    def thread(self, first_ts: str | None) -> str | None:
        """The thread to post this message in, given the ts of its digest's first message."""
        return self.reply_to if self.standalone else first_ts


def event_item_key(kind: str, event_key: str) -> str:
    return f"{kind}:{event_key}"


def report_item_key(event_item: str, url: str) -> str:
    """An article's report of an event: delivered with the event's alert, or threaded under it."""
    return f"{event_item}@{url}"


def ordered_events(content: DigestContent) -> list[DigestEvent]:
    """Events in digest order: those coming up first, by date; then the reported ones by the
    taxonomy's kind order, stable within a kind."""
    today = content.today

    def order(ev: DigestEvent) -> tuple[int, str, int]:
        if ev.upcoming(today):
            return (0, str(ev.start_date), 0)
        return (1, "", content.labels.rank(ev.kind))

    return sorted(content.events, key=order)


def content_items(content: DigestContent) -> list[tuple[str, str]]:
    """Every deliverable item of ``content``, in digest order."""
    items: list[tuple[str, str]] = [(ITEM_EVENT, ev.item_key) for ev in ordered_events(content)]
    items += [(ITEM_ARTICLE, art.url) for art in content.other_articles]
    return items
