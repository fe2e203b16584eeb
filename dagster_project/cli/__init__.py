"""The ``cqmonitor`` command: run the pipeline, the demo, previews, evaluation, reclassification.

``run`` and ``demo`` execute the project's Dagster assets in process (``execute``), with
resources built from the one settings object.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from pipelines.core.statuses import DeliveryOutcomeStatus
from pipelines.settings import BUNDLED, SettingError, Settings

from . import report
from .commands import cmd_digest, cmd_evaluate, cmd_reclassify
from .execute import digest_text, execute, summary_lines
from .options import check_window, settings_from_args
from .subscriptions import cmd_subscriptions

__all__ = ["execute", "main", "parser", "summary_lines"]


def cmd_run(args: argparse.Namespace) -> int:
    check_window(args.since, args.until)
    settings = settings_from_args(args)
    started = datetime.now(UTC)
    ok, metadata, reason = execute(
        settings,
        since=args.since,
        until=args.until,
        digest=not args.no_digest,
        log_level="INFO" if args.verbose else "CRITICAL",
    )
    wall = (datetime.now(UTC) - started).total_seconds()
    for line in summary_lines(metadata, wall):
        print(line)
    previews = [m for m in metadata.values() if m.get("status") == DeliveryOutcomeStatus.PREVIEW]
    for preview in previews:
        if preview.get("text"):
            print()
            print(preview["text"])
    if previews:
        print(f"\n(Block Kit JSON: {Path(settings.data_dir)}/digest-preview*.json)")
    if not ok:
        print(f"cqmonitor run failed: {reason}", file=sys.stderr)
        return 1
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir)
    database = data_dir / "demo.db"
    # A demo starts from nothing, so that its preview shows the whole bundled copy.
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(data_dir / "crawls", ignore_errors=True)
    from crawlers.sitecopy import load_bundled_articles

    # The bundled copy's own span: a partition range no longer than the data.
    days = sorted(datetime.fromisoformat(a["published"]).date() for a in load_bundled_articles())
    settings = replace(
        Settings.from_env(env={}),
        source_url=BUNDLED,
        database_url=f"sqlite:///{database.resolve()}",
        delay=0.0,
        data_dir=str(data_dir),
    ).validate()
    print(f"cqmonitor demo: crawling the bundled copy of iChongqing into {database}")
    started = datetime.now(UTC)
    ok, metadata, reason = execute(
        settings, since=days[0].isoformat(), until=days[-1].isoformat(), preview_only=True
    )
    wall = (datetime.now(UTC) - started).total_seconds()
    for line in summary_lines(metadata, wall):
        print(line)
    if not ok:
        print(f"cqmonitor demo failed: {reason}", file=sys.stderr)
        return 1
    print("\n--- digest preview (nothing is posted in the demo) ---\n")
    print(digest_text(metadata))
    print(f"\n(Block Kit JSON: {data_dir / 'digest-preview.json'})")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="cqmonitor",
        description="Monitor iChongqing for talent, aerospace-information and NEV/ICV news.",
    )
    sub = top.add_subparsers(dest="command", required=True)

    def db_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--database-url", help="env CQMONITOR_DATABASE_URL")

    run = sub.add_parser("run", help="one pass: crawl, store, classify, extract, digest")
    run.add_argument("--source-url", help="env CQMONITOR_SOURCE_URL")
    db_options(run)
    run.add_argument(
        "--delay", type=float, help="seconds between requests; env CQMONITOR_DOWNLOAD_DELAY"
    )
    run.add_argument("--since", help="backfill from this CST date (YYYY-MM-DD)")
    run.add_argument("--until", help="backfill up to this CST date, included")
    run.add_argument("--no-digest", action="store_true", help="store only, send no digest")
    run.add_argument("-v", "--verbose", action="store_true", help="show Dagster's log")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="run on the bundled offline copy and preview the digest")
    demo.add_argument("--data-dir", default=".cqmonitor", help="where the demo database goes")
    demo.set_defaults(func=cmd_demo)

    digest = sub.add_parser("digest", help="the digest that would be posted now")
    digest.add_argument("--preview", action="store_true", help="print it; post nothing")
    digest.add_argument("--output", help="Block Kit JSON file (default .cqmonitor/...)")
    digest.add_argument("--subscription", help="the digest of this subscription (by name)")
    db_options(digest)
    digest.set_defaults(func=cmd_digest)

    subscriptions = sub.add_parser(
        "subscriptions", help="the subscriptions and what is pending for each"
    )
    db_options(subscriptions)
    subscriptions.set_defaults(func=cmd_subscriptions)

    evaluate = sub.add_parser("evaluate", help="score the classifier on labeled articles")
    evaluate.add_argument("paths", nargs="*", help="JSON files or folders in the eval format")
    evaluate.add_argument("--taxonomy", help="taxonomy YAML (default: the packaged one)")
    evaluate.add_argument(
        "--folds",
        type=int,
        default=0,
        help="k-fold: fit the event model on k-1 folds, score the other",
    )
    evaluate.add_argument("--bundled", action="store_true", help="add the bundled copy's labels")
    evaluate.add_argument(
        "--model", help="event acceptance model JSON (default: the shipped one; not with --folds)"
    )
    evaluate.set_defaults(func=cmd_evaluate)

    reclassify = sub.add_parser("reclassify", help="recompute topics and events, no crawl")
    db_options(reclassify)
    reclassify.add_argument(
        "--all", action="store_true", default=True, help="every article (default)"
    )
    reclassify.add_argument(
        "--changed-only",
        dest="all",
        action="store_false",
        help="only articles classified by another taxonomy",
    )
    reclassify.set_defaults(func=cmd_reclassify)
    report.add_parser(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    # backfill_policy is "beta" in Dagster 1.13: the notice means nothing to an operator.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingError as exc:
        print(f"cqmonitor: bad setting {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"cqmonitor: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
