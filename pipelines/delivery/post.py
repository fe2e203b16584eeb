"""Posting once and only once: recover, claim, post, mark delivered; per subscription.

A digest's parts 2.. go in the thread of part 1; instant alerts are posted one by one (a later
report of an event in the thread of its first alert). Nothing here imports dagster: the
delivery assets and the CLI call :func:`deliver_digest` and :func:`deliver_alerts`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.statuses import DeliveryOutcomeStatus, DigestItemType, DigestStatus
from pipelines.digest import DEFAULT_TITLE, DigestLabels, DigestMessage
from pipelines.slack import (
    CHANNEL_SETTING,
    TOKEN_SETTING,
    SlackDeliveryError,
    SlackSender,
    digest_metadata,
)
from pipelines.subscriptions import Subscription, default_subscription

from .claims import Claim, Plan, claim
from .outcome import DeliveryOutcome, all_text, failed
from .plans import alert_plan, digest_plan
from .preview import preview_digest
from .recovery import delivered, finish, recover, release

log = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = timedelta(minutes=30)


def deliver_digest(
    factory: sessionmaker[Session],
    *,
    sender: SlackSender | None,
    channel: str | None = None,
    subscription: Subscription | None = None,
    now: datetime,
    send_empty: bool = True,
    preview_path: Path | None = None,
    title: str = DEFAULT_TITLE,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    labels: DigestLabels | None = None,
) -> DeliveryOutcome:
    """Post the subscription's pending items once, as a digest (default: everything to
    ``channel``).

    Without a sender (no ``SLACK_BOT_TOKEN``) this is a preview: Block Kit JSON is written to
    ``preview_path`` and nothing is marked delivered. Slack errors never raise: they come back as
    status 'failed' with the error and the setting to fix; database errors do raise.
    """
    subscription = subscription or default_subscription(channel or "")
    if sender is None:
        return preview_digest(
            factory,
            now=now,
            preview_path=preview_path,
            title=title,
            setting=TOKEN_SETTING,
            labels=labels,
            subscription=subscription,
        )
    return _deliver(
        factory,
        sender,
        subscription,
        now,
        stale_after,
        lambda session: digest_plan(
            session,
            now=now,
            subscription=subscription,
            labels=labels,
            title=title,
            send_empty=send_empty,
        ),
    )


def deliver_alerts(
    factory: sessionmaker[Session],
    *,
    sender: SlackSender | None,
    subscription: Subscription,
    now: datetime,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    labels: DigestLabels | None = None,
) -> DeliveryOutcome:
    """Post one short alert per new matching event (a later report in its thread), once."""
    if sender is None:
        return DeliveryOutcome(
            status=DeliveryOutcomeStatus.PREVIEW, digest_id=None, events=0, articles=0,
            messages=0, text="", setting=TOKEN_SETTING,
        )  # fmt: skip
    return _deliver(
        factory,
        sender,
        subscription,
        now,
        stale_after,
        lambda session: alert_plan(session, now=now, subscription=subscription, labels=labels),
    )


def _deliver(
    factory: sessionmaker[Session],
    sender: SlackSender,
    subscription: Subscription,
    now: datetime,
    stale_after: timedelta,
    plan_for: Callable[[Session], Plan],
) -> DeliveryOutcome:
    channel = subscription.channel
    if not channel:
        return failed(f"{CHANNEL_SETTING} is not set: no channel to post to", CHANNEL_SETTING)
    notes = recover(factory, sender, subscription, now, stale_after)
    for note in notes:
        log.info("%s", note)
    taken = claim(factory, subscription=subscription, now=now, plan_for=plan_for)
    if taken is None:
        return DeliveryOutcome(
            status=DeliveryOutcomeStatus.NOTHING, digest_id=None, events=0, articles=0,
            messages=0, text="", notes=tuple(notes),
        )  # fmt: skip
    first_ts: str | None = None
    posted = 0
    for message in taken.messages:
        try:
            ts = sender.post(
                channel,
                message.text,
                message.blocks,
                metadata=digest_metadata(taken.digest_id, message.part),
                thread_ts=message.thread(first_ts),
            )
        except SlackDeliveryError as exc:
            return _fail_part(factory, taken, message, exc, posted, notes)
        delivered(factory, taken.digest_id, message.items, ts, now)
        posted += 1
        first_ts = first_ts or ts
    status = DigestStatus.EMPTY if taken.empty else DigestStatus.SENT
    finish(factory, taken.digest_id, status=status, error=None, now=now)
    return DeliveryOutcome(
        status=DeliveryOutcomeStatus.EMPTY if taken.empty else DeliveryOutcomeStatus.SENT,
        digest_id=taken.digest_id,
        events=taken.count(DigestItemType.EVENT),
        articles=taken.count(DigestItemType.ARTICLE),
        messages=posted,
        text=all_text(taken.messages),
        notes=tuple(notes),
    )


def _fail_part(
    factory: sessionmaker[Session],
    claim: Claim,
    message: DigestMessage,
    exc: SlackDeliveryError,
    posted: int,
    notes: list[str],
) -> DeliveryOutcome:
    later = [item for m in claim.messages[message.part :] for item in m.items]
    where = f"part {message.part}/{message.parts}" if message.parts > 1 else "the message"
    error = f"posting {where}: {exc}"
    if exc.uncertain:
        # Slack may hold this part: keep its claims so nobody re-posts it; the next run looks.
        release(factory, claim.digest_id, later)
        finish(factory, claim.digest_id, status=DigestStatus.POSTING, error=error, now=None)
    else:
        release(factory, claim.digest_id, list(message.items) + later)
        if posted:
            error += f" ({posted} earlier part(s) were posted and are delivered)"
        finish(factory, claim.digest_id, status=DigestStatus.FAILED, error=error, now=None)
    done = [item for m in claim.messages[: message.part - 1] for item in m.items]
    return failed(
        error,
        exc.setting,
        claim.digest_id,
        events=sum(1 for t, _ in done if t == DigestItemType.EVENT),
        articles=sum(1 for t, _ in done if t == DigestItemType.ARTICLE),
        messages=posted,
        text=all_text(claim.messages),
        notes=notes,
    )
