"""From crawl output to stored rows: the ``articles`` table, and each crawl's judged health.

A crawl whose fields were read by the generic fallbacks on too many pages (drift) is stored and
succeeds; the first such crawl of a spell of drift posts one Slack alert, remembered in the
crawl's ``stats`` (``health/drift_alerted``) so that the next runs stay quiet while it lasts.
"""

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy.orm import Session

from pipelines.core import stats as keys
from pipelines.core.items import CrawlItem, item_from_record
from pipelines.core.problems import ExitCode, Problem
from pipelines.core.statuses import SITE_DOWN
from pipelines.monitoring import (
    CrawlHealth,
    assess_crawl,
    drift_message,
    drift_to_alert,
    dropped_by_reason,
    requests_by_status,
)
from pipelines.slack import SlackDeliveryError
from pipelines.storage.crawls import crawls_to_store, previous_reading_crawl, record_stored
from pipelines.storage.db import begin_exclusive
from pipelines.storage.ingest import apply_crawl_items
from pipelines.storage.models import Article, CrawlRun
from pipelines.storage.queries import count_rows, newest_titles

from ..errors import problem_failure
from ..partitions import ScopeConfig, partitioned, run_scope
from ..resources import DatabaseResource, SlackResource


def _items(path: str) -> Iterator[CrawlItem]:
    """The crawl's items one at a time: a backfill's output is never held in memory whole."""
    file = Path(path)
    if not file.exists():
        return
    with file.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield item_from_record(json.loads(line))


def crawl_problem(source_url: str, health: CrawlHealth) -> Problem:
    """What a judged crawl's problems tell the user: the site is down (exit 3), or its pages
    cannot be read (exit 1)."""
    down = health.status in SITE_DOWN
    return Problem(
        f"crawl of {source_url}",
        "; ".join(health.problems),
        health.advice or "look at the crawl log",
        ExitCode.SOURCE_DOWN if down else ExitCode.FAILURE,
    )


def _alert_drift(
    context: dg.AssetExecutionContext,
    slack: SlackResource,
    session: Session,
    run: CrawlRun,
    health: CrawlHealth,
) -> tuple[list[str], str]:
    """The drifting fields alerted so far in this spell of drift, and what became of the alert
    (``sent``, ``logged`` without a token, ``quiet``: alerted before, ``failed``, ``none``)."""
    if not health.drift:
        return [], "none"
    previous = previous_reading_crawl(session, run.id)
    before = list((previous.stats or {}).get(keys.HEALTH_DRIFT_ALERTED, [])) if previous else []
    alerted = [name for name in before if name in health.drift]
    if not drift_to_alert(health.drift, alerted):
        return alerted, "quiet"
    try:
        ts = slack.alert(drift_message(health), log=context.log.warning)
    except SlackDeliveryError as exc:
        # Drift is a warning: the rows are stored all the same, the next run tries again.
        context.log.error(f"drift alert for crawl {run.id} not sent: {exc}")
        return alerted, "failed"
    return list(health.drift), "sent" if ts is not None else "logged"


def _markdown_titles(rows: list[tuple[str, str]]) -> str:
    if not rows:
        return "_no new or updated article_"
    return "\n".join(f"- [{title}]({url})" for title, url in rows)


@dg.asset(**partitioned("store", "sqlalchemy", "raw_articles"))
def articles(
    context: dg.AssetExecutionContext,
    config: ScopeConfig,
    database: DatabaseResource,
    slack: SlackResource,
) -> dg.MaterializeResult:
    """Cleaned articles upserted into the ``articles`` table, keyed on the canonical URL."""
    scope = run_scope(context, config)
    totals: Counter[str] = Counter(seen=0, new=0, updated=0, unchanged=0, failed=0)
    statuses: Counter[str] = Counter()
    dropped: Counter[str] = Counter()
    coverage: dict[str, float] = {}
    problems: list[str] = []
    problem: Problem | None = None
    warnings: list[str] = []
    field_paths: dict[str, dict[str, float]] = {}
    drift_alert = "none"
    changed: list[int] = []
    with database.session() as session:
        begin_exclusive(session)
        # Every crawl not yet stored: this run's, and any whose store step failed earlier.
        pending = crawls_to_store(session)
        for run in pending:
            stats = dict(run.stats or {})
            health = assess_crawl(stats)
            result = apply_crawl_items(
                session, _items(run.items_path or ""), now=datetime.now(UTC), span=scope.span
            )
            counts = {
                "seen": result.seen,
                "new": len(result.new_ids),
                "updated": len(result.updated_ids),
                "unchanged": result.unchanged,
                "failed": len(result.failed) + len(result.rejected),
            }
            alerted, alert = _alert_drift(context, slack, session, run, health)
            record_stored(
                run,
                **counts,
                status=health.status,
                extra_stats={
                    keys.HEALTH_COVERAGE: health.coverage,
                    keys.HEALTH_PROBLEMS: health.problems,
                    keys.HEALTH_OUTSIDE_SPAN: result.outside_span,
                    keys.HEALTH_FIELD_PATHS: health.field_paths,
                    keys.HEALTH_WARNINGS: health.warnings,
                    keys.HEALTH_DRIFT: health.drift,
                    keys.HEALTH_DRIFT_ALERTED: alerted,
                },
                message="; ".join(health.problems) or None,
                now=datetime.now(UTC),
            )
            for failure in result.failed + result.rejected:
                context.log.warning(f"failed: {failure.get('url')}: {failure.get('reason')}")
            totals.update(counts, outside_span=result.outside_span)
            statuses.update(requests_by_status(stats))
            dropped.update(dropped_by_reason(stats))
            coverage = health.coverage or coverage
            field_paths = health.field_paths or field_paths
            drift_alert = alert if alert != "none" else drift_alert
            problems += health.problems
            if health.problems:
                problem = crawl_problem(run.source_url, health)
            warnings += health.warnings
            for warning in health.warnings:
                context.log.warning(f"crawl {run.id}: {warning}")
            changed += result.changed_ids
        newest = newest_titles(session, changed)
        total = count_rows(session, Article)
    metadata: dict[str, Any] = {
        **{name: int(n) for name, n in totals.items()},
        "scope": scope.describe(),
        "crawls_stored": len(pending),
        "stored_total": total,
        "requests_by_status": dg.MetadataValue.json(dict(statuses)),
        "dropped_by_reason": dg.MetadataValue.json(dict(dropped)),
        "field_coverage": dg.MetadataValue.json(coverage),
        "crawl_health": "failed" if problems else "drift" if warnings else "success",
        "field_paths": dg.MetadataValue.json(field_paths),
        "drift_warnings": dg.MetadataValue.json(warnings),
        "drift_alert": drift_alert,
        "newest": dg.MetadataValue.md(_markdown_titles(newest)),
    }
    if totals["outside_span"]:
        context.log.info(
            f"{totals['outside_span']} crawled article(s) published outside {scope.describe()} "
            "left unstored: a run of their days stores them"
        )
    if problem is not None:
        # The rows are stored; the run is flagged so that an operator looks at the site.
        raise problem_failure(problem, metadata)
    return dg.MaterializeResult(metadata=metadata)
