"""The commands that work on the stored data without crawling: digest preview, evaluation,
reclassification."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import db_options


def add_parser(sub: argparse._SubParsersAction) -> None:
    digest = sub.add_parser("digest", help="the digest that would be posted now")
    digest.add_argument("--preview", action="store_true", help="print it; post nothing")
    digest.add_argument(
        "--output", help="Block Kit JSON file (default <data dir>/digest-now-<subscription>.json)"
    )
    digest.add_argument("--subscription", help="the digest of this subscription (by name)")
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


def preview_file(data_dir: str, subscription: str) -> Path:
    """Where ``digest --preview`` writes a subscription's Block Kit JSON: a file of its own,
    apart from the previews a run writes (``digest-preview*.json``)."""
    return Path(data_dir) / f"digest-now-{subscription}.json"


def cmd_digest(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from pipelines.delivery import preview_digest
    from pipelines.digest import DigestLabels
    from pipelines.storage.db import make_engine, session_factory

    from .options import existing_database, pick_subscription, settings_from_args

    settings = settings_from_args(args, sending=False)
    if not args.preview:
        print(
            "cqmonitor: digest: only --preview is available; `cqmonitor run` sends digests",
            file=sys.stderr,
        )
        return 2
    subscription = pick_subscription(settings, args.subscription)
    existing_database(settings)
    engine = make_engine(settings.database_url)
    out = Path(args.output or preview_file(settings.data_dir, subscription.name))
    labels = DigestLabels.from_taxonomy(settings.taxonomy())
    outcome = preview_digest(
        session_factory(engine),
        now=datetime.now(UTC),
        preview_path=out,
        labels=labels,
        subscription=subscription,
    )
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
        if getattr(args, "corrections", False):
            labeled += _corrections_as_labeled()
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


def _corrections_as_labeled() -> list:
    """Readers' corrections in the database of the environment, as labeled articles."""
    from pipelines.corrections import load_corrections_as_labeled
    from pipelines.settings import Settings
    from pipelines.storage.db import make_engine, migrate, session_factory, session_scope

    settings = Settings.from_env().validate()
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    with session_scope(session_factory(engine)) as session:
        labeled = load_corrections_as_labeled(session)
    engine.dispose()
    return labeled


def cmd_reclassify(args: argparse.Namespace) -> int:
    from pipelines.analysis import classify_pending, extract_pending
    from pipelines.storage.db import make_engine, session_factory, session_scope
    from pipelines.storage.decisions import forget_decisions
    from pipelines.taxonomy import load_taxonomy

    from .options import existing_database, settings_from_args

    settings = settings_from_args(args, sending=False)
    taxonomy = load_taxonomy(settings.taxonomy_path or None)
    existing_database(settings)
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
