"""One asset per configured source (``CQMONITOR_SOURCES``): ``source_<name>`` crawls the source
with the generic spider and stores what it read.

One asset each, so the UI shows each source's freshness and failures on its own, and a source
that fails never blocks another: no asset depends on another source's. Each runs in its own
concurrency pool (``crawl_<host>``, one slot by default), so two runs, or two Celery workers,
never crawl one host at once; the database's crawl lock per source holds the same rule against
anything else (the CLI, a second deployment).
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from crawlers.runner import CrawlError
from crawlers.source_run import crawl_and_store_source
from pipelines.core.problems import RERUN, ExitCode, Problem
from pipelines.core.statuses import SITE_DOWN
from pipelines.lease import LeaseLost
from pipelines.sources import Source
from pipelines.storage.crawls import last_successful_crawl
from pipelines.storage.lock import CrawlBusy

from ..errors import problem_failure
from ..partitions import ScopeConfig, partitioned, run_scope
from ..resources import DatabaseResource, SourceSiteResource
from .assets import _window

GROUP = "sources"


def source_asset_name(source: Source) -> str:
    return f"source_{source.name}"


def _source_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        name=source_asset_name(source),
        description=f"Articles of {source.url}, crawled by the generic spider and stored.",
        pool=source.pool,
        **{**partitioned(GROUP, "scrapy"), "kinds": {"scrapy", "sqlalchemy"}},
    )
    def crawl_source(
        context: dg.AssetExecutionContext,
        config: ScopeConfig,
        database: DatabaseResource,
        source_site: SourceSiteResource,
    ) -> dg.MaterializeResult:
        scope = run_scope(context, config)
        with database.session() as session:
            last = last_successful_crawl(session, source.name)
        window = _window(scope, last.started_at if last else None, datetime.now(UTC))
        context.log.info(f"source {source.name}: {window.describe()} from {source.url}")
        try:
            outcome = crawl_and_store_source(
                database.factory,
                source,
                work_dir=Path(source_site.work_dir).resolve(),
                since=window.since,
                until=window.until,
                backfill=window.backfill,
                delay=source_site.delay,
                scrapy_settings=dict(source_site.scrapy_settings),
                span=scope.span,
                log=lambda line: context.log.debug(f"[scrapy] {line}"),
                dagster_run_id=context.run.run_id,
            )
        except CrawlBusy as exc:
            raise problem_failure(
                Problem(f"source {source.name}", str(exc), "wait for its crawl to end")
            ) from exc
        except (CrawlError, LeaseLost) as exc:
            raise problem_failure(Problem(f"source {source.name}", str(exc), RERUN)) from exc
        metadata = {
            "source": source.name,
            "url": source.url,
            "crawl_run_ids": dg.MetadataValue.json(outcome.crawl_ids),
            "new": outcome.new,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "failed": outcome.failed,
            "crawl_health": outcome.status,
            "log_path": dg.MetadataValue.path(outcome.log_path),
        }
        if outcome.problems:
            down = outcome.status in {str(s) for s in SITE_DOWN}
            raise problem_failure(
                Problem(
                    f"crawl of source {source.name} ({source.url})",
                    "; ".join(outcome.problems),
                    "look at the crawl log; the other sources are not affected",
                    ExitCode.SOURCE_DOWN if down else ExitCode.FAILURE,
                ),
                metadata,
            )
        return dg.MaterializeResult(metadata=metadata)

    return crawl_source


def source_assets(sources: Sequence[Source]) -> list[dg.AssetsDefinition]:
    """The assets of the enabled sources the generic spider reads (iChongqing has its own)."""
    return [_source_asset(s) for s in sources if s.generic and s.enabled]


def source_asset_names(sources: Sequence[Source]) -> list[str]:
    return [source_asset_name(s) for s in sources if s.generic and s.enabled]
