"""The digest that would be posted now, rendered without posting or marking anything."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.statuses import DeliveryOutcomeStatus, DigestItemType
from pipelines.digest import DEFAULT_TITLE, DigestLabels, DigestMessage, build_digest
from pipelines.subscriptions import Subscription

from .outcome import DeliveryOutcome, all_text
from .pending import collect_pending
from .plans import alert_plan, digest_plan


def write_preview(messages: Sequence[DigestMessage], path: Path) -> Path:
    """Write Block Kit JSON pasteable into Slack's Block Kit Builder (a list if several)."""
    payloads = [{"blocks": m.blocks} for m in messages]
    data: Any = payloads[0] if len(payloads) == 1 else payloads
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _all_text(messages: Sequence[DigestMessage]) -> str:
    return "\n\n".join(m.text for m in messages)


def _count(messages: Sequence[DigestMessage], item_type: str) -> int:
    return sum(1 for m in messages for t, _ in m.items if t == item_type)


def preview_digest(
    factory: sessionmaker[Session],
    *,
    now: datetime,
    preview_path: Path | None,
    title: str = DEFAULT_TITLE,
    setting: str | None = None,
    labels: DigestLabels | None = None,
    subscription: Subscription | None = None,
) -> DeliveryOutcome:
    """Render what the next digest would post; posts nothing and marks nothing."""
    session = factory()
    try:
        content = collect_pending(session, now=now, labels=labels, subscription=subscription)
    finally:
        session.rollback()
        session.close()
    messages = build_digest(content, title=title)
    path = write_preview(messages, preview_path) if preview_path is not None else None
    return DeliveryOutcome(
        status=DeliveryOutcomeStatus.PREVIEW,
        digest_id=None,
        events=len(content.events),
        articles=len(content.other_articles),
        messages=len(messages),
        text=all_text(messages),
        blocks_path=path,
        setting=setting,
    )


def pending_counts(
    factory: sessionmaker[Session],
    *,
    subscription: Subscription,
    now: datetime,
    labels: DigestLabels | None = None,
) -> Counter[str]:
    """How many items of each type the subscription's next delivery would post."""
    session = factory()
    try:
        if subscription.instant:
            plan = alert_plan(session, now=now, subscription=subscription, labels=labels)
        else:
            plan = digest_plan(
                session,
                now=now,
                subscription=subscription,
                labels=labels,
                title=DEFAULT_TITLE,
                send_empty=False,
            )
        events = {key for item_type, key in plan.items if item_type == DigestItemType.EVENT}
        # A report travels with its event's alert; only a later report is a post of its own.
        return Counter(
            str(item_type)
            for item_type, key in plan.items
            if not (item_type == DigestItemType.REPORT and key.split("@", 1)[0] in events)
        )
    finally:
        session.rollback()
        session.close()
