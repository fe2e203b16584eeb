"""One pass of the asset graph in process: what ``cqmonitor run`` and ``demo`` execute.

``dg.materialize`` runs the same asset definitions the UI shows, with resources built from the
one settings object. A window runs its months as one partition range narrowed to its days (a
backfill); no window runs incrementally over every month.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.core.instants import cst_day
from pipelines.core.problems import Problem
from pipelines.core.statuses import DeliveryOutcomeStatus
from pipelines.interrupts import recording_signals
from pipelines.settings import Settings, dagster_home
from pipelines.window import WindowError, parse_day

from ..areas import area_definitions
from ..crawl.sources import source_asset_names
from ..deliver import delivery_asset_name
from ..errors import failure_tracebacks, problem_from_events
from ..partitions import PARTITIONED_ASSETS, first_partition_day, range_tags, scope_config
from ..resources import build_resources
from .options import preflight


def _metadata(result: dg.ExecuteInProcessResult, asset: str) -> dict[str, Any]:
    try:
        events = result.asset_materializations_for_node(asset)
    except Exception:  # noqa: BLE001 - an asset that did not run has no materialization
        events = []
    if events:
        found = events[-1].metadata
    else:
        # A step that stored rows and then failed (a crawl judged bad) carries its counts in
        # its failure: the summary says what was stored, not "0 stored in all".
        found = next(
            (
                e.step_failure_data.user_failure_data.metadata
                for e in result.all_events
                if e.is_step_failure
                and e.step_key == asset
                and e.step_failure_data.user_failure_data is not None
            ),
            {},
        )
    return {key: getattr(value, "value", value) for key, value in found.items()}


TRIGGER_TAG = "cqmonitor/trigger"
# The dagster.yaml written in a new home (deploy/dagster.yaml is the production one).
INSTANCE_YAML = """\
# Written by cqmonitor for a new DAGSTER_HOME: runs and events in SQLite files here.
# Production: replace with deploy/dagster.yaml (PostgreSQL storage, run queue, retention).
telemetry:
  enabled: false
# Every step's own log (the crawl's lines included) is in the run's event log; capturing
# stdout/stderr as well would start two `tail` processes per step and hide the terminal.
compute_logs:
  module: dagster._core.storage.noop_compute_log_manager
  class: NoOpComputeLogManager
"""


@contextmanager
def instance_of(settings: Settings) -> Iterator[dg.DagsterInstance]:
    """The Dagster instance at ``settings.dagster_home`` (its ``dagster.yaml`` if any), the one
    ``make dev`` and the UI read: every CLI run, its materializations, partitions and check
    results are recorded there, not in a throwaway instance."""
    home = Path(dagster_home(settings)).resolve()
    home.mkdir(parents=True, exist_ok=True)
    # Two runs started together on a new home would both write its dagster.yaml and create its
    # storages' tables (one failing on "table ... already exists"): one process at a time
    # prepares the home; the runs themselves then go on side by side.
    with (home / ".cqmonitor-instance.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            config = home / "dagster.yaml"
            if not config.exists():
                # A new home: local storage (Dagster's default), no telemetry notice on stdout.
                part = home / "dagster.yaml.part"
                part.write_text(INSTANCE_YAML, encoding="utf-8")
                part.replace(config)
            instance = dg.DagsterInstance.from_config(str(home))
            # The storages create their tables on first use: that use is here, under the lock.
            instance.get_runs(limit=1)
            instance.fetch_materializations(dg.AssetKey("articles"), limit=1)
            instance.schedule_storage  # noqa: B018 - its tables are made when it is built
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    with instance:
        yield instance


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
    first_day = first_partition_day()
    first = parse_day(since, "--since")
    last = parse_day(until, "--until")
    preflight(settings)
    if first is not None and first < first_day:
        raise WindowError(
            f"--since {first} is before the first partition, {first_day}: set "
            f"CQMONITOR_FIRST_MONTH to an earlier month to backfill it"
        )
    if first is not None and first > today:
        raise WindowError(f"--since {first} is in the future (today is {today} in Chongqing)")
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
    with instance_of(settings) as instance:
        # The configured sources first, in a pass of their own: a source that fails stops
        # nothing (the main pass still runs), and what they stored is classified and delivered.
        for selection in ([sources] if sources else []) + [[*PARTITIONED_ASSETS, *deliveries]]:
            ops = {name: scope for name in selection if name in sources or name in config["ops"]}
            run_config = {"ops": ops, "loggers": loggers}
            outcomes.append(
                _materialize(
                    definitions,
                    selection,
                    _Pass(instance, resources, run_config, {**tags, TRIGGER_TAG: "cli"}),
                    log_hint,
                )
            )
    metadata = {name: m for outcome in outcomes for name, m in outcome.metadata.items()}
    failed = [outcome for outcome in outcomes if not outcome.ok]
    if not failed:
        # The subscriptions' calendars follow the stored events (a web server may serve them).
        from .calendar import write_run_calendars

        try:
            write_run_calendars(settings)
        except OSError as exc:
            # The run's work is stored and delivered: a calendar the disk refused is retried by
            # the next run, and said in the log, not a failed run.
            logging.getLogger(__name__).warning("calendars not written: %s", exc)
        return RunOutcome(True, metadata)
    # The main pass's problem first: it is the one most runs are about.
    first = failed[-1]
    return RunOutcome(
        False, metadata, first.problem, [t for outcome in failed for t in outcome.tracebacks]
    )


@dataclass(frozen=True)
class _Pass:
    """What one materialization of a run shares with the others."""

    instance: dg.DagsterInstance
    resources: dict[str, Any]
    run_config: dict[str, Any]
    tags: dict[str, str]


def _materialize(
    definitions: dg.Definitions, selection: list[str], run: _Pass, log_hint: str
) -> RunOutcome:
    with recording_signals() as last_signal:
        result = dg.materialize(
            [*(definitions.assets or []), *(definitions.asset_checks or [])],
            selection=selection,
            instance=run.instance,
            resources=run.resources,
            run_config=run.run_config,
            tags=run.tags,
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
    # A handful of bad pages, a damaged crawl output, quarantined items: named, not failed.
    for note in stored.get("warnings") or []:
        lines.append(f"warning: {note}")
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
    with instance_of(settings) as instance:
        return dg.materialize(
            [*(definitions.assets or []), *(definitions.asset_checks or [])],
            selection=[*PARTITIONED_ASSETS, *(delivery_asset_name(s) for s in instant)],
            instance=instance,
            resources=build_resources(settings),
            run_config={
                **scope_config(incremental=True, since=None, until=None, feed_only=True),
                "loggers": {"console": {"config": {"log_level": log_level}}},
            },
            tags={**range_tags(first_partition_day(), today), TRIGGER_TAG: "cli"},
            raise_on_error=False,
        )
