"""``cqmonitor run`` and ``cqmonitor demo``: one pass of the graph, recorded in ``pipeline_runs``
and in the Dagster instance (``DAGSTER_HOME``, so that the UI shows it).

A run is checked first (settings, window, writable directories, the database: exit 2 before
anything is written), then recorded, executed and ended with its status, exit code and
one-line reason, so that ``cqmonitor status`` can say how the last runs went.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from pipelines.settings import Settings

    from .execute import RunOutcome


def add_parser(sub: argparse._SubParsersAction) -> None:
    from .options import db_options

    run = sub.add_parser("run", help="one pass: crawl, store, classify, extract, digest")
    run.add_argument("--source-url", help="env CQMONITOR_SOURCE_URL")
    db_options(run)
    run.add_argument(
        "--delay", type=float, help="seconds between requests; env CQMONITOR_DOWNLOAD_DELAY"
    )
    run.add_argument("--since", help="backfill from this CST date (YYYY-MM-DD)")
    run.add_argument("--until", help="backfill up to this CST date, included")
    run.add_argument("--no-digest", action="store_true", help="store only, send no digest")
    run.add_argument("-v", "--verbose", action="store_true", help="show Dagster's log")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="run on the bundled offline copy and preview the digest")
    demo.add_argument("--data-dir", help="where the demo database goes (default .cqmonitor)")
    demo.set_defaults(func=cmd_demo)


@contextmanager
def recorded(settings: Settings, command: str) -> Iterator[None]:
    """Record the run in ``pipeline_runs``; its end says how it went (re-raised as a Problem)."""
    from datetime import UTC, datetime

    from pipelines.core.owner import Owner
    from pipelines.core.problems import ExitCode
    from pipelines.core.statuses import RunStatus
    from pipelines.storage.db import make_engine, session_factory, session_scope
    from pipelines.storage.runs import start_run

    from ..errors import problem_from_exception
    from .surface import log_hint

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
    factory: sessionmaker[Session], run_id: int, status: str, code: int, line: str | None
) -> None:
    from datetime import UTC, datetime

    from pipelines.core.statuses import RunStatus
    from pipelines.storage.db import session_scope
    from pipelines.storage.runs import finish_run

    try:
        with session_scope(factory) as session:
            finish_run(
                session, run_id, status=RunStatus(status), exit_code=code, message=line,
                now=datetime.now(UTC),
            )  # fmt: skip
    except Exception:  # noqa: BLE001 - the database may be what failed; the line still prints
        pass


def _report(outcome: RunOutcome, wall: float) -> None:
    from .execute import summary_lines
    from .surface import fail

    for line in summary_lines(outcome.metadata, wall):
        print(line)
    if not outcome.ok and outcome.problem is not None:
        raise fail(outcome.problem, outcome.tracebacks)


def cmd_run(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime
    from pathlib import Path

    from pipelines.core.statuses import DeliveryOutcomeStatus
    from pipelines.settings import dagster_home

    from .execute import execute, preflight
    from .options import check_window, settings_from_args
    from .surface import arm_log, log_hint

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
    print(f"(Dagster: the run is in the instance at {dagster_home(settings)}; `make dev` shows it)")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import shutil
    from dataclasses import replace
    from datetime import UTC, datetime
    from pathlib import Path

    from crawlers.sitecopy import load_bundled_articles
    from pipelines.settings import BUNDLED, Settings, dagster_home

    from .execute import digest_text, execute, preflight
    from .surface import arm_log, log_hint

    # The demo ignores the environment's settings (no live site, no Slack), except where the
    # data goes: the one data dir (CQMONITOR_DATA_DIR or --data-dir) and the Dagster instance.
    base = Settings.from_env(data_dir=args.data_dir)
    data_dir = Path(base.data_dir)
    database = data_dir / "demo.db"
    # A demo starts from nothing, so that its preview shows the whole bundled copy.
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(data_dir / "crawls", ignore_errors=True)

    # The bundled copy's own span: a partition range no longer than the data.
    days = sorted(datetime.fromisoformat(a["published"]).date() for a in load_bundled_articles())
    database_url = f"sqlite:///{database.resolve()}"
    settings = replace(
        Settings.from_env(env={}, data_dir=str(data_dir), dagster_home=base.dagster_home),
        source_url=BUNDLED,
        database_url=database_url,
        delay=0.0,
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
    print(f"(Dagster: the run is in {dagster_home(settings)}; `make dev` opens the UI on it)")
    # The one line that points every other command at what the demo wrote.
    print("\nNext: point the other commands at the demo's database, then look at it:")
    print(f"  export CQMONITOR_DATABASE_URL={shlex.quote(database_url)}")
    print("  cqmonitor status")
    return 0
