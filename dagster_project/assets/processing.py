"""From crawl output to stored rows: ``articles``, then ``article_topics`` and ``events``."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy import func, select

from pipelines.analysis import classify_pending, extract_pending
from pipelines.monitoring import assess_crawl, dropped_by_reason, requests_by_status
from pipelines.storage.models import Article, ArticleTopic, CrawlRun, Event
from pipelines.storage.repository import apply_crawl_items

from ..resources import DatabaseResource, TaxonomyResource


def _items(path: str) -> list[dict[str, Any]]:
    file = Path(path)
    if not file.exists():
        return []
    with file.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _markdown_titles(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return "_no new or updated article_"
    return "\n".join(f"- [{title}]({url})" for title, url in rows)


@dg.asset(group_name="store", kinds={"sqlalchemy"})
def articles(
    context: dg.AssetExecutionContext, raw_articles: dict[str, Any], database: DatabaseResource
) -> dg.Output[dict[str, Any]]:
    """Cleaned articles upserted into the ``articles`` table, keyed on the canonical URL."""
    now = datetime.now(UTC)
    stats = raw_articles.get("stats", {})
    health = assess_crawl(stats)
    with database.session() as session:
        result = apply_crawl_items(session, _items(raw_articles["items_path"]), now=now)
        run = session.get(CrawlRun, raw_articles["crawl_run_id"])
        if run is not None:
            run.finished_at = datetime.now(UTC)
            run.requests = int(stats.get("downloader/request_count", 0))
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
        changed = result.changed_ids
        newest = session.execute(
            select(Article.title, Article.url)
            .where(Article.id.in_(changed[:500]))
            .order_by(Article.published_at.desc())
            .limit(10)
        ).all()
        total = session.scalar(select(func.count()).select_from(Article)) or 0
    for failure in result.failed + result.rejected:
        context.log.warning(f"failed: {failure.get('url')}: {failure.get('reason')}")
    failed = len(result.failed) + len(result.rejected)
    summary = {
        "crawl_run_id": raw_articles["crawl_run_id"],
        "seen": result.seen,
        "new": len(result.new_ids),
        "updated": len(result.updated_ids),
        "unchanged": result.unchanged,
        "failed": failed,
        "changed_ids": changed,
        "requests": int(stats.get("downloader/request_count", 0)),
    }
    metadata: dict[str, Any] = {
        "seen": result.seen,
        "new": len(result.new_ids),
        "updated": len(result.updated_ids),
        "unchanged": result.unchanged,
        "failed": failed,
        "stored_total": int(total),
        "requests_by_status": dg.MetadataValue.json(requests_by_status(stats)),
        "dropped_by_reason": dg.MetadataValue.json(dropped_by_reason(stats)),
        "field_coverage": dg.MetadataValue.json(health.coverage),
        "crawl_health": health.status,
        "newest": dg.MetadataValue.md(_markdown_titles([tuple(r) for r in newest])),
    }
    if not health.ok:
        # The rows are stored; the run is flagged so that an operator looks at the site.
        raise dg.Failure(
            description="crawl flagged as failed: " + "; ".join(health.problems),
            metadata=metadata,
        )
    return dg.Output(summary, metadata=metadata)


@dg.asset(group_name="analyse", kinds={"python"})
def article_topics(
    context: dg.AssetExecutionContext,
    articles: dict[str, Any],
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
) -> dg.MaterializeResult:
    """Topics of each article (talent, aerospace information, NEV/ICV) with score and evidence."""
    loaded = taxonomy.load()
    with database.session() as session:
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


@dg.asset(group_name="analyse", kinds={"python"})
def events(
    context: dg.AssetExecutionContext,
    articles: dict[str, Any],
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
) -> dg.MaterializeResult:
    """Conferences, alliances and proposals the articles report, with names, dates and places."""
    loaded = taxonomy.load()
    with database.session() as session:
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
