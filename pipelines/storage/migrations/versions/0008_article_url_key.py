"""``articles.url_key``: the article's deduplication key, indexed, so a crawl looks stored
articles up by key instead of loading every row into Python; indexes on ``updated_at`` (the
checks after a run read what it wrote) and on the two version columns (the articles awaiting
analysis are found without reading the others).

The key is ``pipelines.core.urls.article_key(url)`` (the canonical path: hosts and schemes
vary); existing rows get theirs here, in chunks, new rows from the model's default. Plain
``ADD COLUMN`` / ``DROP COLUMN`` (no batch copy of ``articles``), so the report views of 0005
stay in place on SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pipelines.core.urls import article_key

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5_000
INDEXED = ("updated_at", "taxonomy_version", "events_version")


def upgrade() -> None:
    op.add_column("articles", sa.Column("url_key", sa.String(2048), nullable=True))
    articles = sa.table(
        "articles", sa.column("id", sa.Integer), sa.column("url", sa.String),
        sa.column("url_key", sa.String),
    )  # fmt: skip
    bind = op.get_bind()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(articles.c.id, articles.c.url)
            .where(articles.c.id > last)
            .order_by(articles.c.id)
            .limit(CHUNK)
        ).all()
        if not rows:
            break
        bind.execute(
            sa.update(articles)
            .where(articles.c.id == sa.bindparam("row_id"))
            .values(url_key=sa.bindparam("key")),
            [{"row_id": row_id, "key": article_key(url)} for row_id, url in rows],
        )
        last = rows[-1][0]
    op.create_index("ix_articles_url_key", "articles", ["url_key"])
    for column in INDEXED:
        op.create_index(f"ix_articles_{column}", "articles", [column])


def downgrade() -> None:
    for column in INDEXED:
        op.drop_index(f"ix_articles_{column}", table_name="articles")
    op.drop_index("ix_articles_url_key", table_name="articles")
    op.drop_column("articles", "url_key")
