"""Dates as the site's bylines write them (``Jan 16,2023``), for pages with no machine date."""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_BYLINE_DATE = re.compile(r"([A-Za-z]{3})[a-z]*\.?\s*(\d{1,2})\s*,\s*(\d{4})")


def parse_byline_date(text: str | None) -> date | None:
    """``Jan 16,2023`` / ``Jan 16, 2023`` / ``January 16, 2023`` as a date."""
    if not text:
        return None
    match = _BYLINE_DATE.search(text)
    if not match:
        return None
    month = _MONTHS.get(match.group(1).lower()[:3])
    if month is None:
        return None
    try:
        return date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        return None
