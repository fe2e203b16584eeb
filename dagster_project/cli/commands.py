"""The commands that work on the stored data without crawling: digest preview, evaluation,
reclassification."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from .options import settings_from_args


def cmd_digest(args: argparse.Namespace) -> int:
    from pipelines.delivery import preview_digest
    from pipelines.digest import DigestLabels
    from pipelines.storage.db import make_engine, migrate, session_factory
    from pipelines.taxonomy import load_taxonomy

    settings = settings_from_args(args)
    if not args.preview:
        print(
            "cqmonitor digest: only --preview is available; `cqmonitor run` sends digests",
            file=sys.stderr,
        )
        return 2
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    out = Path(args.output or Path(settings.data_dir) / "digest-preview.json")
    labels = DigestLabels.from_taxonomy(load_taxonomy(settings.taxonomy_path or None))
    outcome = preview_digest(
        session_factory(engine), now=datetime.now(UTC), preview_path=out, labels=labels
    )
    engine.dispose()
    print(outcome.text)
    print(f"\n(Block Kit JSON: {outcome.blocks_path or out})")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from pipelines.evaluation import evaluate, format_report, load_labeled
    from pipelines.taxonomy import load_taxonomy

    labeled = load_labeled([Path(p) for p in args.paths])
    if not labeled:
        print(
            "cqmonitor evaluate: no labeled article found in " + " ".join(args.paths),
            file=sys.stderr,
        )
        return 2
    report = evaluate(labeled, load_taxonomy(args.taxonomy or None))
    print(format_report(report))
    return 0


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
