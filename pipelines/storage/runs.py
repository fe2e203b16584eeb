"""A record of each ``cqmonitor run`` in ``pipeline_runs``: when, who, how it ended.

``cqmonitor status`` reads it: an operator sees last night's exit code and its one-line reason
without hunting for the cron mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.core.owner import Owner
from pipelines.core.statuses import RunStatus
from pipelines.storage.models import PipelineRun


def start_run(session: Session, *, command: str, me: Owner, now: datetime) -> int:
    run = PipelineRun(
        command=command, started_at=now, status=RunStatus.RUNNING, host=me.host, pid=me.pid
    )
    session.add(run)
    session.flush()
    return run.id


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: RunStatus,
    exit_code: int,
    message: str | None,
    now: datetime,
) -> None:
    run = session.get(PipelineRun, run_id)
    if run is not None:
        run.status = status
        run.exit_code = exit_code
        run.message = message
        run.finished_at = now


def latest_runs(session: Session, limit: int = 5) -> list[PipelineRun]:
    return list(session.scalars(select(PipelineRun).order_by(PipelineRun.id.desc()).limit(limit)))
