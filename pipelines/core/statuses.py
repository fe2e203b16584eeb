"""Every status and kind cqmonitor stores or hands over, as ``StrEnum``s.

They are ``str`` subclasses, so they compare equal to (and are stored as) their plain values:
rows written before these enums existed read back unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class CrawlStatus(StrEnum):
    """A ``crawl_runs`` row: running -> crawled (output on disk) -> success or a judged failure.

    A crawl that never reached ``crawled`` ends ``failed`` (an error), ``interrupted`` (a signal,
    Ctrl-C) or ``abandoned`` (its owner vanished and a later run took the lock over, or an
    operator ran ``cqmonitor unlock``). A stored crawl is judged: ``success``, or what went wrong
    at the site: ``unreachable`` (refused, DNS, timeout), ``server_error`` (every request 5xx),
    ``robots_denied`` (robots.txt forbids the pages), ``markup_changed`` (pages not readable).
    """

    RUNNING = "running"
    CRAWLED = "crawled"
    SUCCESS = "success"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    ABANDONED = "abandoned"
    UNREACHABLE = "unreachable"
    SERVER_ERROR = "server_error"
    ROBOTS_DENIED = "robots_denied"
    MARKUP_CHANGED = "markup_changed"


# The site could not be crawled at all, or stopped answering: exit code 3, not "markup".
SITE_DOWN = (CrawlStatus.UNREACHABLE, CrawlStatus.SERVER_ERROR, CrawlStatus.ROBOTS_DENIED)
# A crawl whose output was stored and judged.
JUDGED_CRAWL = (CrawlStatus.SUCCESS, CrawlStatus.FAILED, CrawlStatus.MARKUP_CHANGED, *SITE_DOWN)


class OutageCause(StrEnum):
    """Why a request got no usable answer from the site, as the crawl's stats name it."""

    REFUSED = "refused"
    DNS = "dns"
    TIMEOUT = "timeout"
    CONNECTION_LOST = "connection_lost"
    SERVER_ERROR = "server_error"


class RunStatus(StrEnum):
    """A ``pipeline_runs`` row: one ``cqmonitor run`` or ``demo``, from start to exit."""

    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


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
    alerts) a later article reporting an event already alerted, or a move of its date or place
    (``change``, keyed by the edition's sequence)."""

    EVENT = "event"
    ARTICLE = "article"
    REPORT = "report"
    CHANGE = "change"


class ItemKind(StrEnum):
    """What one record of the crawl's output (JSON Lines) says."""

    ARTICLE = "article"
    UNCHANGED = "unchanged"
    SEEN = "seen"
    FAILURE = "failure"
    SOURCE = "source"


class EventStatus(StrEnum):
    """Where an event stands, as far as the text says (``None`` where it says nothing)."""

    ANNOUNCED = "announced"  # "will be held", "is scheduled"
    UNDER_WAY = "under_way"  # "is being held", "opened on Thursday" (and runs on)
    HELD = "held"  # "was held", "concluded", "closed"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"


class CorrectionKind(StrEnum):
    """What a reader said about a digest or alert item (``corrections.kind``)."""

    NOT_TOPIC = "not_topic"  # the item is not about one of its topics
    NOT_EVENT = "not_event"  # what was reported as an event is none
    WRONG_SLOTS = "wrong_slots"  # the event's date or place is wrong (the reader gave the right)
    SAME_EVENT = "same_event"  # the event is another item's event: merged into it
