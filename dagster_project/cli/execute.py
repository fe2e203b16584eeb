"""One pass of the asset graph in process: what ``cqmonitor run`` and ``demo`` execute.

``dg.materialize`` runs the same asset definitions the UI shows, with resources built from the
one settings object. A window runs its months as one partition range narrowed to its days (a
backfill); no window runs incrementally over every month.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import dagster as dg
from sqlalchemy.exc import SQLAlchemyError

from pipelines.core.instants import cst_day
from pipelines.core.problems import Problem
from pipelines.core.statuses import DeliveryOutcomeStatus
from pipelines.interrupts import recording_signals
from pipelines.settings import SettingError, Settings
from pipelines.storage.db import migrate
from pipelines.window import WindowError, parse_day

from ..areas import area_definitions
from ..crawl.sources import source_asset_names
from ..deliver import delivery_asset_name
from ..errors import failure_tracebacks, problem_from_events
from ..partitions import FIRST_DAY, PARTITIONED_ASSETS, range_tags, scope_config
from ..resources import build_resources


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    try:
        events = result.asset_materializations_for_node(asset)
    except Exception:  # noqa: BLE001 - an asset that did not run has no materialization
        return {}
    if not events:
        return {}
    return {key: getattr(value, "value", value) for key, value in events[-1].metadata.items()}


def check_writable(directory: str, setting: str) -> None:
    """Create ``directory`` if need be and prove a file can be written in it."""
    try:
        Path(directory).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise SettingError(setting, f"cannot write in {Path(directory).resolve()}: {why}") from exc


def check_database(settings: Settings) -> None:
    """Migrate the database: one that cannot be used stops the run before it writes."""
    try:
        migrate(settings.database_url)
    except SQLAlchemyError as exc:
        first = str(exc).strip().splitlines()[0]
        raise SettingError("CQMONITOR_DATABASE_URL", f"cannot use the database: {first}") from exc


def preflight(settings: Settings) -> None:
    """What must hold before a run writes anything: writable directories, a usable database."""
    check_writable(settings.data_dir, "CQMONITOR_DATA_DIR")
    if Path(settings.crawl_dir).exists():
        check_writable(settings.crawl_dir, "CQMONITOR_DATA_DIR")
    check_database(settings)


@dataclass(frozen=True)
class RunOutcome:
    """One pass of the graph: success, metadata per asset, and what failed (a Problem).

    It unpacks (and indexes) as ``(ok, metadata, reason)``, the reason being the problem's line.
    """

    ok: bool
    metadata: dict[str, dict[str, Any]]
    problem: Problem | None = None
    # The full errors (with their stacks) of the failed steps, for the log file.
    tracebacks: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return self.problem.line if self.problem is not None else ""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.ok, self.metadata, self.reason))

    def __getitem__(self, index: int) -> Any:
        return (self.ok, self.metadata, self.reason)[index]


def execute(
    settings: Settings,
    *,
    since: str | None,
    until: str | None,
    digest: bool = True,
    preview_only: bool = False,
    log_level: str = "CRITICAL",
    crawl_settings: dict[str, str] | None = None,
    log_hint: str = "the log",
) -> RunOutcome:
    """Materialize the asset graph once (after :func:`preflight`)."""
    today = cst_day(datetime.now(UTC))
    first_day = date.fromisoformat(FIRST_DAY)
    first = parse_day(since, "--since")
    last = parse_day(until, "--until")
    preflight(settings)
    if first is not None and first < first_day:
        raise WindowError(f"--since {first} is before the first partition, {FIRST_DAY}")
    if first is None:
        # Incremental: every month, so that an edit of an old article is stored in its month.
        tags, config = (
            range_tags(first_day, today),
            scope_config(incremental=True, since=None, until=None),
        )
    else:
        last = min(last or today, today)
        if last < first:
            raise WindowError(f"--until {last} is before --since {first}")
        tags = range_tags(first, last)
        config = scope_config(incremental=False, since=first, until=last)
    subscriptions = settings.subscriptions()
    deliveries = [delivery_asset_name(s) for s in subscriptions] if digest else []
    sources = source_asset_names(settings.sources())
    definitions = area_definitions(subscriptions, settings.sources())
    resources = build_resources(settings, preview_only=preview_only, crawl_settings=crawl_settings)
    loggers = {"console": {"config": {"log_level": log_level}}}
    # Every partitioned asset takes the same scope: the sources' assets too.
    scope = next(iter(config["ops"].values()))
    outcomes = []
    # The configured sources first, in a pass of their own: a source that fails stops nothing
    # (the main pass still runs), and what they stored is classified and delivered below.
    for selection in ([sources] if sources else []) + [[*PARTITIONED_ASSETS, *deliveries]]:
        ops = {name: scope for name in selection if name in sources or name in config["ops"]}
        run_config = {"ops": ops, "loggers": loggers}
        outcomes.append(_materialize(definitions, selection, resources, run_config, tags, log_hint))
    metadata = {name: m for outcome in outcomes for name, m in outcome.metadata.items()}
    failed = [outcome for outcome in outcomes if not outcome.ok]
    if not failed:
        return RunOutcome(True, metadata)
    # The main pass's problem first: it is the one most runs are about.
    first = failed[-1]
    return RunOutcome(
        False, metadata, first.problem, [t for outcome in failed for t in outcome.tracebacks]
    )


def _materialize(
    definitions: dg.Definitions,
    selection: list[str],
    resources: dict[str, Any],
    run_config: dict[str, Any],
    tags: dict[str, str],
    log_hint: str,
) -> RunOutcome:
    with recording_signals() as last_signal:
        result = dg.materialize(
            [*(definitions.assets or []), *(definitions.asset_checks or [])],
            selection=selection,
            resources=resources,
            run_config=run_config,
            tags=tags,
            raise_on_error=False,
        )
        signal_name = last_signal()
    metadata = {name: _metadata(result, name) for name in selection}
    if result.success:
        return RunOutcome(True, metadata)
    events = list(result.all_events)
    problem = problem_from_events(events, log_hint=log_hint, signal_name=signal_name) or Problem(
        "run", "the run failed", f"see {log_hint}"
    )
    return RunOutcome(False, metadata, problem, failure_tracebacks(events))


def summary_lines(metadata: dict[str, dict[str, Any]], wall: float) -> list[str]:
    """The run's summary: articles, crawl, events and digest, one line each."""
    raw = metadata.get("raw_articles", {})
    stored = metadata.get("articles", {})
    events = metadata.get("events", {})
    lines = [
        f"articles: seen {stored.get('seen', 0)}, new {stored.get('new', 0)}, "
        f"updated {stored.get('updated', 0)}, failed {stored.get('failed', 0)} "
        f"({stored.get('stored_total', 0)} stored in all)",
        f"crawl: {raw.get('requests', 0)} requests, window {raw.get('window', '?')}, {wall:.1f} s",
        f"events: {events.get('events_found', 0)} extracted from "
        f"{events.get('articles_processed', 0)} articles {events.get('events_by_kind', {})}",
    ]
    # Drift is no failure, but the one thing an operator must not miss in a successful run.
    for warning in stored.get("drift_warnings") or []:
        lines.append(f"drift: {warning}")
    if stored.get("drift_alert") in ("sent", "logged"):
        lines.append(
            "drift: alert "
            + (
                "sent to Slack"
                if stored["drift_alert"] == "sent"
                else "logged (no SLACK_BOT_TOKEN)"
            )
        )
    deliveries = [m for name, m in metadata.items() if m and m.get("subscription")]
    for delivery in deliveries:
        status = delivery.get("status", "?")
        verb = {
            DeliveryOutcomeStatus.SENT: "sent",
            DeliveryOutcomeStatus.PREVIEW: "previewed (no SLACK_BOT_TOKEN)",
            DeliveryOutcomeStatus.EMPTY: "sent (nothing new)",
            DeliveryOutcomeStatus.NOTHING: "nothing to send",
        }.get(status, status)
        # One subscription (the default): the line reads as it did before subscriptions.
        who = "" if len(deliveries) == 1 else f" {delivery['subscription']}"
        lines.append(
            f"digest{who}: {verb}: {delivery.get('events', 0)} events, "
            f"{delivery.get('articles', 0)} other articles, "
            f"{delivery.get('messages', 0)} message(s)"
        )
        # An unsettled earlier digest, and what became of one: said, never silent.
        lines += [f"digest{who}: {note}" for note in delivery.get("notes", [])]
    return lines


def digest_text(metadata: dict[str, dict[str, Any]]) -> str:
    """The text of the deliveries the run rendered, one subscription after the other."""
    return "\n\n".join(
        str(m.get("text", "")) for m in metadata.values() if m.get("subscription") and m.get("text")
    )


def execute_poll(settings: Settings, *, log_level: str = "CRITICAL") -> dg.ExecuteInProcessResult:
    """One tick of the instant alert job in process: a feed-only incremental crawl over every
    month, then each instant subscription's alerts (what the 15-minute schedule runs)."""
    subscriptions = settings.subscriptions()
    instant = [s for s in subscriptions if s.instant]
    definitions = area_definitions(subscriptions)
    today = cst_day(datetime.now(UTC))
    return dg.materialize(
        [*(definitions.assets or []), *(definitions.asset_checks or [])],
        selection=[*PARTITIONED_ASSETS, *(delivery_asset_name(s) for s in instant)],
        resources=build_resources(settings),
        run_config={
            **scope_config(incremental=True, since=None, until=None, feed_only=True),
            "loggers": {"console": {"config": {"log_level": log_level}}},
        },
        tags=range_tags(date.fromisoformat(FIRST_DAY), today),
        raise_on_error=False,
    )
