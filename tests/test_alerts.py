"""Failure alerts: the run-failure sensor posts to the Slack stand-in through the real WebClient.

Each test fails a real run on an ephemeral Dagster instance, builds the sensor's context from it
(``dg.build_run_status_sensor_context``) and evaluates the project's sensor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from dagster_project.definitions import defs
from dagster_project.deliver.assets import delivery_asset
from dagster_project.operations.alerts import run_url, slack_failure_alert, summarize_failure
from dagster_project.resources import DatabaseResource, SlackResource, TaxonomyResource
from pipelines.slack import SlackDeliveryError
from pipelines.subscriptions import default_subscription
from tests.slack_server import SlackServer

DIGEST_CHANNEL = "C0DIGEST1"
ALERT_CHANNEL = "C0ALERTS1"
UI_URL = "http://127.0.0.1:3000/"  # a trailing slash must not double in the link


@pytest.fixture
def slack() -> Iterator[SlackServer]:
    channels = {DIGEST_CHANNEL: "cqmonitor-digest", ALERT_CHANNEL: "cqmonitor-alerts"}
    with SlackServer(channels=channels) as server:
        yield server


def slack_resource(server: SlackServer, **overrides: Any) -> SlackResource:
    config: dict[str, Any] = {
        "token": server.token,
        "channel": DIGEST_CHANNEL,
        "alert_channel": ALERT_CHANNEL,
        "api_url": server.url,
        "ui_url": UI_URL,
        **overrides,
    }
    return SlackResource(**config)


@dg.asset
def page_reader() -> None:
    """Fails quoting a web page, as a parser error might."""
    raise ValueError("cannot parse <!channel> title: <http://evil|click> & more")


@dg.asset
def checked_articles() -> dg.MaterializeResult:
    return dg.MaterializeResult()


@dg.asset_check(asset=checked_articles, blocking=True)
def titles_present() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=False, description="3 articles have no title")


@dg.asset(deps=[checked_articles])
def after_check() -> None:
    """Must not run: the blocking check above failed."""


def failed_run(
    assets: Sequence[Any], *, resources: dict[str, Any] | None = None
) -> tuple[dg.DagsterInstance, dg.ExecuteInProcessResult]:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        list(assets), instance=instance, resources=resources, raise_on_error=False
    )
    assert not result.success
    return instance, result


def evaluate_sensor(
    instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult, slack: SlackResource
) -> None:
    context = dg.build_run_status_sensor_context(
        sensor_name="slack_failure_alert",
        dagster_event=result.get_run_failure_event(),
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        resources={"slack": slack},
    )
    slack_failure_alert(context)


def block_text(server: SlackServer) -> str:
    return "\n".join(server.iter_block_texts())


def assert_harmless(text: str) -> None:
    """Pings nobody and links nowhere but the Dagster UI."""
    assert "<!" not in text and "<@" not in text and "<#" not in text
    for target in re.findall(r"<([^<>|]*)(?:\|[^<>]*)?>", text):
        assert target.startswith("http://127.0.0.1:3000/runs/"), target


def test_alert_names_the_step_links_the_run_and_escapes_page_text(
    slack: SlackServer,
) -> None:
    instance, result = failed_run([page_reader])
    evaluate_sensor(instance, result, slack_resource(slack))

    (post,) = slack.posts
    assert post.channel == ALERT_CHANNEL
    text = block_text(slack)
    assert "page_reader failed" in text
    assert f"<http://127.0.0.1:3000/runs/{result.run_id}|Open the run>" in text
    assert "&lt;!channel&gt;" in text and "&lt;http://evil|click&gt;" in text
    assert "&amp; more" in text
    assert_harmless(text)
    assert_harmless(post.text)
    assert "page_reader" in post.text
    assert post.metadata == {
        "event_type": "cqmonitor_alert",
        "event_payload": {"step": "page_reader"},
    }


def test_a_failed_blocking_check_is_named_with_its_step(slack: SlackServer) -> None:
    instance, result = failed_run([checked_articles, after_check, titles_present])
    evaluate_sensor(instance, result, slack_resource(slack))

    (post,) = slack.posts
    text = block_text(slack)
    step = "checked_articles_titles_present"
    assert f"{step} failed" in text
    assert "blocking check checked_articles:titles_present failed" in text
    assert "3 articles have no title" in text
    assert "after_check" not in text  # skipped, not failed
    assert f"/runs/{result.run_id}|" in text
    assert post.metadata and post.metadata["event_payload"] == {"step": step}


def test_the_digest_step_failing_on_a_bad_token_is_reported(
    slack: SlackServer, tmp_path: Path
) -> None:
    # The project's own digest asset, with a revoked token; the alert goes out with a good one.
    resources = {
        "database": DatabaseResource(url=f"sqlite:///{tmp_path / 'alerts.db'}"),
        "slack": slack_resource(slack, token="xoxb-revoked", send_empty=True),
        "taxonomy": TaxonomyResource(),
    }
    digest = delivery_asset(default_subscription("C0DIGEST1"))
    instance, result = failed_run([digest], resources=resources)
    evaluate_sensor(instance, result, slack_resource(slack, alert_channel=""))

    (post,) = slack.posts  # only the alert: the digest itself was refused
    assert post.channel == DIGEST_CHANNEL  # no alert channel set: the digest channel
    text = block_text(slack)
    assert "digest_default failed" in text
    assert "invalid_auth" in text and "SLACK_BOT_TOKEN" in text


def test_without_a_token_the_alert_is_logged_not_sent(
    slack: SlackServer, capfd: pytest.CaptureFixture[str]
) -> None:
    instance, result = failed_run([page_reader])
    capfd.readouterr()
    evaluate_sensor(instance, result, slack_resource(slack, token=""))
    assert slack.requests == []
    # The sensor logs through Dagster's logger (the tick's log in the UI; stderr here).
    logged = [line for line in capfd.readouterr().err.splitlines() if "alert not sent" in line]
    assert len(logged) == 1
    assert "page_reader failed" in logged[0] and f"/runs/{result.run_id}" in logged[0]


def test_a_refused_alert_names_the_alert_channel(slack: SlackServer) -> None:
    instance, result = failed_run([page_reader])
    with pytest.raises(SlackDeliveryError, match="CQMONITOR_SLACK_ALERT_CHANNEL"):
        evaluate_sensor(instance, result, slack_resource(slack, alert_channel="C0NOSUCH1"))
    assert slack.posts == []


def test_a_rate_limited_alert_is_posted_once_after_waiting(slack: SlackServer) -> None:
    slack.script("chat.postMessage", (429, {"Retry-After": "0"}))
    instance, result = failed_run([page_reader])
    evaluate_sensor(instance, result, slack_resource(slack))
    assert len(slack.posts) == 1
    assert len(slack.calls("chat.postMessage")) == 2


def test_the_sensor_is_registered_running_and_uses_the_slack_resource() -> None:
    sensor = defs.resolve_sensor_def("slack_failure_alert")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    assert "slack" in sensor.required_resource_keys
    assert isinstance((defs.resources or {})["slack"], SlackResource)


def test_run_url() -> None:
    assert (
        run_url("http://dagster.internal:3000/", "abc") == "http://dagster.internal:3000/runs/abc"
    )
    assert run_url("https://ops.example/dagster", "abc") == "https://ops.example/dagster/runs/abc"


def test_a_run_that_failed_outside_any_step_is_named_as_the_run() -> None:
    instance = dg.DagsterInstance.ephemeral()
    result = dg.materialize(
        [page_reader],
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": "2025-03-01",
            "dagster/asset_partition_range_end": "2025-03-05",
        },
        raise_on_error=False,
    )
    summary = summarize_failure(instance, result.dagster_run, result.get_run_failure_event(), [])
    assert summary.step == f"run of {result.dagster_run.job_name}"
    assert "partitions 2025-03-01 .. 2025-03-05" in summary.text
    assert summary.text.startswith("ValueError: cannot parse")


def test_the_step_name_is_escaped_in_the_fallback_text_too(slack: SlackServer) -> None:
    resource = slack_resource(slack)
    resource.alert("boom", step="<!here> step", link="http://127.0.0.1:3000/runs/x")
    (post,) = slack.posts
    assert "&lt;!here&gt; step failed" in post.text
    assert_harmless(post.text)
    assert_harmless(block_text(slack))
