"""The schema is written once in the models and once in the migrations: Alembic compares them.

After ``upgrade head`` the database must hold exactly what ``pipelines.storage.models`` declares
(tables, columns and their types, nullability, indexes, unique constraints, foreign keys), on
SQLite and on PostgreSQL; a model changed without a migration (or the other way round) fails
here with Alembic's list of differences.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from pipelines.storage.db import make_engine, migrate
from pipelines.storage.models import Base


def _diff(url: str) -> list[Any]:
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn,
                opts={
                    "compare_type": True,
                    "compare_server_default": False,
                    # The report views are created by migrations and are no models' tables.
                    "include_object": lambda obj, name, kind, reflected, other: (
                        not (
                            kind == "table"
                            and reflected
                            and other is None
                            and name == "alembic_version"
                        )
                    ),
                    "include_name": lambda name, kind, parent: (
                        not (kind == "table" and name is not None and name.startswith("report_"))
                    ),
                },
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_models_and_migrations_describe_the_same_schema(database_url: str) -> None:
    differences = _diff(database_url)
    assert differences == [], "\n".join(str(d) for d in differences)
