"""Instants and the site's clock: China Standard Time, and ISO or RFC 2822 text read as UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime

# The site publishes in Chongqing: its dates are CST dates (UTC+8, no daylight saving). The one
# definition: everything else imports it (Dagster's partitions name the same zone, TIMEZONE).
CST = timezone(timedelta(hours=8), "CST")
TIMEZONE = "Asia/Shanghai"
_DAY_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 (or RFC 2822) instant as aware UTC; a value without offset is CST."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if _DAY_ONLY.fullmatch(text):
        return datetime.combine(date.fromisoformat(text), time(0, 0), CST).astimezone(UTC)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=CST)
    return parsed.astimezone(UTC)


def cst_day(instant: datetime) -> date:
    """The publication day (CST) of an aware instant."""
    return instant.astimezone(CST).date()


@dataclass(frozen=True)
class Span:
    """The publication instants ``[start, end)`` a run covers; an open end covers all."""

    start: datetime | None = None
    end: datetime | None = None

    @classmethod
    def of_days(cls, first: date | None, last: date | None) -> Span:
        """CST days ``first`` to ``last``, both included (None: open)."""
        start = datetime.combine(first, time(0, 0), CST).astimezone(UTC) if first else None
        end = (
            datetime.combine(last + timedelta(days=1), time(0, 0), CST).astimezone(UTC)
            if last
            else None
        )
        return cls(start, end)

    @property
    def is_everything(self) -> bool:
        return self.start is None and self.end is None

    def __contains__(self, instant: object) -> bool:
        if not isinstance(instant, datetime):
            return False
        if self.start is not None and instant < self.start:
            return False
        return not (self.end is not None and instant >= self.end)

    def describe(self) -> str:
        first = cst_day(self.start).isoformat() if self.start else "the first day"
        last = cst_day(self.end - timedelta(microseconds=1)).isoformat() if self.end else "now"
        return f"{first} .. {last}"


EVERYTHING = Span()
