"""Once-and-only-once delivery of the digest: what is pending, claiming it, posting, recovering.

Every item of a digest has one ``deliveries`` row, claimed in the same transaction that records
the digest, before anything is posted, and "delivered" once Slack accepted the message holding
it. A definite failure releases the claims of what was not posted, so those items stay pending;
an uncertain one keeps them until a later run reads the channel back (``recovery``).
"""

from .outcome import DeliveryOutcome
from .pending import collect_pending
from .post import DEFAULT_STALE_AFTER, deliver_alerts, deliver_digest
from .preview import pending_counts, preview_digest, write_preview

__all__ = [
    "DEFAULT_STALE_AFTER",
    "DeliveryOutcome",
    "collect_pending",
    "deliver_alerts",
    "deliver_digest",
    "pending_counts",
    "preview_digest",
    "write_preview",
]
