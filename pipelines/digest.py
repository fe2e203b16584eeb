"""Pure builder of the Slack digest: content dataclasses in, Block Kit messages out.

Nothing here touches the database or the network, so the layout can be snapshot-tested.

Everything that comes from a web page (titles, names, summaries, places, people) is escaped for
Slack mrkdwn, so an article containing ``<!channel>`` pings nobody and ``<http://evil|click>``
links nowhere. A long digest is split into numbered messages that each stay inside Block Kit's
limits; an item is never cut or dropped: one too long for a section spans several sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_TITLE",
    "ITEM_ARTICLE",
    "ITEM_EVENT",
    "DigestArticle",
    "DigestContent",
    "DigestEvent",
    "DigestLink",
    "DigestMessage",
    "KIND_HEADINGS",
    "MAX_BLOCKS",
    "MAX_HEADER_CHARS",
    "MAX_MESSAGE_CHARS",
    "MAX_SECTION_CHARS",
    "TOPIC_NAMES",
    "build_digest",
    "content_items",
    "escape",
    "event_item_key",
    "message_chars",
    "slack_link",
    "split_text",
]

DEFAULT_TITLE = "cqmonitor digest"

TOPIC_NAMES: dict[str, str] = {
    "talent": "Talent",
    "aerospace_information": "Aerospace information",
    "nev_icv": "NEV/ICV",
}

# kind -> (heading, singular, plural); the order is the order of the digest.
KIND_HEADINGS: dict[str, tuple[str, str, str]] = {
    "conference": ("Conferences", "conference", "conferences"),
    "alliance": ("Alliances", "alliance", "alliances"),
    "proposal": ("Proposals", "proposal", "proposals"),
}

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
# Slack documents no total, but rejects messages whose blocks carry much more than ~13k
# characters of text; stay well under it.
MAX_MESSAGE_CHARS = 12_000

# The source site is in Chongqing: its dates are Beijing dates.
BEIJING = timezone(timedelta(hours=8), "UTC+8")

ITEM_EVENT = "event"
ITEM_ARTICLE = "article"


@dataclass(frozen=True)
class DigestLink:
    url: str
    title: str


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

    @property
    def item_key(self) -> str:
        return event_item_key(self.kind, self.key)


@dataclass(frozen=True)
class DigestArticle:
    """An article on a topic that reports no event."""

    url: str
    title: str
    topics: tuple[str, ...] = ()
    summary: str = ""


@dataclass(frozen=True)
class DigestContent:
    window_start: datetime | None
    window_end: datetime | None
    events: tuple[DigestEvent, ...] = ()
    other_articles: tuple[DigestArticle, ...] = ()
    generated_at: datetime | None = None

    @property
    def is_empty(self) -> bool:
        return not self.events and not self.other_articles


@dataclass(frozen=True)
class DigestMessage:
    """One Slack message of a digest; ``items`` are the (item_type, item_key) it carries."""

    blocks: list[dict[str, Any]]
    text: str
    items: tuple[tuple[str, str], ...] = ()
    part: int = 1
    parts: int = 1


def event_item_key(kind: str, event_key: str) -> str:
    return f"{kind}:{event_key}"


def content_items(content: DigestContent) -> list[tuple[str, str]]:
    """Every deliverable item of ``content``, in digest order."""
    items = [(ITEM_EVENT, ev.item_key) for ev in _ordered_events(content.events)]
    items += [(ITEM_ARTICLE, art.url) for art in content.other_articles]
    return items


# --- escaping ---------------------------------------------------------------------------------


def escape(text: str | None) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_URL_UNSAFE = {
    "|": "%7C",
    "<": "%3C",
    ">": "%3E",
    " ": "%20",
    '"': "%22",
    "\n": "",
    "\r": "",
    "\t": "",
}


def _safe_url(url: str) -> str | None:
    """The url made safe inside ``<url|label>``, or None when it must not be a link at all."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    # Only web links: a javascript: or slack: address from a page must not become clickable.
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    out = "".join(_URL_UNSAFE.get(ch, ch) for ch in url if ch.isprintable() or ch in _URL_UNSAFE)
    return out.replace("&", "&amp;")


