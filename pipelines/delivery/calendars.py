"""Each subscription's calendar: its dated event editions (those its kinds, topics and keywords
take), as ``pipelines.calendar`` entries, built and written to ``<data dir>/calendars/``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from pipelines.calendar import (
    CalendarEntry,
    CalendarSource,
    build_calendar,
    calendar_path,
    write_calendar,
)
from pipelines.core.days import as_day
from pipelines.core.instants import cst_day
from pipelines.storage import ledger
from pipelines.storage.editions import dated_editions
from pipelines.subscriptions import Subscription

#: Without --since, a calendar shows what is coming and what was held in the last 90 days.
DEFAULT_PAST_DAYS = 90


def default_since(now: datetime) -> date:
    return cst_day(now) - timedelta(days=DEFAULT_PAST_DAYS)


def _location(venue: str | None, city: str | None, place: str | None) -> str:
    parts = [" ".join((p or "").split()) for p in (venue, city)]
    parts = [p for p in parts if p]
    place = " ".join((place or "").split())
    if place and not all(p.casefold() in place.casefold() for p in parts):
        return ", ".join(dict.fromkeys([place, *parts]))
    return place or ", ".join(parts)


def subscription_entries(
    session: Session, subscription: Subscription, since: date
) -> list[CalendarEntry]:
    """The calendar entries of the subscription: editions with days, last day >= ``since``."""
    found = dated_editions(session, since)
    topics = ledger.topics_of(session, {r[3] for _e, reports in found for r in reports})
    entries = []
    for edition, reports in found:
        start = as_day(edition.start_date)
        if start is None or not subscription.wants_kind(edition.kind):
            continue
        wanted = [
            r
            for r in reports
            if subscription.wants_topics(topics.get(r[3], ()))
            and subscription.wants_keywords(edition.name, r[1], r[4])
        ]
        if not wanted:
            continue
        entries.append(
            CalendarEntry(
                kind=edition.kind,
                event_key=edition.event_key,
                name=edition.name,
                start=start,
                end=as_day(edition.end_date),
                location=_location(edition.venue, edition.city, edition.place),
                sequence=edition.sequence or 0,
                sources=tuple(CalendarSource(r[0], r[1], r[2]) for r in wanted),
                updated_at=edition.changed_at or edition.updated_at,
                status=edition.status,
            )
        )
    return entries


def subscription_calendar(
    session: Session, subscription: Subscription, *, since: date, now: datetime
) -> bytes:
    """The subscription's iCalendar, as bytes."""
    entries = subscription_entries(session, subscription, since)
    return build_calendar(entries, name=f"cqmonitor: {subscription.name}", stamp=now)


def write_calendars(
    session: Session,
    subscriptions: Sequence[Subscription],
    data_dir: str | Path,
    *,
    now: datetime,
    since: date | None = None,
) -> list[Path]:
    """Write every subscription's calendar to ``<data dir>/calendars/<name>.ics``."""
    since = since or default_since(now)
    return [
        write_calendar(
            calendar_path(data_dir, s.name),
            subscription_calendar(session, s, since=since, now=now),
        )
        for s in subscriptions
    ]
