"""A reader's correction as cqmonitor takes it: what was said about which item, turned into a
``corrections`` row (before and after) and applied to the stored decisions at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from pipelines.core.instants import utcnow
from pipelines.core.statuses import CorrectionKind, DigestItemType
from pipelines.storage import corrections as store
from pipelines.storage.models import Correction


class CorrectionError(ValueError):
    """The correction cannot be taken (the item is gone, a field is wrong); one line for the
    reader."""


@dataclass(frozen=True)
class Slots:
    """The date and place a reader gave (``None``: left as they are)."""

    start_date: date | None = None
    end_date: date | None = None
    place: str | None = None


@dataclass(frozen=True)
class CorrectionRequest:
    """One correction from a reader (``user_id``, shown as ``user_name``) of one item."""

    kind: CorrectionKind
    item_type: DigestItemType
    item_key: str
    user_id: str
    user_name: str = ""
    topics: tuple[str, ...] = ()  # NOT_TOPIC: the topics it is not about
    slots: Slots = field(default_factory=Slots)  # WRONG_SLOTS
    same_as: str = ""  # SAME_EVENT: the item key of the event it is
    channel: str | None = None
    message_ts: str | None = None
    source: str = "slack"


def _slot_change(snapshot: store.ItemSnapshot, slots: Slots) -> tuple[dict[str, Any], dict]:
    """(after values, which fields changed) of a date/place correction."""
    if slots.start_date is None and slots.end_date is None and not (slots.place or "").strip():
        raise CorrectionError("give a date or a place")
    after: dict[str, Any] = {}
    changed = {"date": False, "place": False}
    if slots.start_date is not None or slots.end_date is not None:
        start = slots.start_date or slots.end_date
        end = slots.end_date or start
        assert start is not None and end is not None
        if end < start:
            raise CorrectionError(f"the end date {end} is before the start date {start}")
        after.update(start_date=start.isoformat(), end_date=end.isoformat(), date_text=None)
        changed["date"] = True
    place = " ".join((slots.place or "").split())
    if place:
        if len(place) > 200:
            raise CorrectionError("a place of at most 200 characters")
        after["place"] = place
        changed["place"] = True
    return after, changed


def correct(
    session: Session, request: CorrectionRequest, *, now: datetime | None = None
) -> Correction:
    """Record ``request`` (who, when, which item, before, after) and apply it; the row."""
    snapshot = store.item_snapshot(session, request.item_type, request.item_key)
    if snapshot is None:
        raise CorrectionError("this item is no longer stored (corrected or reclassified already)")
    before: dict[str, Any] = {"topics": list(snapshot.topics)}
    after: dict[str, Any] = {}
    if snapshot.event_kind is not None:
        before.update(kind=snapshot.event_kind, name=snapshot.name, event_key=snapshot.event_key)
    if request.kind is CorrectionKind.NOT_TOPIC:
        removed = [t for t in request.topics if t in snapshot.topics]
        if not removed:
            raise CorrectionError("the item is not on that topic (any more)")
        after = {"removed": removed, "topics": [t for t in snapshot.topics if t not in removed]}
    elif request.kind is CorrectionKind.NOT_EVENT:
        after = {"event": None}
    elif request.kind is CorrectionKind.WRONG_SLOTS:
        before.update(snapshot.slots)
        values, changed = _slot_change(snapshot, request.slots)
        after = {**values, "changed": changed}
    else:
        target = store.item_snapshot(session, DigestItemType.EVENT, request.same_as)
        if target is None or request.same_as == request.item_key:
            raise CorrectionError("pick another stored event to merge with")
        after = {"kind": target.event_kind, "event_key": target.event_key, "name": target.name}
        after["item_key"] = request.same_as
    correction = Correction(
        created_at=now or utcnow(),
        kind=request.kind,
        item_type=request.item_type,
        item_key=request.item_key,
        event_kind=snapshot.event_kind,
        topics=list(snapshot.topics),
        article_ids=list(snapshot.article_ids),
        before=before,
        after=after,
        user_id=request.user_id,
        user_name=request.user_name,
        source=request.source,
        channel=request.channel,
        message_ts=request.message_ts,
    )
    store.record(session, correction)
    store.apply(session, correction)
    return correction


def describe(correction: Correction, labels_topic: Any = str) -> str:
    """ "marked not an event", "date and place corrected to ..." : what the message says."""
    kind = CorrectionKind(correction.kind)
    after = correction.after or {}
    if kind is CorrectionKind.NOT_TOPIC:
        names = " or ".join(labels_topic(t) for t in after.get("removed", ()))
        return f"marked not about {names}"
    if kind is CorrectionKind.NOT_EVENT:
        return "marked not an event"
    if kind is CorrectionKind.WRONG_SLOTS:
        facts = []
        if after.get("start_date"):
            start, end = after["start_date"], after.get("end_date")
            facts.append(start if end in (None, start) else f"{start} to {end}")
        if after.get("place"):
            facts.append(str(after["place"]))
        return f"corrected to {', '.join(facts)}"
    return f"merged into {after.get('name', 'another event')}"
