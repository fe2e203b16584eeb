"""Block Kit messages from digest content: sections, headings, parts within Slack's limits.

A long digest is split into numbered messages that each stay inside Block Kit's limits; an
item is never cut or dropped: one too long for a section spans several sections.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipelines.core.days import event_days, published_day

from .actions import article_menu, event_menu, with_menu
from .content import (
    DEFAULT_TITLE,
    ITEM_ARTICLE,
    ITEM_EVENT,
    DigestArticle,
    DigestContent,
    DigestEvent,
    DigestLabels,
    DigestMessage,
    ordered_events,
)
from .facts import link_line, people
from .facts import when as facts_when
from .facts import where as facts_where
from .mrkdwn import (
    BEIJING,
    MAX_BLOCKS,
    MAX_FIELD_CHARS,
    MAX_HEADER_CHARS,
    MAX_MESSAGE_CHARS,
    clean,
    date_range,
    escape,
    fmt_day,
    slack_link,
    split_text,
)


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _counts(content: DigestContent) -> str:
    labels = content.labels
    parts = []
    for kind in labels.kinds:
        n = sum(1 for ev in content.events if ev.kind == kind)
        if n:
            parts.append(_plural(n, labels.singular(kind), labels.plural(kind)))
    other = sum(1 for ev in content.events if ev.kind not in labels.kinds)
    if other:
        parts.append(_plural(other, "other event", "other events"))
    if content.other_articles:
        parts.append(_plural(len(content.other_articles), "other article", "other articles"))
    return ", ".join(parts)


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


def _event_mrkdwn(ev: DigestEvent, labels: DigestLabels, upcoming: bool) -> str:
    kind = f"{escape(labels.singular(ev.kind)).capitalize()} · " if upcoming else ""
    lines = [f"{kind}*{escape(clean(ev.name, MAX_FIELD_CHARS))}*"]
    if clean(ev.parent):
        lines[0] += f" (part of {escape(clean(ev.parent, MAX_FIELD_CHARS))})"
    facts = []
    when = facts_when(ev)
    if when:
        facts.append(f"*When:* {when}")
    place = facts_where(ev)
    if place:
        facts.append(f"*Where:* {place}")
    if ev.status:
        facts.append(f"*Status:* {escape(str(ev.status).replace('_', ' '))}")
    if facts:
        lines.append("   ".join(facts))
    lines.extend(people(ev))
    if ev.topics:
        lines.append(f"*Topics:* {labels.topic_names(ev.topics)}")
    if clean(ev.summary):
        lines.append(escape(clean(ev.summary)))
    if clean(ev.corrected):
        lines.append(f"_{escape(clean(ev.corrected))}_")
    count = ev.report_count
    if len(ev.links) == 1 and count <= 1:
        lines.append(f"*Source:* {link_line(ev.links[0])}")
    elif ev.links:
        lines.append(f"*{_plural(count, 'report', 'reports')}:*")
        lines.extend(f"• {link_line(link)}" for link in ev.links)
    return "\n".join(lines)


def event_blocks(
    ev: DigestEvent, labels: DigestLabels, upcoming: bool = False
) -> list[dict[str, Any]]:
    """The Block Kit blocks of one event item (sections; a long item spans several), with the
    readers' correction menu on its first section."""
    return with_menu(_sections(_event_mrkdwn(ev, labels, upcoming)), event_menu(ev, labels))


def _article_mrkdwn(art: DigestArticle, labels: DigestLabels) -> str:
    day = published_day(art.published)
    line = f"• {slack_link(art.url, art.title)}" + (f" · {day}" if day else "")
    if art.topics:
        line += f" ({labels.topic_names(art.topics)})"
    if clean(art.summary):
        line += f"\n      {escape(clean(art.summary))}"
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
_GROUP_UPCOMING = "upcoming"  # events not yet over, by date, before those reported


def _heading(group: str, labels: DigestLabels) -> str:
    if group == _GROUP_ARTICLES:
        return "Also on the topics"
    if group == _GROUP_UPCOMING:
        return "Coming up"
    return labels.heading(group)


