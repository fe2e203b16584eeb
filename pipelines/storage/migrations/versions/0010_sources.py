"""More than one source: ``articles.source``, ``crawl_runs.source``, one crawl per source at a
time, and the report views showing sources.

Existing rows were all crawled from iChongqing: they get ``'ichongqing'``, and so do the
editions' ``sources`` (0006 filled them with the reports' host names). The crawl lock (the
partial unique index on the running crawl) becomes one per source, so two sites are crawled at
once while one site is never crawled twice at once.

``report_articles`` gains ``source`` (0005's frozen SQL wrapped, read from that revision rather
than copied); ``report_events`` (0006) already lists each edition's sources.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("status = 'running'")
DEFAULT = "ichongqing"


def _revision(file: str) -> ModuleType:
    # Module names of revisions start with a digit: loaded by path, not imported.
    path = Path(__file__).with_name(file)
    spec = importlib.util.spec_from_file_location(f"cqmonitor_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _report_views() -> ModuleType:
    return _revision("0005_report_views.py")


def _sql(module: ModuleType) -> type:
    dialect = op.get_context().dialect.name
    return module._PostgreSQL if dialect == "postgresql" else module._SQLite


def _new_views(module: ModuleType) -> dict[str, str]:
    old = module._views(_sql(module))
    return {
        "report_articles": (
            "SELECT r.*, a.source AS source "
            f"FROM ({old['report_articles']}) r JOIN articles a ON a.id = r.id"
        ),
    }


def upgrade() -> None:
    module = _report_views()
    op.execute("DROP VIEW IF EXISTS report_articles")
    op.add_column(
        "articles",
        sa.Column("source", sa.String(length=64), server_default=DEFAULT, nullable=False),
    )
    op.create_index(op.f("ix_articles_source"), "articles", ["source"], unique=False)
    op.add_column(
        "crawl_runs",
        sa.Column("source", sa.String(length=64), server_default=DEFAULT, nullable=False),
    )
    op.drop_index("uq_crawl_runs_running", table_name="crawl_runs")
    op.create_index(
        "uq_crawl_runs_running",
        "crawl_runs",
        ["source", "status"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    for name, body in _new_views(module).items():
        op.execute(f"CREATE VIEW {name} AS {body}")
    # Every stored report so far came from iChongqing (JSON list; PostgreSQL's column is json).
    listed = f"'[\"{DEFAULT}\"]'" + (
        "::json" if op.get_context().dialect.name == "postgresql" else ""
    )
    op.execute(f"UPDATE event_editions SET sources = {listed}")


def downgrade() -> None:
    module = _report_views()
    # SQLite checks the views when a batch copy of ``articles`` is renamed into place.
    for name in module.VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    # One running crawl left per the old rule: the newest.
    op.execute(
        "UPDATE crawl_runs SET status = 'abandoned', "
        "message = 'left running by several sources at a downgrade' "
        "WHERE status = 'running' "
        "AND id < (SELECT MAX(id) FROM crawl_runs WHERE status = 'running')"
    )
    op.drop_index("uq_crawl_runs_running", table_name="crawl_runs")
    with op.batch_alter_table("crawl_runs", schema=None) as batch_op:
        batch_op.drop_column("source")
    op.create_index(
        "uq_crawl_runs_running",
        "crawl_runs",
        ["status"],
        unique=True,
        sqlite_where=RUNNING,
        postgresql_where=RUNNING,
    )
    op.drop_index(op.f("ix_articles_source"), table_name="articles")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("source")
    sql = _sql(module)
    for name, body in module._views(sql).items():
        if name == "report_events":
            # report_events as 0006 left it (one row per edition).
            v6 = _revision("0006_event_editions.py")
            postgres = op.get_context().dialect.name == "postgresql"
            body = v6.report_events_sql(v6._PostgreSQL if postgres else v6._SQLite)
        op.execute(f"CREATE VIEW {name} AS {body}")