def slack_link(url: str, title: str | None) -> str:
    """``<url|title>`` with the title escaped and the url sanitised; plain text if not http(s)."""
    label = escape(" ".join((title or "").split())) or escape(url)
    safe = _safe_url(url)
    if safe is None:
        return f"{label} ({escape(url)})" if label != escape(url) else label
    return f"<{safe}|{label}>"


# --- text helpers -----------------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _topic_names(topics: Iterable[str]) -> str:
    return ", ".join(TOPIC_NAMES.get(t, t) for t in topics)


def _fmt_day(d: datetime) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def _date_range(start: datetime | None, end: datetime | None) -> str:
    """'20–22 Nov 2026', '30 Nov – 2 Dec 2026', '22 Nov 2026' (Beijing dates)."""
    if start is None and end is None:
        return ""
    a = (start or end).astimezone(BEIJING)  # type: ignore[union-attr]
    b = (end or start).astimezone(BEIJING)  # type: ignore[union-attr]
    if a.date() == b.date():
        return _fmt_day(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{_fmt_day(b)}"
    if a.year == b.year:
        return f"{a.day} {a.strftime('%b')} – {_fmt_day(b)}"
    return f"{_fmt_day(a)} – {_fmt_day(b)}"


def _iso_range(start: str | None, end: str | None) -> str:
    def parse(s: str | None) -> datetime | None:
        try:
            return datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=BEIJING) if s else None
        except ValueError:
            return None

    return _date_range(parse(start), parse(end))


def _when(ev: DigestEvent) -> str:
    text = _clean(ev.date_text)
    if text:
        return escape(text)
    return _iso_range(ev.start_date, ev.end_date)


def _topics_sentence(conjunction: str = "or") -> str:
    names = list(TOPIC_NAMES.values())
    return f"{', '.join(names[:-1])} {conjunction} {names[-1]}"


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _counts(content: DigestContent) -> str:
    parts = []
    for kind, (_heading, singular, plural) in KIND_HEADINGS.items():
        n = sum(1 for ev in content.events if ev.kind == kind)
        if n:
            parts.append(_plural(n, singular, plural))
    other = sum(1 for ev in content.events if ev.kind not in KIND_HEADINGS)
    if other:
        parts.append(_plural(other, "other event", "other events"))
    if content.other_articles:
        parts.append(_plural(len(content.other_articles), "other article", "other articles"))
    return ", ".join(parts)


def _ordered_events(events: Sequence[DigestEvent]) -> list[DigestEvent]:
    """Events in digest order: by kind (conference, alliance, proposal, others), stable within."""
    rank = {kind: i for i, kind in enumerate(KIND_HEADINGS)}
    return sorted(events, key=lambda ev: rank.get(ev.kind, len(rank)))


# --- splitting --------------------------------------------------------------------------------

_TOKEN = re.compile(r"<[^<>]*>|\s+|[^\s<]+|<")


def _hard_split(token: str, limit: int) -> list[str]:
    """Cut a token with no spaces into pieces <= limit, never inside an ``&amp;`` entity."""
    pieces = []
    while len(token) > limit:
        cut = limit
        amp = token.rfind("&", max(0, cut - 5), cut)
        if amp != -1 and ";" not in token[amp:cut]:
            cut = amp or limit
        pieces.append(token[:cut])
        token = token[cut:]
    pieces.append(token)
    return pieces


