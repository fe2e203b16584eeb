"""What one delivery did, as the run summary and the digest asset report it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.core.statuses import DeliveryOutcomeStatus
from pipelines.digest import DigestMessage


@dataclass(frozen=True)
class DeliveryOutcome:
    """What a delivery did. ``text`` is the fallback text of every message, for printing.

    status: 'sent' (posted), 'preview' (rendered only, no token), 'empty' (posted "nothing
    new"), 'nothing' (nothing to post, nothing posted), 'failed' (``error`` says why and
    ``setting`` names the setting to fix, when one is at fault).
    """

    status: DeliveryOutcomeStatus
    digest_id: int | None
    events: int
    articles: int
    messages: int
    text: str
    blocks_path: Path | None = None
    error: str | None = None
    setting: str | None = None
    notes: tuple[str, ...] = field(default=())


def all_text(messages: Sequence[DigestMessage]) -> str:
    """The fallback text of every message, for printing and for the digest row."""
    return "\n\n".join(m.text for m in messages)


def failed(
    error: str, setting: str | None, digest_id: int | None = None, **counts: Any
) -> DeliveryOutcome:
    return DeliveryOutcome(
        status=DeliveryOutcomeStatus.FAILED,
        digest_id=digest_id,
        events=counts.get("events", 0),
        articles=counts.get("articles", 0),
        messages=counts.get("messages", 0),
        text=counts.get("text", ""),
        error=error,
        setting=setting,
        notes=tuple(counts.get("notes", ())),
    )
