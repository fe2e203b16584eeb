"""Every status and kind cqmonitor stores or hands over, as ``StrEnum``s.

They are ``str`` subclasses, so they compare equal to (and are stored as) their plain values:
rows written before these enums existed read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class CrawlStatus(StrEnum):
    """A ``crawl_runs`` row: running -> crawled (output on disk) -> success | failed."""

    RUNNING = "running"
    CRAWLED = "crawled"
    SUCCESS = "success"
    FAILED = "failed"


class DigestStatus(StrEnum):
    """A ``digests`` row. ``posting`` with an error: the run ended not knowing if Slack took it."""

    PENDING = "pending"
    POSTING = "posting"
    RECOVERING = "recovering"
    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"


UNSETTLED_DIGEST = (DigestStatus.PENDING, DigestStatus.POSTING, DigestStatus.RECOVERING)


class DeliveryStatus(StrEnum):
    """A ``deliveries`` row: claimed before posting, delivered once Slack accepted it."""

    CLAIMED = "claimed"
    DELIVERED = "delivered"


class DeliveryOutcomeStatus(StrEnum):
    """What one digest step did, as the run summary and the asset's metadata say it."""

    SENT = "sent"
    PREVIEW = "preview"
    EMPTY = "empty"
    NOTHING = "nothing"
    FAILED = "failed"


class DigestItemType(StrEnum):
    """What a delivered item is: an event, a topic article that reports no event, or (instant
    alerts) a later article reporting an event already alerted."""

    EVENT = "event"
    ARTICLE = "article"
    REPORT = "report"


class ItemKind(StrEnum):
    """What one record of the crawl's output (JSON Lines) says."""

    ARTICLE = "article"
    UNCHANGED = "unchanged"
    SEEN = "seen"
    FAILURE = "failure"
    SOURCE = "source"
