"""How many of a period's items readers corrected, per topic and per event kind: a precision
figure from the field (1 - corrected / what the pipeline reported).

A correction counts for the period of the articles it is about. What the pipeline reported is
what is stored now plus what corrections took away (items marked not an event, merged, or not
on a topic), so a correction never shrinks its own denominator.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from pipelines.core.instants import Span
from pipelines.core.statuses import CorrectionKind
from pipelines.digest import DigestLabels
from pipelines.storage import corrections as store
from pipelines.storage.models import Correction


@dataclass(frozen=True)
class CorrectedRow:
    """A topic or an event kind: items the pipeline reported, and how many readers corrected."""

    group: str  # "topic" or "kind"
    key: str
    name: str
    reported: int
    corrected: int

    @property
    def precision(self) -> float | None:
        return None if not self.reported else 1 - self.corrected / self.reported


def _removed(corrections: Iterable[Correction]) -> tuple[Counter[str], Counter[str]]:
    topics: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    gone: set[str] = set()
    for c in corrections:
        if c.kind == CorrectionKind.NOT_TOPIC:
            topics.update((c.after or {}).get("removed", ()))
        elif (
            c.event_kind
            and c.item_key not in gone
            and c.kind in (CorrectionKind.NOT_EVENT, CorrectionKind.SAME_EVENT)
        ):
            gone.add(c.item_key)
            kinds[c.event_kind] += 1
    return topics, kinds


def corrected_rows(
    session: Session,
    labels: DigestLabels,
    span: Span,
    articles_per_topic: dict[str, int],
    events_per_kind: dict[str, int],
) -> tuple[CorrectedRow, ...]:
    """Rows for every topic and kind with a correction of the period's items (none: ())."""
    corrections = store.of_articles_in_span(session, span)
    if not corrections:
        return ()
    by_topic, by_kind = store.counted(corrections)
    removed_topics, removed_kinds = _removed(corrections)
    rows = [
        CorrectedRow(
            "topic",
            topic,
            labels.topic(topic),
            articles_per_topic.get(topic, 0) + removed_topics[topic],
            by_topic[topic],
        )
        for topic in labels.ordered_topics(by_topic)
    ]
    kinds = sorted(by_kind, key=lambda k: (labels.rank(k), k))
    rows += [
        CorrectedRow(
            "kind",
            kind,
            labels.heading(kind),
            events_per_kind.get(kind, 0) + removed_kinds[kind],
            by_kind[kind],
        )
        for kind in kinds
    ]
    return tuple(rows)
