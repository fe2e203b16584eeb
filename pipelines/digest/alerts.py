"""Instant alerts: one short Block Kit message per new event, and thread replies when a later
article reports it again. Pure: content in, ``DigestMessage``s out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipelines.core.days import event_days
from pipelines.core.statuses import DigestItemType

from .actions import event_menu, with_menu
from .content import DigestEvent, DigestLabels, DigestLink, DigestMessage, report_item_key
from .facts import link_line, when, where
from .mrkdwn import MAX_FIELD_CHARS, clean, escape, slack_link


@dataclass(frozen=True)
class Alert:
    """A new event, or (``reply_to`` set) a later article reporting an alerted event."""

    event: DigestEvent
    reply_to: str | None = None
    report: DigestLink | None = None
    # A move of an alerted event's date or place: (sequence, what it was: "Thu 9 Oct 2025, X").
    change: tuple[int, str] | None = None

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        event_item = self.event.item_key
        if self.change is not None:
            return ((DigestItemType.CHANGE, change_item_key(event_item, self.change[0])),)
        if self.report is not None:
            return ((DigestItemType.REPORT, report_item_key(event_item, self.report.url)),)
        reports = tuple(
            (DigestItemType.REPORT, report_item_key(event_item, link.url))
            for link in self.event.links
        )
        return ((DigestItemType.EVENT, event_item), *reports)


def change_item_key(event_item: str, sequence: int) -> str:
    return f"{event_item}#{sequence}"


def _facts(ev: DigestEvent) -> list[str]:
    day, place = when(ev), where(ev)
    return [f for f in (f"*When:* {day}" if day else "", f"*Where:* {place}" if place else "") if f]


def _alert_message(alert: Alert, labels: DigestLabels) -> DigestMessage:
    ev = alert.event
    kind = labels.singular(ev.kind)
    name = escape(clean(ev.name, MAX_FIELD_CHARS))
    if alert.change is not None:
        now = ", ".join(f for f in (when(ev), where(ev)) if f)
        mrkdwn = f"*Changed:* {name} is now {now} (was {escape(alert.change[1])})"
        plain = ", ".join(f for f in (event_days(ev.start_date, ev.end_date), clean(ev.place)) if f)
        text = f"{kind.capitalize()} {clean(ev.name)} changed: now {plain}"
    elif alert.report is not None:
        link = slack_link(alert.report.url, alert.report.title)
        mrkdwn = f"Reported again: {link}"
        text = f"{kind.capitalize()} {clean(ev.name)} reported again: {clean(alert.report.title)}"
    else:
        lines = [f"*New {escape(kind)}:* {name}"]
        facts = _facts(ev)
        if facts:
            lines.append("   ".join(facts))
        if ev.links:
            lines.append(" · ".join(link_line(link) for link in ev.links))
        mrkdwn = "\n".join(lines)
        text = f"New {kind}: {clean(ev.name)}"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}]
    if alert.report is None:
        blocks = with_menu(blocks, event_menu(ev, labels))
    if ev.topics:
        topics = escape(labels.topic_names(ev.topics))
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": topics}]})
    return DigestMessage(
        blocks=blocks,
        text=escape(text),
        items=alert.items,
        standalone=True,
        reply_to=alert.reply_to,
    )


def build_alerts(alerts: Sequence[Alert], labels: DigestLabels) -> list[DigestMessage]:
    """One message per alert, numbered in order (the metadata's part)."""
    messages = [_alert_message(alert, labels) for alert in alerts]
    return [replace(m, part=n, parts=len(messages)) for n, m in enumerate(messages, start=1)]
