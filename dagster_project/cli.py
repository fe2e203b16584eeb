"""The ``cqmonitor`` command: run the pipeline, the demo, previews, evaluation, reclassification.

``run`` and ``demo`` execute the project's Dagster assets in process (``dg.materialize`` on the
same asset definitions the UI shows), with resources built from flags and environment.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import warnings
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy.exc import SQLAlchemyError

from pipelines.core.instants import CST
from pipelines.settings import BUNDLED, SettingError, Settings
from pipelines.window import parse_day

from .partitions import FIRST_DAY, range_tags
from .resources import DatabaseResource, SlackResource, SourceSiteResource, TaxonomyResource


def build_resources(
    settings: Settings,
    *,
    preview_only: bool = False,
    crawl_settings: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The resources of ``definitions.py``, configured from already validated settings."""
    return {
        "database": DatabaseResource(url=settings.database_url),
        "source_site": SourceSiteResource(
            url=settings.source_url,
            delay=settings.delay,
            work_dir=str(Path(settings.data_dir) / "crawls"),
            scrapy_settings=dict(crawl_settings or {}),
        ),
        "taxonomy": TaxonomyResource(path=settings.taxonomy_path),
        "slack": SlackResource(
            token="" if preview_only else settings.slack_token,
            channel=settings.slack_channel,
            alert_channel=settings.slack_alert_channel,
            api_url=settings.slack_api_url,
            send_empty=settings.slack_send_empty,
            preview_dir=settings.data_dir,
        ),
    }


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    try:
        events = result.asset_materializations_for_node(asset)
    except Exception:  # noqa: BLE001 - an asset that did not run has no materialization
        return {}
    if not events:
        return {}
    return {key: getattr(value, "value", value) for key, value in events[-1].metadata.items()}


def _error_line(error: Any) -> str:
    """The first line of the first non-Dagster error in the chain (the user's own error)."""
    chain = []
    while error is not None:
        chain.append(error)
        error = getattr(error, "cause", None)
    own = [e for e in chain if not str(getattr(e, "cls_name", "")).startswith("Dagster")]
    chosen = own[0] if own else chain[-1]
    lines = (chosen.message or "failed").strip().splitlines()
    return lines[0] if lines else "failed"


def _failure_reason(result: dg.ExecuteInProcessResult) -> str:
    for event in result.all_events:
        if event.event_type_value == "RESOURCE_INIT_FAILURE":
            error = getattr(event.event_specific_data, "error", None)
            return f"setting up resources: {_error_line(error) if error else event.message}"
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        step = event.step_key or "?"
        if data.user_failure_data is not None and data.user_failure_data.description:
            return f"{step}: {data.user_failure_data.description}"
        if data.error is not None:
            return f"{step}: {_error_line(data.error)}"
    return "the run failed"


def incremental_since(settings: Settings, now: datetime) -> date:
    """First publication day of a run with no window: since the last successful crawl."""
    from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
    from pipelines.storage.repository import last_successful_crawl
    from pipelines.window import crawl_window

    try:
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        with session_scope(session_factory(engine)) as session:
            last = last_successful_crawl(session)
            started = last.started_at if last else None
        engine.dispose()
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0]
        raise SettingError("CQMONITOR_DATABASE_URL", f"cannot use the database: {first}") from exc
    return crawl_window(since=None, until=None, last_success=started, now=now).since


def execute(
    settings: Settings,
    *,
    since: str | None,
    until: str | None,
    digest: bool = True,
    preview_only: bool = False,
    log_level: str = "CRITICAL",
    crawl_settings: dict[str, str] | None = None,
) -> tuple[bool, dict[str, dict[str, Any]], str]:
    """Materialize the asset graph once; return (success, metadata per asset, failure reason).

    A window runs its publication days as one partition range (a backfill); no window runs
    incrementally, labelled with the days since the last successful crawl.
    """
    from .definitions import defs

    now = datetime.now(UTC)
    today = now.astimezone(CST).date()
    first_day = date.fromisoformat(FIRST_DAY)
    incremental = since is None
    first = parse_day(since, "--since") or incremental_since(settings, now)
    last = parse_day(until, "--until") or today
    if first < first_day:
        if not incremental:
            raise ValueError(f"--since {first} is before the first partition, {FIRST_DAY}")
        first = first_day
    selection = ["raw_articles", "articles", "article_topics", "events"]
    if digest:
        selection.append("slack_digest")
    run_config: dict[str, Any] = {
        "ops": {"raw_articles": {"config": {"incremental": incremental}}},
        "loggers": {"console": {"config": {"log_level": log_level}}},
    }
    result = dg.materialize(
        [*(defs.assets or []), *(defs.asset_checks or [])],
        selection=selection,
        resources=build_resources(
            settings, preview_only=preview_only, crawl_settings=crawl_settings
        ),
        run_config=run_config,
        tags=range_tags(first, min(max(first, last), today + timedelta(days=1))),
        raise_on_error=False,
    )
    metadata = {name: _metadata(result, name) for name in selection}
    return result.success, metadata, "" if result.success else _failure_reason(result)