def _group_heading(group: str, count: int, labels: DigestLabels, continued: bool = False) -> str:
    heading = _heading(group, labels)
    return f"*{escape(heading)}* (continued)" if continued else f"*{escape(heading)}* ({count})"


def _units(content: DigestContent) -> tuple[list[_Unit], dict[str, int]]:
    units: list[_Unit] = []
    counts: dict[str, int] = {}
    today = content.today
    for ev in ordered_events(content):
        upcoming = ev.upcoming(today)
        group = _GROUP_UPCOMING if upcoming else ev.kind
        counts[group] = counts.get(group, 0) + 1
        label = clean(ev.name, MAX_FIELD_CHARS)
        when = event_days(ev.start_date, ev.end_date) or clean(ev.date_text, MAX_FIELD_CHARS)
        facts = [f for f in (when, clean(ev.place, MAX_FIELD_CHARS)) if f]
        if facts:
            label += f" ({', '.join(facts)})"
        units.append(
            _Unit(
                group, event_blocks(ev, content.labels, upcoming), (ITEM_EVENT, ev.item_key), label
            )
        )
    for art in content.other_articles:
        counts[_GROUP_ARTICLES] = counts.get(_GROUP_ARTICLES, 0) + 1
        units.append(
            _Unit(
                _GROUP_ARTICLES,
                with_menu(
                    _sections(_article_mrkdwn(art, content.labels)),
                    article_menu(art, content.labels),
                ),
                (ITEM_ARTICLE, art.url),
                clean(art.title, MAX_FIELD_CHARS) or art.url,
            )
        )
    return units, counts


# Room kept in every message for its header and context blocks.
_RESERVED_BLOCKS = 2
_RESERVED_CHARS = MAX_HEADER_CHARS + 600


def _pack(units: list[_Unit], counts: dict[str, int], labels: DigestLabels) -> list[_Draft]:
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
        return [*blocks, _section(_group_heading(group, counts[group], labels, continued))]

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
    title = clean(title) or DEFAULT_TITLE
    if len(title) > room:
        title = title[: max(1, room - 1)].rstrip() + "…"
    return title + tail


def _fallback_text(
    header: str, counts_line: str, draft: _Draft, part: int, labels: DigestLabels
) -> str:
    lines = [f"{header}: {counts_line}." if part == 1 else f"{header}, continued."]
    names = labels
    by_group: dict[str, list[str]] = {}
    for group, label in draft.labels:
        by_group.setdefault(group, []).append(escape(label))
    for group, labels in by_group.items():
        lines.append(f"{_heading(group, names)}: {'; '.join(labels)}.")
    return "\n".join(lines)


def build_digest(content: DigestContent, *, title: str = DEFAULT_TITLE) -> list[DigestMessage]:
    """Render ``content`` as one or more Slack messages, each within Block Kit's limits."""
    dates = date_range(content.window_start, content.window_end)
    if content.is_empty:
        since = f" ({dates})" if dates else ""
        text = (
            f"{escape(clean(title) or DEFAULT_TITLE)}{since}: nothing new on "
            f"{content.labels.topics_sentence()} since the last digest."
        )
        return [DigestMessage(blocks=[_section(text)], text=text)]

    units, counts = _units(content)
    drafts = _pack(units, counts, content.labels)
    parts = len(drafts)
    counts_line = _counts(content)
    messages = []
    for part, draft in enumerate(drafts, start=1):
        header = _header_text(title, dates, part, parts)
        if part == 1:
            context = f"{counts_line} on {content.labels.topics_sentence('and')}"
            if content.generated_at is not None:
                at = content.generated_at.astimezone(BEIJING)
                context += f" · as of {fmt_day(at)} {at:%H:%M} Beijing time"
        else:
            context = f"Continued: part {part} of {parts}"
        blocks = [_header(header), _context(context), *draft.blocks]
        messages.append(
            DigestMessage(
                blocks=blocks,
                text=_fallback_text(escape(header), counts_line, draft, part, content.labels),
                items=tuple(draft.items),
                part=part,
                parts=parts,
            )
        )
    return messages
