"""Instant alerts: one short Block Kit message per new event, and thread replies when a later
article reports it again. Pure: content in, ``DigestMessage``s out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from pipelines.core.statuses import DigestItemType

from .content import DigestEvent, DigestLabels, DigestLink, DigestMessage, report_item_key
from .mrkdwn import MAX_FIELD_CHARS, clean, escape, iso_range, slack_link


@dataclass(frozen=True)
class Alert:
    """A new event, or (``reply_to`` set) a later article reporting an alerted event."""

    event: DigestEvent
    reply_to: str | None = None
    report: DigestLink | None = None

    @property
    def items(self) -> tuple[tuple[str, str], ...]:
        event_item = self.event.item_key
        if self.report is not None:
            return ((DigestItemType.REPORT, report_item_key(event_item, self.report.url)),)
        reports = tuple(
            (DigestItemType.REPORT, report_item_key(event_item, link.url))
            for link in self.event.links
        )
        return ((DigestItemType.EVENT, event_item), *reports)


def _facts(ev: DigestEvent) -> list[str]:
    when = escape(clean(ev.date_text)) or iso_range(ev.start_date, ev.end_date)
    where = escape(clean(ev.place, MAX_FIELD_CHARS))
    return [
        f for f in (f"*When:* {when}" if when else "", f"*Where:* {where}" if where else "") if f
    ]


def _alert_message(alert: Alert, labels: DigestLabels) -> DigestMessage:
    ev = alert.event
    kind = labels.singular(ev.kind)
    name = escape(clean(ev.name, MAX_FIELD_CHARS))
    if alert.report is not None:
        link = slack_link(alert.report.url, alert.report.title)
        mrkdwn = f"Reported again: {link}"
        text = f"{kind.capitalize()} {clean(ev.name)} reported again: {clean(alert.report.title)}"
    else:
        lines = [f"*New {escape(kind)}:* {name}"]
        facts = _facts(ev)
        if facts:
            lines.append("   ".join(facts))
        if ev.links:
            lines.append(" · ".join(slack_link(link.url, link.title) for link in ev.links))
        mrkdwn = "\n".join(lines)
        text = f"New {kind}: {clean(ev.name)}"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": mrkdwn}}]
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
