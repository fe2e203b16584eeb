"""What the operator sees is what happened: the ``cqmonitor`` command as a new user meets it.

Each test runs the real command in a child process (its own working directory, a clean
environment) against the bundled copy of the site on loopback, and reads what it left: the
Dagster instance in ``DAGSTER_HOME``, the database, the files.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

ROOT = Path(__file__).resolve().parents[1]
# One month of the bundled copy (13 articles; most of its days have no archive page: 404).
MONTH = ("2025-03-01", "2025-03-31")
ASSETS = ("raw_articles", "articles", "article_topics", "events")


def cli(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_cli_run_is_in_the_dagster_instance_the_ui_reads(tmp_path: Path) -> None:
    home = tmp_path / "dagster-home"
    db = tmp_path / "month.db"
    result = cli(
        ["run", "--source-url", "bundled", "--delay", "0", "--database-url", f"sqlite:///{db}",
         "--since", MONTH[0], "--until", MONTH[1]],
        tmp_path, {"DAGSTER_HOME": str(home)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # Empty days are no failures: the month's 404 archives are not counted, nor retried.
    assert re.search(r"articles: seen 13, new 13, updated 0, failed 0\b", result.stdout)
    assert str(home) in result.stdout

    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs()
        assert len(runs) == 1 and runs[0].is_success
        run = runs[0]
        assert run.tags["cqmonitor/trigger"] == "cli"
        for asset in (*ASSETS, "digest_default"):
            event = instance.get_latest_materialization_event(dg.AssetKey(asset))
            assert event is not None and event.run_id == run.run_id, asset
        # The month's partition is materialized, as the UI's partition bar shows it.
        for asset in ASSETS:
            assert "2025-03-01" in instance.get_materialized_partitions(dg.AssetKey(asset))
        checks = [
            record
            for record in instance.get_records_for_run(
                run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
            ).records
        ]
        evaluations = {
            r.event_log_entry.dagster_event.event_specific_data.asset_check_key.name: (
                r.event_log_entry.dagster_event.event_specific_data.passed
            )
            for r in checks
        }
        assert len(evaluations) >= 4, evaluations
        assert all(evaluations.values()), evaluations
        # The crawl's progress is in the run's log (and in cqmonitor.log below).
        messages = [entry.user_message for entry in instance.all_logs(run.run_id)]
        assert any("cqmonitor progress:" in m and "13 articles read (done)" in m for m in messages)
    log = (tmp_path / ".cqmonitor" / "cqmonitor.log").read_text(encoding="utf-8")
    assert "cqmonitor progress:" in log
    crawl_failures = subprocess.run(
        [sys.executable, "-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("
         "'select count(*) from crawl_failures').fetchone()[0])", str(db)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert crawl_failures.stdout.strip() == "0"


def test_the_demo_says_the_line_to_use_next_and_status_shows_its_data(tmp_path: Path) -> None:
    demo = cli(["demo"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    (line,) = [x.strip() for x in demo.stdout.splitlines() if x.strip().startswith("export ")]
    name, _, url = line.removeprefix("export ").partition("=")
    assert name == "CQMONITOR_DATABASE_URL"
    assert Path(url.removeprefix("sqlite:///")).is_file()

    # A token without a channel: status still runs (it posts nothing), and masks the token.
    env = {name: url, "SLACK_BOT_TOKEN": "xoxb-secret-123456"}
    status = cli(["status"], tmp_path, env)
    assert status.returncode == 0, status.stderr
    assert re.search(r"run \d+\s+demo .* success \(exit 0\)", status.stdout)
    assert "36 new" in status.stdout
    assert "xoxb-secret-123456" not in status.stdout and "xoxb-***" in status.stdout
    assert f"CQMONITOR_DATABASE_URL         {url}" in status.stdout
    # ... while a run refuses it, naming what to set.
    run = cli(["run", "--source-url", "bundled", "--since", "2025-03-01"], tmp_path, env)
    assert run.returncode == 2
    assert "set CQMONITOR_SLACK_CHANNEL" in run.stderr

    # The preview of `digest --preview` goes to a file of its own: the demo's stays as it was.
    demo_preview = tmp_path / ".cqmonitor" / "digest-preview.json"
    before = demo_preview.read_bytes()
    preview = cli(["digest", "--preview"], tmp_path, {name: url})
    assert preview.returncode == 0, preview.stderr
    assert (tmp_path / ".cqmonitor" / "digest-now-default.json").is_file()
    assert demo_preview.read_bytes() == before


@pytest.mark.parametrize(
    "args",
    [["status"], ["subscriptions"], ["digest", "--preview"], ["report"], ["unlock"],
     ["reclassify"]],
    ids=lambda a: a[0],
)  # fmt: skip
def test_read_only_commands_never_create_a_database(args: list[str], tmp_path: Path) -> None:
    result = cli(args, tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    missing = tmp_path / ".cqmonitor" / "cqmonitor.db"
    assert f"no cqmonitor database at {missing}" in line
    assert "cqmonitor demo" in line and "CQMONITOR_DATABASE_URL" in line
    assert not missing.exists()
    # A typo in the name is no new, empty database either.
    typo = cli([*args, "--database-url", f"sqlite:///{tmp_path}/demo.dbb"], tmp_path)
    assert typo.returncode == 2 and not (tmp_path / "demo.dbb").exists()


def test_a_refused_source_fails_within_10_s_even_at_a_long_delay(tmp_path: Path) -> None:
    since = (date.today() - timedelta(days=3)).isoformat()
    started = time.monotonic()
    result = cli(
        ["run", "--database-url", f"sqlite:///{tmp_path / 'x.db'}", "--source-url",
         "http://127.0.0.1:1", "--delay", "10", "--since", since],
        tmp_path,
    )  # fmt: skip
    wall = time.monotonic() - started
    assert result.returncode == 3, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "at host 127.0.0.1 port 1;" in line and "connection refused" in line
    load = os.getloadavg()[0]
    print(f"FAULT refused source: exit 3 after {wall:.1f} s (delay 10 s, load {load:.1f})")
    # 10 s on this 2-core machine when it is ours (CI); when other work crowds it (a load
    # above 2), Python's imports alone slow several-fold: then only no retry loop is checked.
    assert wall < (10 if load < 2 else 40), f"{wall:.1f} s at load {load:.1f}"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--database-url", "sqlite:////proc/x.db"], "sqlite:////proc/x.db"),
        (["--since", "2099-01-01"], "--since 2099-01-01 is in the future"),
        (["--database-url", "mysql://u@127.0.0.1/db"], "postgresql+psycopg://"),
        # The common spelling is taken as psycopg 3 (here: nothing listens on port 1).
        (["--database-url", "postgres://postgres@127.0.0.1:1/x"],
         "cannot use the database postgresql+psycopg://postgres@127.0.0.1:1/x"),
    ],
)  # fmt: skip
def test_errors_name_the_thing_to_fix(args: list[str], named: str, tmp_path: Path) -> None:
    result = cli(["run", "--source-url", "http://127.0.0.1:1", *args], tmp_path)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert named in line
    assert "--until" not in line
    # The variable is named once, not twice.
    assert line.count("CQMONITOR_DATABASE_URL") <= 1


def test_help_and_version_answer_without_importing_dagster_or_scrapy(tmp_path: Path) -> None:
    version = cli(["--version"], tmp_path)
    assert version.returncode == 0 and re.fullmatch(r"cqmonitor \S+\n", version.stdout)
    probe = (
        "import sys; from dagster_project.cli import parser; parser().format_help(); "
        "print(sorted(m for m in ('dagster', 'scrapy', 'sqlalchemy', 'alembic') "
        "if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert loaded.stdout.strip() == "[]"
    started = time.monotonic()
    assert cli(["--help"], tmp_path).returncode == 0
    assert time.monotonic() - started < 1.0


def _statuses(env: dict[str, str]) -> dict[str, str]:
    probe = (
        "from dagster_project.definitions import defs\n"
        "for s in [*(defs.schedules or []), *(defs.sensors or [])]:\n"
        "    print(s.name, s.default_status.value)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True, text=True, check=True, cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT), **env},
    )  # fmt: skip
    return dict(line.split() for line in done.stdout.splitlines() if line.strip())


def test_schedules_are_off_without_the_setting_and_on_with_it() -> None:
    # A token in the environment must not be enough to crawl the live site and post.
    token = {"SLACK_BOT_TOKEN": "xoxb-1", "CQMONITOR_SLACK_CHANNEL": "C0DIGEST1"}
    off = _statuses(token)
    for name in ("daily_digest_schedule", "weekly_report_schedule", "crawl_freshness"):
        assert off[name] == "STOPPED", off
    # The failure alert only speaks about a run someone started: it stays on.
    assert off["slack_failure_alert"] == "RUNNING"
    on = _statuses({**token, "CQMONITOR_SCHEDULES": "true"})
    for name in ("daily_digest_schedule", "weekly_report_schedule", "crawl_freshness"):
        assert on[name] == "RUNNING", on


def test_the_partitions_start_at_the_configured_month() -> None:
    import os

    from dagster_project.partitions import publication_months
    from pipelines.settings import DEFAULT_FIRST_MONTH

    keys = publication_months.get_partition_keys()
    assert keys[0] == f"{os.environ['CQMONITOR_FIRST_MONTH']}-01"
    # Without the setting, "Materialize all" covers a few years, not every month since 2015.
    assert DEFAULT_FIRST_MONTH == "2023-01"


def test_a_subscriptions_file_says_every_problem_at_once_with_its_line(tmp_path: Path) -> None:
    from pipelines.subscriptions import SubscriptionError, load_subscriptions
    from pipelines.taxonomy import load_taxonomy

    path = tmp_path / "subs.yaml"
    path.write_text(
        "subscriptions:\n"
        "  - name: talent\n"
        "    chanel: C0TALENT01\n"
        "  - name: space\n"
        "    channel: C0SPACE001\n"
        "    topics: [aerospace_informaton]\n",
        encoding="utf-8",
    )
    with pytest.raises(SubscriptionError) as error:
        load_subscriptions(path, load_taxonomy(), default_channel="")
    text = str(error.value)
    assert "\n" not in text and text.startswith(f"{path}: 3 problems: ")
    assert "line 3: subscriptions[0].chanel: unknown key (did you mean 'channel'?)" in text
    assert "line 2: subscriptions[0].channel: Field required" in text
    assert (
        "line 6: subscriptions[1].topics[0]: unknown topic 'aerospace_informaton' "
        "(did you mean 'aerospace_information'?)"
    ) in text

    path.write_text("subscriptions:\n  - name: a\n    channel: [C0A1\n", encoding="utf-8")
    with pytest.raises(SubscriptionError, match=r"subs.yaml: line 4, column 1: not valid YAML"):
        load_subscriptions(path, load_taxonomy(), default_channel="")
    # Through the command: exit 2, the one line names the setting and the file.
    result = cli(["status"], tmp_path, {"CQMONITOR_SUBSCRIPTIONS": str(path)})
    assert result.returncode == 2
    assert result.stderr.startswith(f"cqmonitor: settings: CQMONITOR_SUBSCRIPTIONS: {path}: line")


def test_each_error_type_carries_its_exit_code() -> None:
    from crawlers.runner import CrawlError
    from pipelines.core.problems import CodedError, ExitCode, told
    from pipelines.settings import SettingError
    from pipelines.slack import SlackDeliveryError
    from pipelines.storage.lock import CrawlBusy
    from pipelines.subscriptions import SubscriptionError
    from pipelines.window import WindowError

    assert SettingError.exit_code == SubscriptionError.exit_code == ExitCode.BAD_INPUT
    assert WindowError.exit_code == ExitCode.BAD_INPUT
    assert SlackDeliveryError.exit_code == ExitCode.SLACK_REFUSED
    assert CrawlError.exit_code == CrawlBusy.exit_code == ExitCode.FAILURE
    # A Dagster run keeps only an error's class name: the name finds the type and its code.
    assert CodedError.by_name["SlackDeliveryError"] is SlackDeliveryError
    problem = told([["DagsterExecutionStepExecutionError"], ["SlackDeliveryError"]], "refused",
                   what="digest", log_hint="the log")  # fmt: skip
    assert problem.exit_code == ExitCode.SLACK_REFUSED and problem.what == "Slack"
    window = told([["WindowError"]], "--since: not a date", what="run", log_hint="x")
    assert (window.exit_code, window.what) == (ExitCode.BAD_INPUT, "run")


def test_the_deployment_settings_turn_the_schedules_on() -> None:
    env_file = ROOT / "deploy" / "cqmonitor.env"
    settings = dict(
        line.split("=", 1)
        for line in env_file.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )
    assert settings["CQMONITOR_SCHEDULES"] == "true"
    on = _statuses(settings)
    assert on["daily_digest_schedule"] == "RUNNING" and on["crawl_freshness"] == "RUNNING"
