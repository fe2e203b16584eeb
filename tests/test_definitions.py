"""The Dagster definitions load, validate with the Dagster CLI and wire what operators expect."""

from __future__ import annotations

import subprocess
from pathlib import Path

import dagster as dg

from dagster_project.definitions import defs

ROOT = Path(__file__).resolve().parents[1]
ASSETS = {"raw_articles", "articles", "article_topics", "events", "digest_default"}


def test_assets_form_the_graph_from_crawl_to_digest() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert keys >= ASSETS
    assert {p.to_user_string() for p in graph.get(dg.AssetKey("articles")).parent_keys} == {
        "raw_articles"
    }
    digest_parents = {
        p.to_user_string() for p in graph.get(dg.AssetKey("digest_default")).parent_keys
    }
    assert digest_parents == {"article_topics", "events"}
    for spec in defs.resolve_all_asset_specs():
        assert spec.description, f"{spec.key} has no docstring"
        assert "\n" not in spec.description.strip()


def test_daily_schedule_at_eight_in_chongqing() -> None:
    schedule = defs.resolve_schedule_def("daily_digest_schedule")
    assert schedule.cron_schedule == "0 8 * * *"
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == "daily_pipeline"


def test_resources_are_the_projects_own() -> None:
    resources = defs.resources or {}
    assert set(resources) >= {"database", "source_site", "slack", "taxonomy"}


def test_dagster_cli_validates_the_workspace(tmp_path: Path) -> None:
    dagster = Path(__import__("sys").executable).with_name("dagster")
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Validation successful for code location cqmonitor" in result.stderr + result.stdout
