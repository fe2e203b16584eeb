"""Checks of the crawl's health, read from the latest stored crawl."""

from typing import Any

import dagster as dg

from pipelines.core import stats as keys
from pipelines.monitoring import COVERAGE_THRESHOLDS, FALLBACK_WARNING_SHARE
from pipelines.storage.crawls import latest_judged_crawl

from ..resources import DatabaseResource


def _nothing_stored() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True, metadata={"crawl": "none stored yet"})


def _latest_stats(database: DatabaseResource) -> tuple[int, dict[str, Any]] | None:
    """The id and stats of the latest stored and judged crawl, if any."""
    with database.session() as session:
        latest = latest_judged_crawl(session)
        return (latest.id, dict(latest.stats or {})) if latest is not None else None


@dg.asset_check(asset="articles")
def crawl_field_coverage(database: DatabaseResource) -> dg.AssetCheckResult:
    """The latest stored crawl found each field on enough pages (else the markup changed)."""
    latest = _latest_stats(database)
    if latest is None:
        return _nothing_stored()
    crawl_id, stats = latest
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


@dg.asset_check(asset="articles")
def crawl_read_by_site_path(database: DatabaseResource) -> dg.AssetCheckResult:
    """The latest crawl read its fields by the site path: a field read by the generic fallbacks
    on more than 20 % of its pages means the site's markup changed (a warning: the pages were
    still read)."""
    latest = _latest_stats(database)
    if latest is None:
        return _nothing_stored()
    crawl_id, stats = latest
    paths: dict[str, dict[str, float]] = dict(stats.get(keys.HEALTH_FIELD_PATHS, {}))
    on_fallback = {
        name: shares.get(keys.PATH_FALLBACK, 0.0)
        for name, shares in paths.items()
        if shares.get(keys.PATH_FALLBACK, 0.0) > FALLBACK_WARNING_SHARE
    }
    warnings = list(stats.get(keys.HEALTH_WARNINGS, []))
    return dg.AssetCheckResult(
        passed=not on_fallback,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(warnings) if on_fallback else None,
        metadata={
            "crawl_run_id": crawl_id,
            "fallback_share": dg.MetadataValue.json(on_fallback),
            "threshold": FALLBACK_WARNING_SHARE,
            "field_paths": dg.MetadataValue.json(paths),
        },
    )
