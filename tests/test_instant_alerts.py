"""Instant alerts: an alert per new event, a later report in its thread, and a poll with nothing
new costing one request (the feed's 304; robots.txt is kept for a day)."""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest
import yaml

from crawlers.sitecopy import SiteServer, article_url, build_site, load_bundled_articles
from dagster_project import operations
from dagster_project.cli import execute
from dagster_project.cli.execute import execute_poll
from pipelines.core.instants import CST
from pipelines.settings import Settings
from pipelines.subscriptions import Subscription, default_subscription, load_subscriptions
from pipelines.taxonomy import load_taxonomy
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.slack_server import SlackServer

ALERTS = {
    "name": "proposals-now",
    "channel": "C0ALERT001",
    "kinds": ["proposal"],
    "delivery": "instant",
}


def poll(settings: Settings) -> dg.ExecuteInProcessResult:
    result = execute_poll(settings)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return result


def test_the_alert_schedule_runs_by_itself_only_when_on_and_with_an_instant_subscription(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    daily = (default_subscription("C0DIGEST1"),)
    instant = (*daily, Subscription(name="now", channel="C0NOW0001", delivery="instant"))
    running, stopped = dg.DefaultScheduleStatus.RUNNING, dg.DefaultScheduleStatus.STOPPED
    # Schedules start by themselves only with CQMONITOR_SCHEDULES=true (safe by default).
    for schedules, subscriptions, status in (
        ("true", daily, stopped),
        ("true", instant, running),
        ("", instant, stopped),
    ):
        monkeypatch.setenv("CQMONITOR_SCHEDULES", schedules)
        defs = operations.definitions(subscriptions)
        (schedule,) = [s for s in defs.schedules or [] if s.name == "instant_alerts_schedule"]
        assert schedule.cron_schedule == "*/15 * * * *"
        assert schedule.execution_timezone == "Asia/Shanghai"
        assert schedule.default_status == status


def test_an_alert_per_event_then_a_later_report_in_its_thread_then_one_request(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(yaml.safe_dump({"subscriptions": [ALERTS]}), encoding="utf-8")
    articles = compact_copy(load_bundled_articles())
    (taken,) = load_subscriptions(path, load_taxonomy(), default_channel="")
    with (
        SiteServer(build_site(articles)) as site,
        SlackServer(channels={"C0ALERT001": "alerts"}) as slack,
    ):
        settings = replace(
            loopback_settings(site.url, sqlite_url, tmp_path / "data", slack),
            subscriptions_path=str(path),
        )
        since, until = compact_span()
        ok, metadata, reason = execute(settings, since=since, until=until)
        assert ok, reason
        first = slack.posts
        assert f"alerts_{taken.asset_name}" in metadata, list(metadata)
        proposals = metadata[f"alerts_{taken.asset_name}"]["events"]
        assert proposals >= 2 and len(first) == proposals
        assert all(m.thread_ts is None and m.text.startswith("New proposal: ") for m in first)

        # A later story reports the first alerted proposal again, published minutes ago.
        alerted = first[0]
        source = next(a for a in articles if article_url(a) in str(alerted.blocks))
        follow_up = copy.deepcopy(source)
        now = datetime.now(UTC).astimezone(CST) - timedelta(minutes=10)
        follow_up.update(
            id="FOLLOWUP",
            post_id=999001,
            slug=f"{source['slug']}-follow-up",
            title=f"{source['title']}: What Comes Next",
            published=now.replace(microsecond=0).isoformat(),
        )
        follow_up.pop("modified", None)
        site.set_pages(build_site([*articles, follow_up]))
        poll(settings)
        replies = slack.posts[len(first) :]
        assert len(replies) == 1, [m.text for m in replies]
        (reply,) = replies
        assert reply.thread_ts == alerted.ts
        assert "reported again" in reply.text and follow_up["title"] in reply.text

        # Nothing new: the poll makes one request, the feed's conditional GET (304).
        site.clear_requests()
        poll(settings)
        requests = [(r.key, r.status) for r in site.requests]
        assert requests == [("/feed/", 304)], requests
        assert len(slack.posts) == len(first) + 1
