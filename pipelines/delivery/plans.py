"""What a subscription's next delivery would post: its digest, or its instant alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from pipelines.core.days import event_days
from pipelines.core.instants import CST
from pipelines.core.statuses import DigestItemType
from pipelines.digest import (
    ITEM_ARTICLE,
    ITEM_EVENT,
    DigestContent,
    DigestLabels,
    DigestLink,
    build_digest,
    content_items,
    default_labels,
    event_item_key,
)
from pipelines.digest.alerts import Alert, build_alerts, change_item_key
from pipelines.storage import ledger
from pipelines.subscriptions import Subscription

from .claims import Items, Plan
from .pending import collect_pending, digest_event


def restrict(content: DigestContent, claimed: Items) -> DigestContent:
    """The content of only the claimed items."""
    return DigestContent(
        window_start=content.window_start,
        window_end=content.window_end,
        events=tuple(e for e in content.events if (ITEM_EVENT, e.item_key) in claimed),
        other_articles=tuple(a for a in content.other_articles if (ITEM_ARTICLE, a.url) in claimed),
        generated_at=content.generated_at,
        labels=content.labels,
    )


def digest_plan(
    session: Session,
    *,
    now: datetime,
    subscription: Subscription,
    labels: DigestLabels | None,
    title: str,
    send_empty: bool,
) -> Plan:
    """The digest of everything pending for the subscription."""
    content = collect_pending(session, now=now, labels=labels, subscription=subscription)
    return Plan(
        items=content_items(content),
        render=lambda claimed: build_digest(restrict(content, claimed), title=title),
        post_empty=send_empty,
    )


def _change_alerts(
    session: Session,
    subscription: Subscription,
    labels: DigestLabels,
    now: datetime,
) -> list[Alert]:
    """A reply in an alerted event's thread for each move of its date or place while it was
    still to come. Read only when such a move exists (most polls find none)."""
    today = now.astimezone(CST).date().isoformat()
    editions = ledger.changed_editions(session, upcoming_on=today)
    if not editions:
        return []
    changed = ledger.claimed_keys(session, subscription.name, DigestItemType.CHANGE)
    alerted = ledger.claimed_keys(session, subscription.name, DigestItemType.EVENT)
    rows = ledger.event_rows(session, subscription.name, claimed=True)
    topics = ledger.topics_of(session, {row[4] for row in rows})
    by_key: dict[tuple[str, str], list] = {}
    for row in rows:
        by_key.setdefault((row[0].kind, row[0].event_key), []).append(row)
    alerts = []
    for edition in editions:
        key = event_item_key(edition.kind, edition.event_key)
        ts = alerted.get(key)
        reports = by_key.get((edition.kind, edition.event_key))
        if ts is None or not reports or change_item_key(key, edition.sequence) in changed:
            continue
        last = (
            max(d for d in (edition.end_date, edition.start_date, edition.previous_start_date) if d)
            if (edition.start_date or edition.previous_start_date)
            else None
        )
        if last is None or last < today:
            continue  # held already: a corrected date of the past is no news
        event = digest_event(edition.kind, edition.event_key, reports, topics, labels, edition)
        was = ", ".join(
            f
            for f in (
                event_days(edition.previous_start_date, edition.previous_end_date),
                edition.previous_place or "",
            )
            if f
        )
        alerts.append(Alert(event, reply_to=ts, change=(edition.sequence, was)))
    return alerts


def alert_plan(
    session: Session, *, now: datetime, subscription: Subscription, labels: DigestLabels | None
) -> Plan:
    """One alert per new matching event, and a thread reply per later article reporting an
    event already alerted to this subscription."""
    labels = labels or default_labels()
    content = collect_pending(session, now=now, labels=labels, subscription=subscription)
    alerts = [Alert(event) for event in content.events]
    # Only the reports still to thread: alerted events (posted, with a ts) whose article's
    # report is unclaimed, found by the database, not by reading every alert ever posted.
    rows = ledger.unreported_rows(session, subscription.name)
    topics = ledger.topics_of(session, {row[4] for row in rows})
    sources = ledger.sources_of(session, {row[4] for row in rows})
    for row in rows:
        event, url, title, ts = row[0], row[1], row[2], row[6]
        if not subscription.wants_topics(topics.get(row[4], ())):
            continue
        if not subscription.wants_source(sources.get(row[4], "")):
            continue
        parent = digest_event(event.kind, event.event_key, [row], topics, labels)
        link = DigestLink(url=url, title=title, published=row[3])
        alerts.append(Alert(parent, reply_to=ts, report=link))
    alerts += _change_alerts(session, subscription, labels, now)
    by_items = {alert.items: alert for alert in alerts}
    items = [item for alert in alerts for item in alert.items]

    def render(claimed: Items) -> list:
        # An alert goes out when its first item (its event, or its report) was claimed.
        chosen = [a for keys, a in by_items.items() if keys[0] in claimed]
        return build_alerts(chosen, labels)

    return Plan(items=items, render=render)