def summary_lines(metadata: dict[str, dict[str, Any]], wall: float) -> list[str]:
    raw = metadata.get("raw_articles", {})
    stored = metadata.get("articles", {})
    events = metadata.get("events", {})
    digest = metadata.get("slack_digest", {})
    lines = [
        f"articles: seen {stored.get('seen', 0)}, new {stored.get('new', 0)}, "
        f"updated {stored.get('updated', 0)}, failed {stored.get('failed', 0)} "
        f"({stored.get('stored_total', 0)} stored in all)",
        f"crawl: {raw.get('requests', 0)} requests, window {raw.get('window', '?')}, {wall:.1f} s",
        f"events: {events.get('events_found', 0)} extracted from "
        f"{events.get('articles_processed', 0)} articles {events.get('events_by_kind', {})}",
    ]
    if digest:
        status = digest.get("status", "?")
        verb = {
            "sent": "sent",
            "preview": "previewed (no SLACK_BOT_TOKEN)",
            "empty": "sent (nothing new)",
            "nothing": "nothing to send",
        }.get(status, status)
        lines.append(
            f"digest: {verb}: {digest.get('events', 0)} events, "
            f"{digest.get('articles', 0)} other articles, {digest.get('messages', 0)} message(s)"
        )
    return lines


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        source_url=getattr(args, "source_url", None),
        database_url=getattr(args, "database_url", None),
        delay=getattr(args, "delay", None),
    ).validate()


def _check_window(since: str | None, until: str | None) -> None:
    first = parse_day(since, "--since")
    last = parse_day(until, "--until")
    if last and not first:
        raise ValueError("--until needs --since")
    if first and last and last < first:
        raise ValueError(f"--until {last} is before --since {first}")


def cmd_run(args: argparse.Namespace) -> int:
    _check_window(args.since, args.until)
    settings = _settings(args)
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
    digest = metadata.get("slack_digest", {})
    if digest.get("status") == "preview":
        print()
        print(digest.get("text", ""))
        print(f"\n(Block Kit JSON: {Path(settings.data_dir) / 'digest-preview.json'})")
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
    print(metadata.get("slack_digest", {}).get("text", ""))
    print(f"\n(Block Kit JSON: {data_dir / 'digest-preview.json'})")
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from pipelines.delivery import preview_digest
    from pipelines.storage.db import make_engine, migrate, session_factory

    settings = _settings(args)
    if not args.preview:
        print(
            "cqmonitor digest: only --preview is available; `cqmonitor run` sends digests",
            file=sys.stderr,
        )
        return 2
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    out = Path(args.output or Path(settings.data_dir) / "digest-preview.json")
    outcome = preview_digest(session_factory(engine), now=datetime.now(UTC), preview_path=out)
    engine.dispose()
    print(outcome.text)
    print(f"\n(Block Kit JSON: {outcome.blocks_path or out})")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pipelines.evaluation import (
        article_from_record,
        evaluate,
        format_kfold,
        format_report,
        kfold,
        load_labeled,
    )
    from pipelines.events import load_model
    from pipelines.taxonomy import load_taxonomy

    try:
        labeled = load_labeled([Path(p) for p in args.paths])
        if args.bundled:
            from crawlers.sitecopy import load_bundled_articles, to_eval_record

            records = [to_eval_record(a) for a in load_bundled_articles()]
            labeled += [article_from_record(r, "bundled", i) for i, r in enumerate(records)]
        taxonomy = load_taxonomy(args.taxonomy or None)
        model = load_model(args.model) if args.model else None
    except (OSError, ValueError) as exc:
        print(f"cqmonitor evaluate: {exc}", file=sys.stderr)
        return 2
    if not labeled:
        where = " ".join(args.paths) or "(no path given; add files, folders or --bundled)"
        print(f"cqmonitor evaluate: no labeled article found in {where}", file=sys.stderr)
        return 2
    if args.folds:
        try:
            print(format_kfold(kfold(labeled, args.folds, taxonomy)))
        except ValueError as exc:
            print(f"cqmonitor evaluate: {exc}", file=sys.stderr)
            return 2
        return 0
    print(format_report(evaluate(labeled, taxonomy, model)))
    return 0


def cmd_reclassify(args: argparse.Namespace) -> int:
    from pipelines.analysis import classify_pending, extract_pending, forget_decisions
    from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
    from pipelines.taxonomy import load_taxonomy

    settings = _settings(args)
    taxonomy = load_taxonomy(settings.taxonomy_path or None)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(session_factory(engine)) as session:
        if args.all:
            forget_decisions(session)
        topics = classify_pending(session, taxonomy)
        found = extract_pending(session, taxonomy)
    engine.dispose()
    print(
        f"taxonomy {taxonomy.version}: re-classified {topics.articles} articles "
        f"{dict(topics.counts)}; re-extracted events of {found.articles} {dict(found.counts)}"
    )
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
    db_options(digest)
    digest.set_defaults(func=cmd_digest)

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
