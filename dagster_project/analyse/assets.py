"""The analysis of stored articles: ``article_topics`` and ``events``, with their evidence."""

from collections.abc import Callable

import dagster as dg
from sqlalchemy.orm import Session

from pipelines.analysis import AnalysisResult, classify_pending, extract_pending
from pipelines.core.instants import Span
from pipelines.core.text import markdown_text, shortened
from pipelines.storage.decisions import Decision, forget_decisions
from pipelines.storage.queries import articles_per_topic, events_per_kind
from pipelines.taxonomy import Taxonomy

from ..partitions import ScopeConfig, partitioned, run_scope
from ..resources import DatabaseResource, TaxonomyResource

Work = Callable[[Session, Taxonomy, Span], AnalysisResult]


def _decide(
    context: dg.AssetExecutionContext,
    config: ScopeConfig,
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
    decision: Decision,
    work: Work,
    stored: Callable[[Session], dict[str, int]],
) -> tuple[AnalysisResult, dict[str, object]]:
    """Decide the scope's pending articles; a backfill recomputes the whole scope."""
    scope = run_scope(context, config)
    loaded = taxonomy.load()
    with database.session() as session:
        if not scope.incremental:
            # Idempotent partitions: the scope's decisions are recomputed from scratch.
            forget_decisions(session, [decision], scope.span)
        result = work(session, loaded, scope.span)
        totals = stored(session)
    context.log.info(f"{decision}: {result.articles} articles decided, {dict(result.counts)}")
    metadata: dict[str, object] = {
        "scope": scope.describe(),
        "taxonomy_version": loaded.version,
        "stored": dg.MetadataValue.json(totals),
        "examples": dg.MetadataValue.md(
            "\n".join(f"- {markdown_text(shortened(s, 300))}" for s in result.samples) or "-"
        ),
    }
    return result, metadata


@dg.asset(**partitioned("analyse", "python", "articles"))
def article_topics(
    context: dg.AssetExecutionContext,
    config: ScopeConfig,
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
) -> dg.MaterializeResult:
    """Topics of each article (the taxonomy's topics) with score and evidence."""
    result, metadata = _decide(
        context, config, database, taxonomy, Decision.TOPICS, classify_pending, articles_per_topic
    )
    return dg.MaterializeResult(
        metadata={
            "classified": result.articles,
            "new_decisions": dg.MetadataValue.json(dict(result.counts)),
            **metadata,
        }
    )


@dg.asset(**partitioned("analyse", "python", "articles"))
def events(
    context: dg.AssetExecutionContext,
    config: ScopeConfig,
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
) -> dg.MaterializeResult:
    """Conferences, alliances and proposals the articles report, with names, dates and places."""
    result, metadata = _decide(
        context, config, database, taxonomy, Decision.EVENTS, extract_pending, events_per_kind
    )
    return dg.MaterializeResult(
        metadata={
            "articles_processed": result.articles,
            "events_found": sum(result.counts.values()),
            "events_by_kind": dg.MetadataValue.json(dict(result.counts)),
            **metadata,
        }
    )