def split_text(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split mrkdwn into chunks <= limit: at line ends, then spaces, never inside ``<...>``."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""

    def push(piece: str, sep: str) -> None:
        nonlocal current
        if not current:
            current = piece.lstrip() if chunks else piece
        elif len(current) + len(sep) + len(piece) <= limit:
            current += sep + piece
        else:
            chunks.append(current.rstrip())
            current = piece.lstrip()

    for line in text.split("\n"):
        if len(line) <= limit:
            push(line, "\n")
            continue
        first = True
        for token in _TOKEN.findall(line):
            for piece in _hard_split(token, limit):
                if first:
                    push(piece, "\n")
                    first = False
                elif piece.isspace():
                    if current and len(current) + len(piece) <= limit:
                        current += piece
                else:
                    push(piece, "")
    if current.strip():
        chunks.append(current.rstrip())
    return [c for c in chunks if c.strip()] or [text[:limit]]


# --- blocks -----------------------------------------------------------------------------------


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _sections(text: str) -> list[dict[str, Any]]:
    return [_section(chunk) for chunk in split_text(text)]


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def _block_chars(block: dict[str, Any]) -> int:
    total = 0
    text = block.get("text")
    if isinstance(text, dict):
        total += len(text.get("text", ""))
    for element in block.get("elements", ()):
        if isinstance(element, dict):
            total += len(element.get("text", ""))
    return total


def message_chars(blocks: Sequence[dict[str, Any]]) -> int:
    """Characters of text a message's blocks carry (what MAX_MESSAGE_CHARS bounds)."""
    return sum(_block_chars(b) for b in blocks)


def _event_mrkdwn(ev: DigestEvent) -> str:
    lines = [f"*{escape(_clean(ev.name))}*"]
    facts = []
    when = _when(ev)
    if when:
        facts.append(f"*When:* {when}")
    if _clean(ev.place):
        facts.append(f"*Where:* {escape(_clean(ev.place))}")
    if facts:
        lines.append("   ".join(facts))
    organisers = [escape(_clean(o)) for o in ev.organisers if _clean(o)]
    if organisers:
        lines.append(f"*Organisers:* {', '.join(organisers)}")
    proposers = [escape(_clean(p)) for p in ev.proposers if _clean(p)]
    if proposers:
        lines.append(f"*Proposed by:* {', '.join(proposers)}")
    if ev.topics:
        lines.append(f"*Topics:* {_topic_names(ev.topics)}")
    if _clean(ev.summary):
        lines.append(escape(_clean(ev.summary)))
    if len(ev.links) == 1:
        lines.append(f"*Source:* {slack_link(ev.links[0].url, ev.links[0].title)}")
    elif ev.links:
        lines.append(f"*Sources ({len(ev.links)}):*")
        lines.extend(f"• {slack_link(link.url, link.title)}" for link in ev.links)
    return "\n".join(lines)


def _article_mrkdwn(art: DigestArticle) -> str:
    line = f"• {slack_link(art.url, art.title)}"
    if art.topics:
        line += f" ({_topic_names(art.topics)})"
    if _clean(art.summary):
        line += f"\n      {escape(_clean(art.summary))}"
    return line


@dataclass
class _Unit:
    """Blocks that belong together: one item (or a heading), kept in one message if possible."""

    group: str
    blocks: list[dict[str, Any]]
    item: tuple[str, str] | None = None
    label: str = ""  # plain name for the fallback text


@dataclass
class _Draft:
    blocks: list[dict[str, Any]] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)
    labels: list[tuple[str, str]] = field(default_factory=list)  # (group, label)
    last_group: str | None = None

    @property
    def chars(self) -> int:
        return message_chars(self.blocks)


_GROUP_ARTICLES = "articles"


def _group_heading(group: str, count: int, continued: bool = False) -> str:
    if group == _GROUP_ARTICLES:
        heading = "Also on the topics"
    else:
        heading = KIND_HEADINGS.get(group, (group.capitalize() + "s", "", ""))[0]
    return f"*{escape(heading)}* (continued)" if continued else f"*{escape(heading)}* ({count})"


def _units(content: DigestContent) -> tuple[list[_Unit], dict[str, int]]:
    units: list[_Unit] = []
    counts: dict[str, int] = {}
    for ev in _ordered_events(content.events):
        counts[ev.kind] = counts.get(ev.kind, 0) + 1
        label = _clean(ev.name)
        when = _clean(ev.date_text) or _iso_range(ev.start_date, ev.end_date)
        facts = [f for f in (when, _clean(ev.place)) if f]
        if facts:
            label += f" ({', '.join(facts)})"
        units.append(_Unit(ev.kind, _sections(_event_mrkdwn(ev)), (ITEM_EVENT, ev.item_key), label))
    for art in content.other_articles:
        counts[_GROUP_ARTICLES] = counts.get(_GROUP_ARTICLES, 0) + 1
        units.append(
            _Unit(
                _GROUP_ARTICLES,
                _sections(_article_mrkdwn(art)),
                (ITEM_ARTICLE, art.url),
                _clean(art.title) or art.url,
            )
        )
    return units, counts


# Room kept in every message for its header and context blocks.
_RESERVED_BLOCKS = 2
_RESERVED_CHARS = MAX_HEADER_CHARS + 600


