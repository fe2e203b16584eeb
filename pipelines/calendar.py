"""An iCalendar (RFC 5545) of a subscription's dated events, built with the ``icalendar`` library.

One VEVENT per event edition: a stable UID (from the edition's key, so a moved date or place
updates the same calendar entry), SEQUENCE counting those moves (``event_editions.sequence``),
all-day DTSTART/DTEND (DTEND exclusive, as RFC 5545 wants), LOCATION, and the source links in
DESCRIPTION. :func:`build_calendar` is pure (entries in, bytes out); :func:`write_calendar`
puts the bytes on disk atomically, so a reader (a web server) never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from icalendar import Calendar
from icalendar import Event as VEvent

from pipelines.core.days import published_day

__all__ = [
    "CalendarEntry",
    "build_calendar",
    "calendar_path",
    "event_uid",
    "write_calendar",
]

PRODID = "-//cqmonitor//event calendar//EN"
UID_DOMAIN = "cqmonitor"


@dataclass(frozen=True)
class CalendarSource:
    url: str
    title: str
    published: datetime | None = None


@dataclass(frozen=True)
class CalendarEntry:
    """One event edition with days: what a VEVENT says."""

    kind: str
    event_key: str
    name: str
    start: date
    end: date | None  # the last day, included
    location: str
    sequence: int
    sources: tuple[CalendarSource, ...]
    updated_at: datetime | None = None
    status: str | None = None  # an EventStatus value

    @property
    def uid(self) -> str:
        return event_uid(self.kind, self.event_key)


def event_uid(kind: str, event_key: str) -> str:
    """The UID of an edition: the same for every build, whatever its dates or place."""
    digest = hashlib.sha256(f"{kind}:{event_key}".encode()).hexdigest()[:24]
    return f"{digest}@{UID_DOMAIN}"


def _description(entry: CalendarEntry) -> str:
    lines = [f"{entry.kind.replace('_', ' ').capitalize()}: {entry.name}", "", "Reported in:"]
    for source in entry.sources:
        day = published_day(source.published)
        lines.append(f"- {source.title}" + (f" ({day})" if day else "") + f"\n  {source.url}")
    return "\n".join(lines)


def build_calendar(entries: Sequence[CalendarEntry], *, name: str, stamp: datetime) -> bytes:
    """The iCalendar of ``entries`` (by start day), ``name`` as its display name; ``stamp`` is
    the DTSTAMP of every VEVENT (when this calendar was made)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for entry in sorted(entries, key=lambda e: (e.start, e.name, e.uid)):
        vevent = VEvent()
        vevent.add("uid", entry.uid)
        vevent.add("dtstamp", stamp)
        vevent.add("sequence", entry.sequence)
        vevent.add("summary", entry.name)
        vevent.add("dtstart", entry.start)
        last = entry.end if entry.end and entry.end >= entry.start else entry.start
        vevent.add("dtend", last + timedelta(days=1))
        vevent.add("transp", "TRANSPARENT")
        if entry.location:
            vevent.add("location", entry.location)
        if entry.sources:
            vevent.add("url", entry.sources[0].url)
        vevent.add("description", _description(entry))
        if entry.status == "cancelled":
            vevent.add("status", "CANCELLED")
        elif entry.status in ("announced", "postponed"):
            vevent.add("status", "TENTATIVE")
        else:
            vevent.add("status", "CONFIRMED")
        if entry.updated_at is not None:
            vevent.add("last-modified", entry.updated_at)
        cal.add_component(vevent)
    return cal.to_ical()


def calendar_path(data_dir: str | Path, subscription: str) -> Path:
    """Where ``cqmonitor run`` keeps a calendar: ``<data dir>/calendars/<subscription>.ics``."""
    return Path(data_dir) / "calendars" / f"{subscription}.ics"


def write_calendar(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
