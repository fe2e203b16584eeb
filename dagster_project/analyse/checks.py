"""Checks of the analysis: labels the taxonomy knows, evidence present, nothing left undecided.

They read the rows of the articles written lately (``check_since``), not the history.
"""

from datetime import UTC, datetime

import dagster as dg

from pipelines.storage.queries import check_since, event_problems, topic_problems

from ..resources import DatabaseResource, TaxonomyResource


@dg.asset_check(asset="article_topics")
def topics_consistent(
    database: DatabaseResource, taxonomy: TaxonomyResource
) -> dg.AssetCheckResult:
    """Topics are the taxonomy's, each with its evidence, and no article waits for them."""
    with database.session() as session:
        since = check_since(datetime.now(UTC))
        counts = topic_problems(session, list(taxonomy.load().topics), since)
    return dg.AssetCheckResult(passed=not any(counts.values()), metadata=counts)


@dg.asset_check(asset="events")
def events_consistent(
    database: DatabaseResource, taxonomy: TaxonomyResource
) -> dg.AssetCheckResult:
    """Events have a kind of the taxonomy, a name and an article; no article waits for them."""
    with database.session() as session:
        since = check_since(datetime.now(UTC))
        counts = event_problems(session, list(taxonomy.load().events.kinds), since)
    return dg.AssetCheckResult(passed=not any(counts.values()), metadata=counts)
