"""The commands that work on the stored data without crawling: digest preview, evaluation,
reclassification."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from .options import pick_subscription, settings_from_args


def cmd_digest(args: argparse.Namespace) -> int:
    from pipelines.delivery import preview_digest
    from pipelines.digest import DigestLabels
    from pipelines.storage.db import make_engine, migrate, session_factory

    settings = settings_from_args(args)
    if not args.preview:
        print(
            "cqmonitor digest: only --preview is available; `cqmonitor run` sends digests",
            file=sys.stderr,
        )
        return 2
    subscription = pick_subscription(settings, args.subscription)
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    name = "" if args.subscription is None else f"-{subscription.name}"
    out = Path(args.output or Path(settings.data_dir) / f"digest-preview{name}.json")
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
    from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
    from pipelines.storage.decisions import forget_decisions
    from pipelines.taxonomy import load_taxonomy

    settings = settings_from_args(args)
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
