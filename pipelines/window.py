"""Which articles a run asks the crawler for: a backfill window, or what is new since last time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from pipelines.core.instants import CST
from pipelines.core.problems import InputError

FIRST_RUN_DAYS = 7
# Overlap with the previous run, so that a post published while it ran is not missed.
OVERLAP = timedelta(hours=6)


class WindowError(InputError, ValueError):
    """A bad ``--since`` / ``--until``; ``str()`` names the flag."""

    what = None  # told as the command that was given the flag


@dataclass(frozen=True)
class CrawlWindow:
    since: date
    until: date | None
    backfill: bool
    changed_since: datetime | None

    def describe(self) -> str:
        end = self.until.isoformat() if self.until else "now"
        kind = "backfill" if self.backfill else "incremental"
        return f"{kind} {self.since.isoformat()} .. {end}"


def parse_day(value: str | None, setting: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise WindowError(f"{setting}: not a date (YYYY-MM-DD): {value!r}") from exc


def crawl_window(
    *, since: date | None, until: date | None, last_success: datetime | None, now: datetime
) -> CrawlWindow:
    """The window of one run: ``since``/``until`` make a backfill; otherwise since last success."""
    if until is not None and since is None:
        raise WindowError("--until needs --since")
    if since is not None:
        if until is not None and until < since:
            raise WindowError(f"--until {until} is before --since {since}")
        return CrawlWindow(since=since, until=until, backfill=True, changed_since=None)
    start = (last_success - OVERLAP) if last_success else now - timedelta(days=FIRST_RUN_DAYS)
    # Never after now: a last success dated in the future (a clock that was ahead) would make
    # every run skip what is new until the clock caught up.
    start = min(start, now - OVERLAP)
    return CrawlWindow(
        since=start.astimezone(CST).date(), until=None, backfill=False, changed_since=start
    )
