"""Readers' corrections (``corrections``): who corrected which delivered item, when, from what
to what. ``cqmonitor serve`` records them from Slack; they are applied to the decisions and
exported as labels.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pipelines.storage.models import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("item_type", sa.String(16), nullable=False),
        sa.Column("item_key", sa.String(2048), nullable=False),
        sa.Column("event_kind", sa.String(32), nullable=True),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("article_ids", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("message_ts", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    op.create_index(op.f("ix_corrections_created_at"), "corrections", ["created_at"])
    op.create_index("ix_corrections_item", "corrections", ["item_type", "item_key"])


def downgrade() -> None:
    op.drop_index("ix_corrections_item", table_name="corrections")
    op.drop_index(op.f("ix_corrections_created_at"), table_name="corrections")
    op.drop_table("corrections")
