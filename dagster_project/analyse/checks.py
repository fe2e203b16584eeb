"""Checks of the analysis: labels the taxonomy knows, evidence present, nothing left undecided."""

import dagster as dg

from pipelines.storage.queries import event_problems, topic_problems

from ..resources import DatabaseResource, TaxonomyResource


@dg.asset_check(asset="article_topics")
def topics_consistent(
    database: DatabaseResource, taxonomy: TaxonomyResource
) -> dg.AssetCheckResult:
    """Topics are the taxonomy's, each with its evidence, and no article waits for them."""
    with database.session() as session:
        counts = topic_problems(session, list(taxonomy.load().topics))
    return dg.AssetCheckResult(passed=not any(counts.values()), metadata=counts)


@dg.asset_check(asset="events")
def events_consistent(
    database: DatabaseResource, taxonomy: TaxonomyResource
) -> dg.AssetCheckResult:
    """Events have a kind of the taxonomy, a name and an article; no article waits for them."""
    with database.session() as session:
        counts = event_problems(session, list(taxonomy.load().events.kinds))
    return dg.AssetCheckResult(passed=not any(counts.values()), metadata=counts)
