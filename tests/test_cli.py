"""The ``cqmonitor`` command: bad settings stop a run before it writes anything, in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project.cli import main
from pipelines.settings import SettingError, Settings


def run_cli(
    args: list[str], env: dict[str, str] | None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "env", "setting"),
    [
        (["--source-url", "ftp://www.ichongqing.info"], {}, "CQMONITOR_SOURCE_URL"),
        (["--source-url", "www.ichongqing.info"], {}, "CQMONITOR_SOURCE_URL"),
        (["--database-url", "not-a-url"], {}, "CQMONITOR_DATABASE_URL"),
        (["--database-url", "mysql://u@127.0.0.1/db"], {}, "CQMONITOR_DATABASE_URL"),
        ([], {"SLACK_BOT_TOKEN": "xoxb-1"}, "CQMONITOR_SLACK_CHANNEL"),
        ([], {"CQMONITOR_DOWNLOAD_DELAY": "fast"}, "CQMONITOR_DOWNLOAD_DELAY"),
        ([], {"CQMONITOR_SLACK_SEND_EMPTY": "maybe"}, "CQMONITOR_SLACK_SEND_EMPTY"),
        ([], {"CQMONITOR_RETRY_BACKOFF": "-1"}, "CQMONITOR_RETRY_BACKOFF"),
        ([], {"SLACK_API_URL": "file:///etc/passwd", "SLACK_BOT_TOKEN": "x",
              "CQMONITOR_SLACK_CHANNEL": "C1"}, "SLACK_API_URL"),
    ],
)  # fmt: skip
def test_bad_setting_stops_the_run_with_one_line_and_writes_nothing(
    args: list[str], env: dict[str, str], setting: str, tmp_path: Path
) -> None:
    result = run_cli(["run", "--since", "2025-01-01", *args], env, tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert setting in lines[0]
    assert not (tmp_path / ".cqmonitor").exists()


@pytest.mark.parametrize("window", [[], ["--since", "2025-01-01"]], ids=["new", "backfill"])
def test_unreachable_database_fails_naming_the_setting(window: list[str], tmp_path: Path) -> None:
    # Port 1 on loopback: nothing listens there. With or without a window: the same exit 2.
    result = run_cli(
        ["run", "--database-url", "postgresql+psycopg://postgres@127.0.0.1:1/test",
         "--source-url", "http://127.0.0.1:1", "--delay", "0", *window],
        {}, tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("cqmonitor: settings: CQMONITOR_DATABASE_URL: cannot use the database")
    assert "Traceback" not in result.stdout + result.stderr


def test_a_broken_taxonomy_stops_the_run_before_the_crawl(tmp_path: Path) -> None:
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text("topics: [this is not a taxonomy\n", encoding="utf-8")
    result = run_cli(
        ["run", "--source-url", "http://127.0.0.1:1", "--since", "2025-01-01"],
        {"CQMONITOR_TAXONOMY": str(taxonomy)}, tmp_path,
    )  # fmt: skip
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("cqmonitor: settings: CQMONITOR_TAXONOMY: ")
    assert not (tmp_path / ".cqmonitor").exists()


@pytest.mark.parametrize(
    "window", [["--since", "2025-02-30"], ["--until", "2025-01-01"], ["--since", "2025-02-02",
                                                                       "--until", "2025-02-01"]]
)  # fmt: skip
def test_bad_window_is_refused(window: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", *window]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_flags_win_over_environment() -> None:
    env = {"CQMONITOR_SOURCE_URL": "http://127.0.0.1:9", "CQMONITOR_DOWNLOAD_DELAY": "3"}
    settings = Settings.from_env(env, source_url="http://127.0.0.1:8", delay=None)
    assert settings.source_url == "http://127.0.0.1:8"
    assert settings.delay == 3.0
    assert settings.database_url.endswith(".cqmonitor/cqmonitor.db")


def test_defaults_are_polite_and_the_live_site() -> None:
    settings = Settings.from_env({}).validate()
    assert settings.source_url == "https://www.ichongqing.info"
    assert settings.delay >= 1
    with pytest.raises(SettingError, match="CQMONITOR_DOWNLOAD_DELAY"):
        Settings.from_env({}, delay=-1.0).validate()


def test_a_site_that_refuses_connections_exits_3_naming_the_cause(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    result = run_cli(
        ["run", "--database-url", f"sqlite:///{db}", "--source-url", "http://127.0.0.1:1",
         "--delay", "0", "--since", "2025-01-01"],
        {"CQMONITOR_RETRY_BACKOFF": "0.01"}, tmp_path,
    )  # fmt: skip
    assert result.returncode == 3, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("cqmonitor: crawl of http://127.0.0.1:1: cannot reach the site")
    assert "connection refused" in line and "markup" not in line
    status = run_cli(["status", "--database-url", f"sqlite:///{db}"], {}, tmp_path)
    assert status.returncode == 0, status.stderr
    assert "unreachable" in status.stdout and "exit 3" in status.stdout
    assert "crawl lock: free" in status.stdout
