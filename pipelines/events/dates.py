"""Dates as news stories write them, resolved against the publication date.

"November 23-24", "June 26 to 27", "from January 5 to February 2", "Jan. 27, 2026", and a weekday
("on Monday"): a date without a year takes the year that puts it nearest the publication (a late
December story about January means next January); a weekday is the last such day up to the
publication day for a past event and the next one from it for an announced or ongoing one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.core.instants import CST

__all__ = [
    "DATE_RE",
    "DURATION_RE",
    "MONTH",
    "TIME_WORDS",
    "WEEKDAY",
    "FoundDate",
    "duration_days",
    "parse_date",
]

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_RELATIVE = {"yesterday": -1, "today": 0, "tomorrow": 1}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: A month as written ("November", "Nov.").
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)(?![a-z])"
)
#: A day of the week.
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
#: Months (full and short), weekdays, "today" and "tomorrow", lower case.
TIME_WORDS = frozenset(
    re.findall(r"[A-Za-z]+", MONTH.lower())
    + list(_WEEKDAYS)
    + ["sep", "today", "tomorrow", "yesterday"]
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?!\d)"
#: A calendar date or range, or a weekday.
DATE_RE = re.compile(
    rf"\b(?P<m1>{MONTH})\s+(?P<d1>{_DAY})"
    rf"(?:\s*(?:-|–|to|through|until|and)\s*(?:(?P<m2>{MONTH})\s+)?(?P<d2>{_DAY})\b)?"
    rf"(?:,?\s+(?P<y>(?:19|20)\d\d))?"
    # "23-24 November 2024", the order of British and some Chinese English sources.
    rf"|\b(?P<d1b>{_DAY})(?:\s*(?:-|–|to)\s*(?P<d2b>{_DAY}))?\s+(?P<m1b>{MONTH})"
    rf"(?:,?\s+(?P<yb>(?:19|20)\d\d))?"
    r"|\b(?P<rel>today|yesterday|tomorrow)\b"
    rf"|\b(?P<wd>{WEEKDAY})(?:\s*(?:-|–|to|through|until|and)\s*(?P<wd2>{WEEKDAY}))?\b"
)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
_COUNT = r"(?P<n>two|three|four|five|six|seven|eight|[2-8])"
#: How long an event lasts: "for three days", "over four days", "a two-day forum".
DURATION_RE = re.compile(
    rf"\b(?:for|over|across|lasting|lasts|last|during|in|after)\s+(?:the\s+)?(?:next\s+|past\s+)?"
    rf"{_COUNT}\s+days\b|\b{_COUNT.replace('<n>', '<n2>')}-day\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FoundDate:
    """A date as written and as resolved."""

    text: str
    start: date
    end: date


def _nearest(month: int, day: int, published: datetime | None, year: int | None) -> date:
    if year is not None:
        return date(year, month, day)
    if published is None:
        return date(date.today().year, month, day)
    pub = published.astimezone(CST).date()
    best: date | None = None
    for y in (pub.year - 1, pub.year, pub.year + 1):
        try:
            d = date(y, month, day)
        except ValueError:
            continue
        if best is None or abs((d - pub).days) < abs((best - pub).days):
            best = d
    if best is None:
        raise ValueError(f"no date {month}-{day}")
    return best


def _weekday(name: str, published: datetime | None, ahead: bool) -> date | None:
    if published is None:
        return None
    pub = published.astimezone(CST).date()
    target = _WEEKDAYS.index(name.lower())
    delta = (target - pub.weekday()) % 7
    if ahead:
        return pub + timedelta(days=delta)
    return pub - timedelta(days=(pub.weekday() - target) % 7)


def parse_date(m: re.Match[str], published: datetime | None, ahead: bool) -> FoundDate | None:
    """The date of a :data:`DATE_RE` match; ``ahead`` says the sentence announces the event
    (a weekday then means the next one). None when the date is impossible."""
    if m["rel"]:
        if published is None:
            return None
        pub = published.astimezone(CST).date()
        day = pub + timedelta(days=_RELATIVE[m["rel"].lower()])
        return FoundDate(m.group(0), day, day)
    if m["wd"]:
        day = _weekday(m["wd"], published, ahead)
        if day is None:
            return None
        end = day
        if m["wd2"]:  # "from Monday to Tuesday": the end is the first such day from the start
            target = _WEEKDAYS.index(m["wd2"].lower())
            end = day + timedelta(days=(target - day.weekday()) % 7)
        return FoundDate(m.group(0), day, end)
    month, day, month2, day2, year = (
        (m["m1"], m["d1"], m["m2"], m["d2"], m["y"])
        if m["m1"]
        else (m["m1b"], m["d1b"], None, m["d2b"], m["yb"])
    )
    try:
        m1 = _MONTHS[month[:3].lower()]
        d1 = int(re.sub(r"\D", "", day))
        start = _nearest(m1, d1, published, int(year) if year else None)
        end = start
        if day2:
            m2 = _MONTHS[month2[:3].lower()] if month2 else m1
            d2 = int(re.sub(r"\D", "", day2))
            end = date(start.year + (1 if m2 < m1 else 0), m2, d2)
            if end < start:
                return None
    except ValueError:
        return None
    return FoundDate(m.group(0).strip(), start, end)


def duration_days(m: re.Match[str]) -> int:
    """The number of days of a :data:`DURATION_RE` match."""
    n = (m["n"] or m["n2"]).lower()
    return _NUMBERS[n] if n in _NUMBERS else int(n)
