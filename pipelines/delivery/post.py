"""Posting a digest once and only once: recover, claim, post (parts 2.. in a thread), mark.

Nothing here imports dagster: the digest asset and the CLI call :func:`deliver_digest`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.statuses import DeliveryOutcomeStatus, DigestStatus
from pipelines.digest import DEFAULT_TITLE, ITEM_ARTICLE, ITEM_EVENT, DigestLabels, DigestMessage
from pipelines.slack import (
    CHANNEL_SETTING,
    TOKEN_SETTING,
    SlackDeliveryError,
    SlackSender,
    digest_metadata,
)

from .claims import Claim, claim
from .outcome import DeliveryOutcome, all_text, failed
from .preview import preview_digest
from .recovery import delivered, finish, recover, release

log = logging.getLogger(__name__)

DEFAULT_STALE_AFTER = timedelta(minutes=30)


def deliver_digest(
    factory: sessionmaker[Session],
    *,
    sender: SlackSender | None,
    channel: str | None,
    now: datetime,
    send_empty: bool = True,
    preview_path: Path | None = None,
    title: str = DEFAULT_TITLE,
    stale_after: timedelta = DEFAULT_STALE_AFTER,
    labels: DigestLabels | None = None,
) -> DeliveryOutcome:
    """Post every pending item once: claim, post (parts 2.. in a thread), mark delivered.

    Without a sender (no ``SLACK_BOT_TOKEN``) this is a preview: Block Kit JSON is written to
    ``preview_path`` and nothing is marked delivered. Slack errors never raise: they come back as
    status 'failed' with the error and the setting to fix; database errors do raise.
    """
    if sender is None:
        return preview_digest(
            factory,
            now=now,
            preview_path=preview_path,
            title=title,
            setting=TOKEN_SETTING,
            labels=labels,
        )
    if not channel:
        return failed(f"{CHANNEL_SETTING} is not set: no channel to post to", CHANNEL_SETTING)

    try:
        notes = recover(factory, sender, channel, now, stale_after)
    except SlackDeliveryError as exc:
        return failed(f"checking an unsettled earlier digest: {exc}", exc.setting)
    for note in notes:
        log.info("%s", note)

    taken = claim(
        factory, channel=channel, now=now, title=title, send_empty=send_empty, labels=labels
    )
    if taken is None:
        return DeliveryOutcome(
            status=DeliveryOutcomeStatus.NOTHING, digest_id=None, events=0, articles=0,
            messages=0, text="", notes=tuple(notes),
        )  # fmt: skip

    messages = taken.messages
    events = len(taken.content.events)
    articles = len(taken.content.other_articles)
    thread_ts: str | None = None
    posted = 0
    for message in messages:
        try:
            ts = sender.post(
                channel,
                message.text,
                message.blocks,
                metadata=digest_metadata(taken.digest_id, message.part),
                thread_ts=thread_ts,
            )
        except SlackDeliveryError as exc:
            return _fail_part(factory, taken, message, exc, posted, notes)
        delivered(factory, taken.digest_id, message.items, ts, now)
        posted += 1
        thread_ts = thread_ts or ts

    empty = taken.content.is_empty
    status = DigestStatus.EMPTY if empty else DigestStatus.SENT
    finish(factory, taken.digest_id, status=status, error=None, now=now)
    return DeliveryOutcome(
        status=DeliveryOutcomeStatus.EMPTY if empty else DeliveryOutcomeStatus.SENT,
        digest_id=taken.digest_id,
        events=events,
        articles=articles,
        messages=posted,
        text=all_text(messages),
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
    if exc.uncertain:
        # Slack may hold this part: keep its claims so nobody re-posts it; the next run looks.
        release(factory, claim.digest_id, later)
        error = f"posting {where}: {exc}"
        finish(factory, claim.digest_id, status=DigestStatus.POSTING, error=error, now=None)
    else:
        release(factory, claim.digest_id, list(message.items) + later)
        error = f"posting {where}: {exc}"
        if posted:
            error += f" ({posted} earlier part(s) were posted and are delivered)"
        finish(factory, claim.digest_id, status=DigestStatus.FAILED, error=error, now=None)
    delivered = [item for m in claim.messages[: message.part - 1] for item in m.items]
    return failed(
        error,
        exc.setting,
        claim.digest_id,
        events=sum(1 for t, _ in delivered if t == ITEM_EVENT),
        articles=sum(1 for t, _ in delivered if t == ITEM_ARTICLE),
        messages=posted,
        text=all_text(claim.messages),
        notes=notes,
    )
