"""The ``cqmonitor`` command: run the pipeline, the demo, previews, evaluation, reclassification,
status and unlock.

``run`` and ``demo`` execute the project's Dagster assets in process (``execute``), with
resources built from the one settings object. Every command runs through the one error surface
(``surface.guarded``): a failure is one line on stderr and a documented exit code.
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Sequence

import dagster as dg

from . import calendar, report, serve
from .commands import cmd_digest, cmd_evaluate, cmd_reclassify
from .execute import RunOutcome, execute, summary_lines
from .operate import cmd_status, cmd_unlock
from .runs import cmd_demo, cmd_run
from .subscriptions import cmd_subscriptions
from .surface import guarded

__all__ = ["RunOutcome", "execute", "main", "parser", "summary_lines"]


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
    evaluate.add_argument(
        "--corrections",
        action="store_true",
        help="add readers' corrections from the database (CQMONITOR_DATABASE_URL) as labels",
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

    status = sub.add_parser("status", help="the crawl lock, the last runs and crawls, digests")
    db_options(status)
    status.set_defaults(func=cmd_status)

    unlock = sub.add_parser("unlock", help="clear the crawl lock by hand (crawl abandoned)")
    db_options(unlock)
    unlock.set_defaults(func=cmd_unlock)
    report.add_parser(sub)
    calendar.add_parser(sub)
    serve.add_parsers(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    # backfill_policy is "beta" in Dagster 1.13: the notice means nothing to an operator.
    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    args = parser().parse_args(argv)
    return guarded(args.func, args)


if __name__ == "__main__":
    raise SystemExit(main())
