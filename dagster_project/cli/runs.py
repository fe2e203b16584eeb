"""``cqmonitor run`` and ``cqmonitor demo``: one pass of the graph, recorded in ``pipeline_runs``.

A run is checked first (settings, window, writable directories, the database: exit 2 before
anything is written), then recorded, executed and ended with its status, exit code and
one-line reason, so that ``cqmonitor status`` can say how the last runs went.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.owner import Owner
from pipelines.core.problems import ExitCode
from pipelines.core.statuses import DeliveryOutcomeStatus, RunStatus
from pipelines.settings import BUNDLED, Settings
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.runs import finish_run, start_run

from ..errors import problem_from_exception
from .execute import RunOutcome, digest_text, execute, preflight, summary_lines
from .options import check_window, settings_from_args
from .surface import arm_log, fail, log_hint


@contextmanager
def recorded(settings: Settings, command: str) -> Iterator[None]:
    """Record the run in ``pipeline_runs``; its end says how it went (re-raised as a Problem)."""
    engine = make_engine(settings.database_url)
    factory = session_factory(engine)
    with session_scope(factory) as session:
        run_id = start_run(session, command=command, me=Owner.current(), now=datetime.now(UTC))
    try:
        yield
    except BaseException as exc:
        problem = problem_from_exception(exc, what=command, log_hint=log_hint())
        status = RunStatus.INTERRUPTED if problem.interrupted else RunStatus.FAILED
        _finish(factory, run_id, status, int(problem.exit_code), problem.line)
        raise problem from exc
    else:
        _finish(factory, run_id, RunStatus.SUCCESS, int(ExitCode.SUCCESS), None)
    finally:
        engine.dispose()


def _finish(
    factory: sessionmaker[Session], run_id: int, status: RunStatus, code: int, line: str | None
) -> None:
    try:
        with session_scope(factory) as session:
            finish_run(
                session, run_id, status=status, exit_code=code, message=line,
                now=datetime.now(UTC),
            )  # fmt: skip
    except Exception:  # noqa: BLE001 - the database may be what failed; the line still prints
        pass


def _report(outcome: RunOutcome, wall: float) -> None:
    for line in summary_lines(outcome.metadata, wall):
        print(line)
    if not outcome.ok and outcome.problem is not None:
        raise fail(outcome.problem, outcome.tracebacks)


def cmd_run(args: argparse.Namespace) -> int:
    check_window(args.since, args.until)
    settings = settings_from_args(args)
    preflight(settings)
    arm_log()
    with recorded(settings, "run"):
        started = datetime.now(UTC)
        outcome = execute(
            settings,
            since=args.since,
            until=args.until,
            digest=not args.no_digest,
            log_level="INFO" if args.verbose else "CRITICAL",
            log_hint=log_hint(),
        )
        wall = (datetime.now(UTC) - started).total_seconds()
        _report(outcome, wall)
        previews = [
            m for m in outcome.metadata.values() if m.get("status") == DeliveryOutcomeStatus.PREVIEW
        ]
        for preview in previews:
            if preview.get("text"):
                print()
                print(preview["text"])
        if previews:
            print(f"\n(Block Kit JSON: {Path(settings.data_dir)}/digest-preview*.json)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir)
    database = data_dir / "demo.db"
    # A demo starts from nothing, so that its preview shows the whole bundled copy.
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(data_dir / "crawls", ignore_errors=True)
    from crawlers.sitecopy import load_bundled_articles

    # The bundled copy's own span: a partition range no longer than the data.
    days = sorted(datetime.fromisoformat(a["published"]).date() for a in load_bundled_articles())
    settings = replace(
        Settings.from_env(env={}),
        source_url=BUNDLED,
        database_url=f"sqlite:///{database.resolve()}",
        delay=0.0,
        data_dir=str(data_dir),
    ).validate()
    preflight(settings)
    arm_log()
    print(f"cqmonitor demo: crawling the bundled copy of iChongqing into {database}")
    with recorded(settings, "demo"):
        started = datetime.now(UTC)
        outcome = execute(
            settings,
            since=days[0].isoformat(),
            until=days[-1].isoformat(),
            preview_only=True,
            log_hint=log_hint(),
        )
        _report(outcome, (datetime.now(UTC) - started).total_seconds())
    print("\n--- digest preview (nothing is posted in the demo) ---\n")
    print(digest_text(outcome.metadata))
    print(f"\n(Block Kit JSON: {data_dir / 'digest-preview.json'})")
    return 0
