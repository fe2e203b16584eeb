"""Checks of the crawl's health, read from the latest stored crawl."""

import dagster as dg

from pipelines.core import stats as keys
from pipelines.monitoring import COVERAGE_THRESHOLDS
from pipelines.storage.crawls import latest_judged_crawl

from ..resources import DatabaseResource


@dg.asset_check(asset="articles")
def crawl_field_coverage(database: DatabaseResource) -> dg.AssetCheckResult:
    """The latest stored crawl found each field on enough pages (else the markup changed)."""
    with database.session() as session:
        latest = latest_judged_crawl(session)
        if latest is None:
            return dg.AssetCheckResult(passed=True, metadata={"crawl": "none stored yet"})
        stats = dict(latest.stats or {})
        crawl_id = latest.id
    coverage: dict[str, float] = dict(stats.get(keys.HEALTH_COVERAGE, {}))
    problems = list(stats.get(keys.HEALTH_PROBLEMS, []))
    low = {
        name: share
        for name, share in coverage.items()
        if name in COVERAGE_THRESHOLDS and share < COVERAGE_THRESHOLDS[name]
    }
    return dg.AssetCheckResult(
        passed=not low and not problems,
        metadata={
            "crawl_run_id": crawl_id,
            "coverage": dg.MetadataValue.json(coverage),
            "thresholds": dg.MetadataValue.json(COVERAGE_THRESHOLDS),
            "problems": dg.MetadataValue.json(problems),
        },
    )
