"""Alembic environment: runs migrations against the URL set by ``pipelines.storage.db``.

The whole upgrade is one transaction on both databases, so a kill or a full disk at any point
leaves the old schema or the new one, never a mix. SQLite's DDL is transactional, but Python's
sqlite3 module (its legacy transaction handling) opens a transaction only before INSERT, UPDATE
and DELETE: CREATE, ALTER and DROP would each commit on their own. The migration engine turns
that off and opens the transaction itself (``BEGIN IMMEDIATE``: the write lock from the start), and
Alembic is told that the DDL is transactional (it would commit after each revision).
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection, Engine, engine_from_config, event, pool

from pipelines.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _transactional_sqlite(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, begin the transaction, so that DDL is inside it."""

    @event.listens_for(engine, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    if connectable.dialect.name == "sqlite":
        _transactional_sqlite(connectable)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things: batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            # Alembic takes SQLite's DDL as non-transactional and would commit after each
            # revision; with the driver fixed above, one transaction holds the whole upgrade.
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
