"""More than one source: ``articles.source``, ``crawl_runs.source``, one crawl per source at a
time, and the report views showing sources.

Existing rows were all crawled from iChongqing: they get ``'ichongqing'``. The crawl lock
(the partial unique index on the running crawl) becomes one per source, so two sites are crawled
at once while one site is never crawled twice at once.

``report_articles`` gains ``source``, ``report_events`` gains ``sources`` (the distinct sources
of its reports, sorted, joined by ", "); both keep 0005's columns first and in order. Their SQL
is 0005's frozen SQL wrapped, so it is read from that revision rather than copied.

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-07
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RUNNING = sa.text("status = 'running'")
DEFAULT = "ichongqing"
CHANGED_VIEWS = ("report_events", "report_articles")


def _report_views() -> ModuleType:
    # Module names of revisions start with a digit: loaded by path, not imported.
    path = Path(__file__).with_name("0005_report_views.py")
    spec = importlib.util.spec_from_file_location("cqmonitor_migration_0005", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sql(module: ModuleType) -> type:
    dialect = op.get_context().dialect.name
    return module._PostgreSQL if dialect == "postgresql" else module._SQLite


def _new_views(module: ModuleType) -> dict[str, str]:
    sql = _sql(module)
    old = module._views(sql)
    sources = sql.joined(
        "a.source AS v FROM events e JOIN articles a ON a.id = e.article_id "
        "WHERE e.kind = r.kind AND e.event_key = r.event_key"
    )
    return {
        "report_events": (
            f"SELECT r.*, COALESCE({sources}, '') AS sources FROM ({old['report_events']}) r"
        ),
        "report_articles": (
            "SELECT r.*, a.source AS source "
            f"FROM ({old['report_articles']}) r JOIN articles a ON a.id = r.id"
        ),
    }


def _drop_views() -> None:
    for name in CHANGED_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")


def upgrade() -> None:
    module = _report_views()
    _drop_views()
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
        op.execute(f"CREATE VIEW {name} AS {body}")
