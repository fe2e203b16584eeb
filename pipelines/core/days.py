"""Days as people read them: "Thu 28 - Sun 31 Aug 2025", "Thu 28 Aug 2025".

Event dates are calendar days (ISO text in the database); publication instants are shown as
their day in China Standard Time, the source site's clock.
"""

from __future__ import annotations

from datetime import date, datetime

from pipelines.core.instants import CST

__all__ = ["as_day", "day_text", "event_days", "published_day"]


def as_day(value: str | date | None) -> date | None:
    """A day from ISO text or a date; None for nothing or text that is not a day."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def day_text(day: date) -> str:
    """'Thu 28 Aug 2025'."""
    return f"{day:%a} {day.day} {day:%b %Y}"


def event_days(start: str | date | None, end: str | date | None = None) -> str:
    """An event's days: 'Thu 28 Aug 2025', 'Thu 28 - Sun 31 Aug 2025', 'Sat 30 Aug - Tue 2 Sep
    2025', 'Wed 31 Dec 2025 - Thu 1 Jan 2026'; '' when there is no start day."""
    a, b = as_day(start), as_day(end)
    if a is None:
        return ""
    if b is None or b <= a:
        return day_text(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a:%a} {a.day} - {day_text(b)}"
    if a.year == b.year:
        return f"{a:%a} {a.day} {a:%b} - {day_text(b)}"
    return f"{day_text(a)} - {day_text(b)}"


def published_day(instant: datetime | None) -> str:
    """The CST day of a publication instant: 'Thu 21 Aug 2025'; '' for None."""
    if instant is None:
        return ""
    return day_text(instant.astimezone(CST).date())
