"""From crawl output to stored rows: the ``articles`` table, and each crawl's judged health.

A crawl whose fields were read by the generic fallbacks on too many pages (drift) is stored and
succeeds; the first such crawl of a spell of drift posts one Slack alert, remembered in the
crawl's ``stats`` (``health/drift_alerted``) so that the next runs stay quiet while it lasts.
"""

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dagster as dg
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from pipelines.core import stats as keys
from pipelines.core.items import ArticleItem, CrawlItem
from pipelines.core.problems import RERUN, ExitCode, Problem
from pipelines.core.statuses import SITE_DOWN, CrawlStatus
from pipelines.core.text import markdown_text, markdown_url, shortened
from pipelines.crawl_output import CrawlOutput
from pipelines.monitoring import (
    HANDFUL,
    CrawlHealth,
    assess_crawl,
    bad_page_fields,
    drift_message,
    drift_to_alert,
    dropped_by_reason,
    requests_by_status,
)
from pipelines.slack import SlackDeliveryError
from pipelines.storage.batches import refused
from pipelines.storage.crawls import (
    give_up_storing,
    next_crawl_to_store,
    previous_reading_crawl,
    record_stored,
)
from pipelines.storage.db import begin_exclusive
from pipelines.storage.ingest import ApplyResult, apply_crawl_items
from pipelines.storage.models import Article, CrawlRun
from pipelines.storage.quarantine import one_line
from pipelines.storage.queries import count_rows, newest_titles

from ..automation import FRESHNESS
from ..errors import problem_failure
from ..partitions import RunScope, ScopeConfig, partitioned, run_scope
from ..resources import DatabaseResource, SlackResource


