"""``cqmonitor report``: the analysts' report of a period, as ``report.html`` (self-contained)
and ``report.md`` with its charts, read from the report views; no crawl, nothing posted."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

# Without --since: eight weeks (as many as the charts show at least), ending with --until.
DEFAULT_DAYS = 56


def add_parser(sub: argparse._SubParsersAction) -> None:
    report = sub.add_parser("report", help="write report.html and report.md for a period")
    report.add_argument(
        "--since", help=f"first CST day (YYYY-MM-DD); default: {DEFAULT_DAYS} days up to --until"
    )
    report.add_argument(
        "--until",
        help="last CST day, included; default: today with --since, else the newest article's day",
    )
    report.add_argument("--out", help="folder for the files (default: <data dir>/report)")
    report.add_argument("--database-url", help="env CQMONITOR_DATABASE_URL")
    report.set_defaults(func=cmd_report)


def report_days(
    since: date | None, until: date | None, *, newest: date | None, today: date
) -> tuple[date, date]:
    """The period's first and last day from the flags; without ``--until``, a report ends on the
    newest stored article's day (so that a copy of old news still gets one), or today."""
    last = until or (today if since else newest or today)
    first = since or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise ValueError(f"--until {last} is before --since {first}")
    return first, last


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.core.instants import cst_day
    from pipelines.digest import DigestLabels
    from pipelines.reports import ReportPeriod, summary_lines, write_report
    from pipelines.storage.db import make_engine, session_factory, session_scope
    from pipelines.storage.reports import newest_article_day
    from pipelines.taxonomy import load_taxonomy
    from pipelines.window import parse_day

    from .options import existing_database, settings_from_args

    settings = settings_from_args(args, sending=False)
    since = parse_day(args.since, "--since")
    until = parse_day(args.until, "--until")
    existing_database(settings)
    labels = DigestLabels.from_taxonomy(load_taxonomy(settings.taxonomy_path or None))
    out = Path(args.out) if args.out else Path(settings.data_dir) / "report"
    now = datetime.now(UTC)
    engine = make_engine(settings.database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            first, last = report_days(
                since, until, newest=newest_article_day(session), today=cst_day(now)
            )
            files = write_report(session, labels, ReportPeriod.of_days(first, last), out, now=now)
    finally:
        engine.dispose()
    for line in summary_lines(files.report):
        print(line)
    print(f"\nreport: {files.html}\nmarkdown: {files.markdown}")
    return 0
