"""A crawl lock that cannot go stale: owner and heartbeat of the running crawl, one at a time;
the owner of each digest; and a record of each ``cqmonitor run``.

Rows left ``running`` by earlier versions (which had no heartbeat) are marked ``abandoned``,
all but the newest, so that the unique partial index on the running crawl can be built; the
newest is judged by the new rules (no heartbeat: taken over).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pipelines.storage.models import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("dagster_run_id", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE crawl_runs SET status = 'abandoned', "
        "message = 'left running by a version without a heartbeat' "
        "WHERE status = 'running' "
        "AND id < (SELECT MAX(id) FROM crawl_runs WHERE status = 'running')"
    )
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.create_index(
            "uq_crawl_runs_running",
            ["status"],
            unique=True,
            sqlite_where=RUNNING,
            postgresql_where=RUNNING,
        )
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
    )


def downgrade() -> None:
    op.drop_table("pipeline_runs")
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_column("pid")
        batch_op.drop_column("host")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_index("uq_crawl_runs_running")
        batch_op.drop_column("dagster_run_id")
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("pid")
        batch_op.drop_column("host")
