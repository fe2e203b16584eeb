"""From crawl output to stored rows: ``articles``, then ``article_topics`` and ``events``."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipelines.analysis import classify_pending, extract_pending, forget_decisions
from pipelines.core.items import CrawlItem, item_from_record
from pipelines.monitoring import assess_crawl, dropped_by_reason, requests_by_status
from pipelines.storage.models import Article, ArticleTopic, CrawlRun, Event
from pipelines.storage.repository import apply_crawl_items

from ..partitions import publication_days
from ..resources import DatabaseResource, TaxonomyResource


def _items(path: str) -> list[CrawlItem]:
    file = Path(path)
    if not file.exists():
        return []
    with file.open(encoding="utf-8") as handle:
        return [item_from_record(json.loads(line)) for line in handle if line.strip()]


def _forget_window(context: dg.AssetExecutionContext, session: Session, *, what: str) -> None:
    """Idempotent partitions: the window's decisions of this asset are recomputed from scratch."""
    if context.has_partition_key or context.has_partition_key_range:
        window = context.partition_time_window
        forget_decisions(
            session,
            start=window.start,
            end=window.end,
            topics=what == "topics",
            events=what == "events",
        )


def _markdown_titles(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return "_no new or updated article_"
    return "\n".join(f"- [{title}]({url})" for title, url in rows)


@dg.asset(
    group_name="store",
    kinds={"sqlalchemy"},
    partitions_def=publication_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["raw_articles"],
)
def articles(context: dg.AssetExecutionContext, database: DatabaseResource) -> dg.MaterializeResult:
    """Cleaned articles upserted into the ``articles`` table, keyed on the canonical URL."""
    now = datetime.now(UTC)
    totals: dict[str, int] = dict.fromkeys(("seen", "new", "updated", "unchanged", "failed"), 0)
    statuses: dict[str, int] = {}
    dropped: dict[str, int] = {}
    coverage: dict[str, float] = {}
    problems: list[str] = []
    changed: list[int] = []
    with database.session() as session:
        # Every crawl not yet stored: this run's, and any whose store step failed earlier.
        pending = session.scalars(
            select(CrawlRun).where(CrawlRun.status == "crawled").order_by(CrawlRun.id)
        ).all()
        for run in pending:
            stats = dict(run.stats or {})
            health = assess_crawl(stats)
            result = apply_crawl_items(session, _items(run.items_path or ""), now=now)
            run.finished_at = datetime.now(UTC)
            run.items = result.seen
            run.new = len(result.new_ids)
            run.updated = len(result.updated_ids)
            run.unchanged = result.unchanged
            run.failed = len(result.failed) + len(result.rejected)
            run.stats = {
                **stats,
                "health/coverage": health.coverage,
                "health/problems": health.problems,
            }
            run.status = health.status
            run.message = "; ".join(health.problems) or None
            for failure in result.failed + result.rejected:
                context.log.warning(f"failed: {failure.get('url')}: {failure.get('reason')}")
            totals["seen"] += result.seen
            totals["new"] += len(result.new_ids)
            totals["updated"] += len(result.updated_ids)
            totals["unchanged"] += result.unchanged
            totals["failed"] += run.failed
            for key, value in requests_by_status(stats).items():
                statuses[key] = statuses.get(key, 0) + value
            for key, value in dropped_by_reason(stats).items():
                dropped[key] = dropped.get(key, 0) + value
            coverage = health.coverage or coverage
            problems += health.problems
            changed += result.changed_ids
        newest = session.execute(
            select(Article.title, Article.url)
            .where(Article.id.in_(changed[:500]))
            .order_by(Article.published_at.desc())
            .limit(10)
        ).all()
        total = session.scalar(select(func.count()).select_from(Article)) or 0
    metadata: dict[str, Any] = {
        **totals,
        "crawls_stored": len(pending),
        "stored_total": int(total),
        "requests_by_status": dg.MetadataValue.json(statuses),
        "dropped_by_reason": dg.MetadataValue.json(dropped),
        "field_coverage": dg.MetadataValue.json(coverage),
        "crawl_health": "failed" if problems else "success",
        "newest": dg.MetadataValue.md(_markdown_titles([tuple(r) for r in newest])),
    }
    if problems:
        # The rows are stored; the run is flagged so that an operator looks at the site.
        raise dg.Failure(
            description="crawl flagged as failed: " + "; ".join(problems), metadata=metadata
        )
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    group_name="analyse",
    kinds={"python"},
    partitions_def=publication_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["articles"],
)
def article_topics(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
) -> dg.MaterializeResult:
    """Topics of each article (talent, aerospace information, NEV/ICV) with score and evidence."""
    loaded = taxonomy.load()
    with database.session() as session:
        _forget_window(context, session, what="topics")
        result = classify_pending(session, loaded)
        per_topic = dict(
            session.execute(
                select(ArticleTopic.topic, func.count()).group_by(ArticleTopic.topic)
            ).all()
        )
    context.log.info(f"classified {result.articles} articles: {dict(result.counts)}")
    return dg.MaterializeResult(
        metadata={
            "classified": result.articles,
            "taxonomy_version": loaded.version,
            "new_decisions": dg.MetadataValue.json(dict(result.counts)),
            "articles_per_topic": dg.MetadataValue.json(per_topic),
            "examples": dg.MetadataValue.md("\n".join(f"- {s}" for s in result.samples) or "-"),
        }
    )


@dg.asset(
    group_name="analyse",
    kinds={"python"},
    partitions_def=publication_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=["articles"],
)
def events(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
) -> dg.MaterializeResult:
    """Conferences, alliances and proposals the articles report, with names, dates and places."""
    loaded = taxonomy.load()
    with database.session() as session:
        _forget_window(context, session, what="events")
        result = extract_pending(session, loaded)
        per_kind = dict(
            session.execute(select(Event.kind, func.count()).group_by(Event.kind)).all()
        )
    context.log.info(f"extracted events from {result.articles} articles: {dict(result.counts)}")
    return dg.MaterializeResult(
        metadata={
            "articles_processed": result.articles,
            "events_found": sum(result.counts.values()),
            "events_by_kind": dg.MetadataValue.json(dict(result.counts)),
            "stored_by_kind": dg.MetadataValue.json(per_kind),
            "examples": dg.MetadataValue.md("\n".join(f"- {s}" for s in result.samples) or "-"),
        }
    )
