"""``cqmonitor calendar``: a subscription's dated events as an iCalendar (RFC 5545) file; and
the calendars every ``cqmonitor run`` leaves in ``<data dir>/calendars/``."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .options import existing_database, pick_subscription, settings_from_args

if TYPE_CHECKING:
    from pipelines.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    calendar = sub.add_parser("calendar", help="write an iCalendar of a subscription's events")
    calendar.add_argument("--subscription", help="by name (default: the first subscription)")
    calendar.add_argument(
        "--since", help="also events held since this CST day (default: 90 days back)"
    )
    calendar.add_argument(
        "--out", help="the .ics file, '-' for stdout (default: <data dir>/calendars/<name>.ics)"
    )
    calendar.add_argument("--database-url", help="env CQMONITOR_DATABASE_URL")
    calendar.set_defaults(func=cmd_calendar)


def cmd_calendar(args: argparse.Namespace) -> int:
    from pipelines.calendar import calendar_path, write_calendar
    from pipelines.delivery.calendars import default_since, subscription_calendar
    from pipelines.storage.db import make_engine, session_factory, session_scope
    from pipelines.window import parse_day

    settings = settings_from_args(args)
    since = parse_day(args.since, "--since")
    subscription = pick_subscription(settings, args.subscription)
    existing_database(settings)
    now = datetime.now(UTC)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            data = subscription_calendar(
                session, subscription, since=since or default_since(now), now=now
            )
    finally:
        engine.dispose()
    if args.out == "-":
        sys.stdout.write(data.decode("utf-8"))
        return 0
    out = Path(args.out) if args.out else calendar_path(settings.data_dir, subscription.name)
    write_calendar(out, data)
    events = data.count(b"BEGIN:VEVENT")
    print(f"calendar: {out} ({events} event{'s' if events != 1 else ''})")
    return 0


def write_run_calendars(settings: Settings) -> list[Path]:
    """Every subscription's calendar, as a run leaves them."""
    from pipelines.delivery.calendars import write_calendars
    from pipelines.storage.db import make_engine, session_factory, session_scope

    engine = make_engine(settings.database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            return write_calendars(
                session, settings.subscriptions(), settings.data_dir, now=datetime.now(UTC)
            )
    finally:
        engine.dispose()
