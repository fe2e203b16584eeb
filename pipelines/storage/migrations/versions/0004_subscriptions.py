"""Delivery per subscription: each digest and each claim belongs to one subscription.

An item is claimed once per subscription (unique on subscription, item_type, item_key), so two
teams both get it and neither gets it twice. Rows written before subscriptions belong to
``default``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subscription", sa.String(64), nullable=False, server_default="default")
        )
        batch_op.create_index(batch_op.f("ix_digests_subscription"), ["subscription"])
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subscription", sa.String(64), nullable=False, server_default="default")
        )
        batch_op.drop_constraint("uq_deliveries_item_type_item_key", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_deliveries_subscription_item_type_item_key"),
            ["subscription", "item_type", "item_key"],
        )


def downgrade() -> None:
    # Going back to one ledger keeps one claim per item: the default subscription's, else any.
    deliveries = sa.table(
        "deliveries",
        sa.column("id", sa.Integer),
        sa.column("subscription", sa.String),
        sa.column("item_type", sa.String),
        sa.column("item_key", sa.String),
    )
    keep = (
        sa.select(sa.func.min(deliveries.c.id))
        .group_by(deliveries.c.item_type, deliveries.c.item_key)
        .scalar_subquery()
    )
    op.execute(sa.delete(deliveries).where(deliveries.c.id.not_in(keep)))
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_deliveries_subscription_item_type_item_key", type_="unique")
        batch_op.create_unique_constraint(
            "uq_deliveries_item_type_item_key", ["item_type", "item_key"]
        )
        batch_op.drop_column("subscription")
    with op.batch_alter_table("digests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digests_subscription"))
        batch_op.drop_column("subscription")