def _pack(units: list[_Unit], counts: dict[str, int]) -> list[_Draft]:
    max_blocks = MAX_BLOCKS - _RESERVED_BLOCKS
    max_chars = MAX_MESSAGE_CHARS - _RESERVED_CHARS
    drafts = [_Draft()]

    def fits(draft: _Draft, blocks: list[dict[str, Any]]) -> bool:
        return (
            len(draft.blocks) + len(blocks) <= max_blocks
            and draft.chars + message_chars(blocks) <= max_chars
        )

    def lead_in(draft: _Draft, group: str) -> list[dict[str, Any]]:
        """The blocks a unit of ``group`` needs before it in ``draft``: divider and heading."""
        if draft.last_group == group:
            return []
        continued = any(g == group for d in drafts for g, _ in d.labels)
        blocks = [{"type": "divider"}] if draft.blocks else []
        return [*blocks, _section(_group_heading(group, counts[group], continued))]

    for unit in units:
        draft = drafts[-1]
        head = lead_in(draft, unit.group)
        if draft.blocks and not fits(draft, head + unit.blocks):
            draft = _Draft()
            drafts.append(draft)
            head = lead_in(draft, unit.group)
        draft.blocks.extend(head)
        draft.last_group = unit.group
        for block in unit.blocks:
            # Only a unit bigger than a whole message gets here without room: it spans messages.
            if draft.blocks and not fits(draft, [block]):
                draft = _Draft()
                drafts.append(draft)
                draft.blocks.extend(lead_in(draft, unit.group))
                draft.last_group = unit.group
            draft.blocks.append(block)
        # An item is recorded with the message holding its last block: it counts as delivered
        # only once all of it is posted.
        if unit.item is not None:
            draft.items.append(unit.item)
        draft.labels.append((unit.group, unit.label))
    return drafts


def _header_text(title: str, dates: str, part: int, parts: int) -> str:
    suffix = f" ({part}/{parts})" if parts > 1 else ""
    tail = (f" · {dates}" if dates else "") + suffix
    room = MAX_HEADER_CHARS - len(tail)
    title = _clean(title) or DEFAULT_TITLE
    if len(title) > room:
        title = title[: max(1, room - 1)].rstrip() + "…"
    return title + tail


def _fallback_text(header: str, counts_line: str, draft: _Draft, part: int) -> str:
    lines = [f"{header}: {counts_line}." if part == 1 else f"{header}, continued."]
    by_group: dict[str, list[str]] = {}
    for group, label in draft.labels:
        by_group.setdefault(group, []).append(escape(label))
    for group, labels in by_group.items():
        if group == _GROUP_ARTICLES:
            heading = "Also on the topics"
        else:
            heading = KIND_HEADINGS.get(group, (group.capitalize() + "s", "", ""))[0]
        lines.append(f"{heading}: {'; '.join(labels)}.")
    return "\n".join(lines)


def build_digest(content: DigestContent, *, title: str = DEFAULT_TITLE) -> list[DigestMessage]:
    """Render ``content`` as one or more Slack messages, each within Block Kit's limits."""
    dates = _date_range(content.window_start, content.window_end)
    if content.is_empty:
        since = f" ({dates})" if dates else ""
        text = (
            f"{escape(_clean(title) or DEFAULT_TITLE)}{since}: nothing new on "
            f"{_topics_sentence()} since the last digest."
        )
        return [DigestMessage(blocks=[_section(text)], text=text)]

    units, counts = _units(content)
    drafts = _pack(units, counts)
    parts = len(drafts)
    counts_line = _counts(content)
    messages = []
    for part, draft in enumerate(drafts, start=1):
        header = _header_text(title, dates, part, parts)
        if part == 1:
            context = f"{counts_line} on {_topics_sentence('and')}"
            if content.generated_at is not None:
                at = content.generated_at.astimezone(BEIJING)
                context += f" · as of {_fmt_day(at)} {at:%H:%M} Beijing time"
        else:
            context = f"Continued: part {part} of {parts}"
        blocks = [_header(header), _context(context), *draft.blocks]
        messages.append(
            DigestMessage(
                blocks=blocks,
                text=_fallback_text(escape(header), counts_line, draft, part),
                items=tuple(draft.items),
                part=part,
                parts=parts,
            )
        )
    return messages
