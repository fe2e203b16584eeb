"""The ``weekly_report`` asset materialized for one ISO week of the bundled copy: it writes the
report, shows its chart and summary tables in its metadata (what the Dagster UI displays), and
shares the chart with a three-line summary on the Slack stand-in through slack-sdk's
``files_upload_v2``; the Monday schedule asks for the week just ended."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
import yaml

from dagster_project.definitions import defs
from dagster_project.errors import failure_reason
from dagster_project.report import weekly_report, weekly_report_schedule
from dagster_project.resources import build_resources
from pipelines.settings import BUNDLED
from tests.conftest import loopback_settings
from tests.slack_server import SlackServer

WEEK = "2025-03-03"  # ISO week 2025-W10 of the bundled copy


def materialize(settings: object) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [weekly_report],
        partition_key=WEEK,
        resources=build_resources(settings),  # type: ignore[arg-type]
        raise_on_error=False,
    )


def metadata(result: dg.ExecuteInProcessResult) -> dict[str, object]:
    events = result.asset_materializations_for_node("weekly_report")
    return {key: getattr(value, "value", value) for key, value in events[-1].metadata.items()}


def test_weekly_report_writes_shows_and_posts_its_chart(
    bundled_database: str, tmp_path: Path, slack: SlackServer
) -> None:
    settings = loopback_settings(BUNDLED, bundled_database, tmp_path / "data", slack)
    result = materialize(settings)
    assert result.success, failure_reason(list(result.all_events))
    meta = metadata(result)

    report = Path(str(meta["report"]))
    assert report == tmp_path / "data" / "reports" / "2025-W10" / "report.html"
    page = report.read_text(encoding="utf-8")
    assert "Report for 3–9 Mar 2025" in page
    assert "Western Satellite Internet Industry Alliance" in page
    # The UI renders Markdown metadata, data: images included: the chart shows there.
    chart = str(meta["chart"])
    assert chart.startswith("![") and "(data:image/png;base64," in chart
    png = base64.b64decode(chart.split("base64,", 1)[1].rstrip(")"))
    assert png.startswith(b"\x89PNG")
    topics = meta["topics"]
    assert isinstance(topics, dg.TableMetadataValue)
    assert [r.data["topic"] for r in topics.records] == [
        "Aerospace information",
        "NEV/ICV",
        "Talent",
    ]
    kinds = meta["events_by_kind"]
    assert isinstance(kinds, dg.TableMetadataValue)
    assert [(r.data["kind"], r.data["events"]) for r in kinds.records] == [
        ("Conferences", 1),
        ("Alliances", 1),
        ("Proposals", 2),
    ]
    assert (meta["articles"], meta["articles_on_topics"], meta["events"]) == (12, 7, 4)
    assert "4 events: 1 conference, 1 alliance, 2 proposals" in str(meta["summary"])

    [upload] = slack.uploads
    assert upload.channel == "C0DIGEST1"
    assert upload.filename == "cqmonitor-report-2025-W10.png"
    assert upload.data == png == (report.parent / "overview.png").read_bytes()
    lines = (upload.initial_comment or "").splitlines()
    assert len(lines) == 3
    assert lines[0] == "*cqmonitor report · 3–9 Mar 2025 (2025-W10)*"
    assert lines[1].startswith("12 articles, 7 on the topics")
    assert [r.method for r in slack.requests] == [
        "files.getUploadURLExternal",
        "files.upload",
        "files.completeUploadExternal",
    ]
    assert meta["posted_to"] == "C0DIGEST1"


def test_a_channel_by_name_is_resolved_to_its_id(
    bundled_database: str, tmp_path: Path, slack: SlackServer
) -> None:
    settings = loopback_settings(
        BUNDLED, bundled_database, tmp_path / "data", slack, slack_channel="#cqmonitor-digest"
    )
    assert materialize(settings).success
    assert [u.channel for u in slack.uploads] == ["C0DIGEST1"]


def test_slack_refusing_the_chart_fails_the_run_with_the_report_written(
    bundled_database: str, tmp_path: Path, slack: SlackServer
) -> None:
    slack.script("files.completeUploadExternal", {"ok": False, "error": "not_in_channel"})
    settings = loopback_settings(BUNDLED, bundled_database, tmp_path / "data", slack)
    result = materialize(settings)
    assert not result.success
    reason = failure_reason(list(result.all_events))
    assert "not posted" in reason and "CQMONITOR_SLACK_CHANNEL" in reason
    assert (tmp_path / "data" / "reports" / "2025-W10" / "report.html").is_file()
    assert slack.uploads == []


def test_without_a_token_the_report_is_written_and_not_posted(
    bundled_database: str, tmp_path: Path, slack: SlackServer
) -> None:
    settings = loopback_settings(BUNDLED, bundled_database, tmp_path / "data")
    result = materialize(settings)
    assert result.success
    assert metadata(result)["posted_to"] == "-"
    assert slack.requests == []


@pytest.mark.parametrize(
    ("tick", "week"),
    [
        (datetime(2025, 3, 10, 8, 0), "2025-03-03"),
        # 08:00 on Monday 5 Jan 2026 in Chongqing is still Sunday in UTC: CST decides.
        (datetime(2026, 1, 5, 8, 0), "2025-12-29"),
    ],
)
def test_monday_schedule_asks_for_the_week_just_ended(tick: datetime, week: str) -> None:
    schedule = defs.resolve_schedule_def("weekly_report_schedule")
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("0 8 * * 1", "Asia/Shanghai")
    assert schedule.job_name == "weekly_report_job"
    context = dg.build_schedule_context(
        scheduled_execution_time=tick.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    request = weekly_report_schedule(context)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == week


def test_the_daily_job_leaves_the_weekly_report_to_its_own_job() -> None:
    daily = defs.resolve_job_def("daily_pipeline")
    keys = {k.to_user_string() for k in daily.asset_layer.selected_asset_keys}
    assert "weekly_report" not in keys and "digest_default" in keys
    weekly = defs.resolve_job_def("weekly_report_job")
    assert {k.to_user_string() for k in weekly.asset_layer.selected_asset_keys} == {"weekly_report"}


def test_the_chart_goes_to_the_subscriptions_that_ask_for_it(
    bundled_database: str, tmp_path: Path, slack: SlackServer
) -> None:
    slack.channels.update({"C0WEEKLY01": "weekly", "C0DAILY001": "daily"})
    subscriptions = tmp_path / "subscriptions.yaml"
    subscriptions.write_text(
        yaml.safe_dump(
            {
                "subscriptions": [
                    {"name": "analysts", "channel": "C0WEEKLY01", "weekly_report": True},
                    {"name": "daily-only", "channel": "C0DAILY001"},
                ]
            }
        ),
        encoding="utf-8",
    )
    settings = loopback_settings(
        BUNDLED, bundled_database, tmp_path / "data", slack, subscriptions_path=str(subscriptions)
    )
    result = materialize(settings)
    assert result.success, failure_reason(list(result.all_events))
    assert [u.channel for u in slack.uploads] == ["C0WEEKLY01"]
