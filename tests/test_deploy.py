"""The production dagster.yaml example: a Dagster instance on PostgreSQL, for real."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.postgres
def test_example_instance_runs_on_postgresql(tmp_path: Path) -> None:
    base = os.environ.get("CQMONITOR_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("CQMONITOR_TEST_POSTGRES_URL is not set: PostgreSQL tests skipped")
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        home = tmp_path / "dagster_home"
        home.mkdir()
        (home / "dagster.yaml").write_text((ROOT / "deploy" / "dagster.yaml").read_text())
        url = make_url(base).set(drivername="postgresql+psycopg2", database=name)
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "DAGSTER_PG_URL": url.render_as_string(hide_password=False),
        }
        dagster = str(Path(sys.executable).with_name("dagster"))
        info = subprocess.run(
            [dagster, "instance", "info"], env=env, capture_output=True, text=True, timeout=300
        )
        assert info.returncode == 0, info.stderr[-2000:]
        for storage in ("PostgresRunStorage", "PostgresEventLogStorage", "PostgresScheduleStorage"):
            assert storage in info.stdout
        with create_engine(url).connect() as conn:
            tables = set(
                conn.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables"
                        " WHERE table_schema = 'public'"
                    )
                ).scalars()
            )
        assert {"runs", "event_logs", "jobs"} <= tables
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
