"""Checks protecting readers of the ``articles`` table: blocking, a failure stops the digest.

They read the articles written lately (``check_since``), not the history.
"""

from datetime import UTC, datetime

import dagster as dg

from pipelines.storage.models import Article
from pipelines.storage.queries import (
    check_since,
    count_rows,
    duplicate_articles,
    incomplete_articles,
)

from ..resources import DatabaseResource

SAMPLE = 10


@dg.asset_check(asset="articles", blocking=True)
def no_duplicate_articles(database: DatabaseResource) -> dg.AssetCheckResult:
    """One row per article: no two stored URLs are the same article (scheme, host, AMP, ...)."""
    with database.session() as session:
        duplicates = duplicate_articles(session, check_since(datetime.now(UTC)))
        total = count_rows(session, Article)
    return dg.AssetCheckResult(
        passed=not duplicates,
        metadata={
            "articles": total,
            "duplicated_articles": len(duplicates),
            "examples": dg.MetadataValue.json(dict(list(duplicates.items())[:SAMPLE])),
        },
    )


@dg.asset_check(asset="articles", blocking=True)
def articles_complete(database: DatabaseResource) -> dg.AssetCheckResult:
    """Every article has a title, a publication instant and a body."""
    with database.session() as session:
        urls = incomplete_articles(session, check_since(datetime.now(UTC)))
    return dg.AssetCheckResult(
        passed=not urls,
        metadata={"incomplete": len(urls), "examples": dg.MetadataValue.json(urls[:SAMPLE])},
    )