def crawl_problem(source_url: str, health: CrawlHealth) -> Problem:
    """What a judged crawl's problems tell the user: the site is down (exit 3), or its pages
    cannot be read (exit 1)."""
    down = health.status in SITE_DOWN
    why = "; ".join(health.problems)
    if down:
        # Host and port, said outright: the first thing to check when nothing answers.
        parts = urlsplit(source_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        why = f"{why}, at host {parts.hostname} port {port}"
    return Problem(
        f"crawl of {source_url}",
        why,
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
    previous = previous_reading_crawl(session, run.id, source=run.source)
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
    # Titles come from web pages: escaped, so that "[x](http://...)" is no live link in the UI.
    return "\n".join(
        f"- [{markdown_text(shortened(title, 300))}]({markdown_url(url)})" for title, url in rows
    )


def _noting_bad_pages(items: Iterable[CrawlItem], bad: list[str]) -> Iterator[CrawlItem]:
    """``items`` unchanged; the address and lacking fields of each bad article page noted."""
    for item in items:
        if isinstance(item, ArticleItem) and (lacking := bad_page_fields(item)):
            bad.append(f"{item.url} ({', '.join(lacking)})")
        yield item


@dataclass
class _Stored:
    """One crawl stored: what its items did and how it was judged."""

    run: CrawlRun
    result: ApplyResult
    health: CrawlHealth
    alert: str
    output: CrawlOutput


def _store_crawl(
    context: dg.AssetExecutionContext,
    slack: SlackResource,
    session: Session,
    run: CrawlRun,
    scope: RunScope,
) -> _Stored:
    """Apply one crawl's output (its own transaction) and record its judged health."""
    stats = dict(run.stats or {})
    health = assess_crawl(stats)
    output = CrawlOutput(Path(run.items_path or "items.jsonl.missing"))
    bad: list[str] = []
    result = apply_crawl_items(
        session,
        _noting_bad_pages(output.items(), bad),
        now=datetime.now(UTC),
        span=scope.span,
        crawl_id=run.id,
    )
    if health.notes and bad:
        health.notes.append(f"bad pages: {'; '.join(bad[:HANDFUL])}")
    damage = output.problem()
    if damage:
        health.notes.append(damage)
    if result.quarantined:
        held = ", ".join(str(q.get("url"))[:200] for q in result.quarantined[:5])
        health.notes.append(f"{len(result.quarantined)} item(s) quarantined: {held}")
    alerted, alert = _alert_drift(context, slack, session, run, health)
    record_stored(
        run,
        seen=result.seen,
        new=len(result.new_ids),
        updated=len(result.updated_ids),
        unchanged=result.unchanged,
        failed=len(result.failed) + len(result.rejected) + len(result.quarantined),
        # A crawl whose output was lost in part is done again: it is no successful crawl.
        status=CrawlStatus.FAILED if output.redo and health.ok else health.status,
        extra_stats={
            keys.HEALTH_COVERAGE: health.coverage,
            keys.HEALTH_PROBLEMS: health.problems,
            keys.HEALTH_OUTSIDE_SPAN: result.outside_span,
            keys.HEALTH_FIELD_PATHS: health.field_paths,
            keys.HEALTH_WARNINGS: health.warnings,
            keys.HEALTH_DRIFT: health.drift,
            keys.HEALTH_DRIFT_ALERTED: alerted,
            keys.HEALTH_NOTES: health.notes,
            keys.STORE_DAMAGED_LINES: output.damaged,
            keys.STORE_QUARANTINED: len(result.quarantined),
            keys.DATE_OUT_OF_RANGE: result.out_of_range,
        },
        message="; ".join(health.problems) or (damage if output.redo else None),
        now=datetime.now(UTC),
    )
    return _Stored(run, result, health, alert, output)


@dg.asset(**partitioned("store", "sqlalchemy", "raw_articles"), freshness_policy=FRESHNESS)
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
    notes: list[str] = []
    field_paths: dict[str, dict[str, float]] = {}
    drift_alert = "none"
    changed: list[int] = []
    stored_crawls = 0
    last_id = 0
    # Every crawl not yet stored (this run's, and any whose store step failed earlier), each in
    # a transaction of its own: one that cannot be stored holds back no other.
    while True:
        current: int | None = None
        try:
            with database.session() as session:
                begin_exclusive(session)
                run = next_crawl_to_store(session, after=last_id)
                if run is None:
                    break
                last_id = current = run.id
                stored = _store_crawl(context, slack, session, run, scope)
        except (StatementError, OSError, ValueError) as exc:
            if current is None or (isinstance(exc, StatementError) and not refused(exc)):
                raise
            why = f"its output could not be stored: {one_line(exc)}"
            with database.session() as session:
                give_up_storing(session, last_id, why, datetime.now(UTC))
            context.log.error(f"crawl {last_id}: {why}; its window is crawled again")
            problems.append(f"crawl {last_id}: {why}")
            problem = Problem(f"crawl {last_id}", why, RERUN)
            continue
        stored_crawls += 1
        run, result, health = stored.run, stored.result, stored.health
        stats = dict(run.stats or {})
        totals.update(
            seen=result.seen,
            new=len(result.new_ids),
            updated=len(result.updated_ids),
            unchanged=result.unchanged,
            failed=run.failed,
            outside_span=result.outside_span,
            quarantined=len(result.quarantined),
            damaged_lines=stored.output.damaged,
        )
        for failure in result.failed + result.rejected + result.quarantined:
            context.log.warning(f"failed: {failure.get('url')}: {failure.get('reason')}")
        statuses.update(requests_by_status(stats))
        dropped.update(dropped_by_reason(stats))
        coverage = health.coverage or coverage
        field_paths = health.field_paths or field_paths
        drift_alert = stored.alert if stored.alert != "none" else drift_alert
        problems += health.problems
        if health.problems:
            problem = crawl_problem(run.source_url, health)
        warnings += health.warnings
        notes += health.notes
        for warning in health.warnings + health.notes:
            context.log.warning(f"crawl {run.id}: {warning}")
        changed += result.changed_ids
    with database.session() as session:
        newest = newest_titles(session, changed)
        total = count_rows(session, Article)
    metadata: dict[str, Any] = {
        **{name: int(n) for name, n in totals.items()},
        "scope": scope.describe(),
        "crawls_stored": stored_crawls,
        "stored_total": total,
        "requests_by_status": dg.MetadataValue.json(dict(statuses)),
        "dropped_by_reason": dg.MetadataValue.json(dict(dropped)),
        "field_coverage": dg.MetadataValue.json(coverage),
        "crawl_health": "failed" if problems else "drift" if warnings else "success",
        "field_paths": dg.MetadataValue.json(field_paths),
        "drift_warnings": dg.MetadataValue.json(warnings),
        "drift_alert": drift_alert,
        "warnings": dg.MetadataValue.json(notes),
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
