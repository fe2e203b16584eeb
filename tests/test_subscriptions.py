"""Subscriptions: the file is validated, and every team gets exactly what matches its filters,
once, through ``cqmonitor run``, even while another team's channel is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic, Delivery, Event
from pipelines.subscriptions import (
    Cadence,
    SubscriptionError,
    load_subscriptions,
    parse_subscriptions,
)
from pipelines.taxonomy import load_taxonomy
from tests.conftest import compact_copy, compact_span
from tests.slack_server import SlackServer

SUBSCRIPTIONS = [
    {"name": "talent-desk", "channel": "C0TALENT01", "topics": ["talent"], "delivery": "daily"},
    {
        "name": "auto-proposals",
        "channel": "C0AUTO0001",
        "topics": ["nev_icv"],
        "kinds": ["proposal"],
        "articles": False,
        "delivery": "instant",
    },
    {
        "name": "liangjiang",
        "channel": "C0LIANG001",
        "keywords": ["Liangjiang"],
        "kinds": ["conference", "alliance"],
    },
    # Not a channel the bot is in: Slack answers channel_not_found until it is added.
    {"name": "space-desk", "channel": "C0SPACE001", "topics": ["aerospace_information"]},
]
CHANNELS = {s["channel"]: s["name"] for s in SUBSCRIPTIONS if s["name"] != "space-desk"}


@pytest.mark.parametrize(
    ("entry", "fragment"),
    [
        ({"name": "Talent Desk", "channel": "C0TALENT01"}, "subscriptions[0].name: must be"),
        ({"name": "t", "channel": "talent"}, "subscriptions[0].channel: must be a channel id"),
        ({"name": "t", "channel": "C0T1", "topics": ["sport"]}, "topics[0]: unknown topic 'sport'"),
        ({"name": "t", "channel": "C0T1", "kinds": ["party"]}, "kinds[0]: unknown kind 'party'"),
        ({"name": "t", "channel": "C0T1", "delivery": "weekly"}, "subscriptions[0].delivery"),
        ({"name": "t", "channel": "C0T1", "colour": "red"}, "subscriptions[0].colour"),
        ({"channel": "C0T1"}, "subscriptions[0].name: Field required"),
    ],
)
def test_a_bad_subscription_is_refused_with_its_file_and_key_path(
    entry: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(SubscriptionError) as error:
        parse_subscriptions({"subscriptions": [entry]}, load_taxonomy(), "subs.yaml")
    assert str(error.value).startswith("subs.yaml: ") and fragment in str(error.value)


def test_names_are_unique_and_a_missing_file_means_one_default_subscription(
    tmp_path: Path,
) -> None:
    twice = {"subscriptions": [{"name": "a", "channel": "C0A1"}, {"name": "a", "channel": "C0B1"}]}
    with pytest.raises(SubscriptionError, match=r"subscriptions\[1\].name: 'a' is used twice"):
        parse_subscriptions(twice, load_taxonomy(), "subs.yaml")
    (default,) = load_subscriptions(None, load_taxonomy(), default_channel="C0DIGEST1")
    assert (default.name, default.channel, default.delivery) == ("default", "C0DIGEST1", "daily")
    assert default.topics is None and default.kinds is None and default.articles
    path = tmp_path / "subs.yaml"
    path.write_text(yaml.safe_dump({"subscriptions": SUBSCRIPTIONS}), encoding="utf-8")
    loaded = load_subscriptions(path, load_taxonomy(), default_channel="")
    assert [s.delivery for s in loaded] == [Cadence.DAILY, Cadence.INSTANT, *[Cadence.DAILY] * 2]


def expected_items(database: str) -> dict[str, set[tuple[str, str]]]:
    """What each subscription must get, worked out from the stored rows by the filters' words."""
    engine = make_engine(database)
    with session_scope(session_factory(engine)) as session:
        topics: dict[int, set[str]] = {}
        for article_id, topic in session.execute(
            select(ArticleTopic.article_id, ArticleTopic.topic)
        ):
            topics.setdefault(article_id, set()).add(topic)
        articles = {a.id: a for a in session.scalars(select(Article))}
        events = list(session.scalars(select(Event)))
    engine.dispose()
    out: dict[str, set[tuple[str, str]]] = {}
    for sub in SUBSCRIPTIONS:
        wanted_topics = set(sub.get("topics", ["talent", "aerospace_information", "nev_icv"]))
        kinds = set(sub.get("kinds", ["conference", "alliance", "proposal"]))
        keywords = [k.lower() for k in sub.get("keywords", [])]

        def matches(article: Article, *extra: str, keywords: list[str] = keywords) -> bool:
            text = " ".join((article.title, article.body_text, *extra)).lower()
            return not keywords or any(k in text for k in keywords)

        items = set()
        for ev in events:
            article = articles[ev.article_id]
            on_topic = topics.get(ev.article_id, set()) & wanted_topics
            if on_topic and ev.kind in kinds and matches(article, ev.name):
                items.add(("event", f"{ev.kind}:{ev.event_key}"))
        with_events = {ev.article_id for ev in events}
        if sub.get("articles", True):
            for article_id, article in articles.items():
                on_topic = topics.get(article_id, set()) & wanted_topics
                if on_topic and article_id not in with_events and matches(article):
                    items.add(("article", article.url))
        out[sub["name"]] = items
    return out


def delivered(database: str) -> dict[str, Counter[tuple[str, str]]]:
    engine = make_engine(database)
    with session_scope(session_factory(engine)) as session:
        rows = session.execute(
            select(Delivery.subscription, Delivery.item_type, Delivery.item_key, Delivery.status)
        ).all()
    engine.dispose()
    out: dict[str, Counter[tuple[str, str]]] = {}
    for subscription, item_type, item_key, status in rows:
        if item_type != "report" and status == "delivered":
            out.setdefault(subscription, Counter())[(item_type, item_key)] += 1
    return out


def run(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    since, until = compact_span()
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "run", "--since", since, "--until", until],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_three_teams_each_get_their_items_once_while_a_fourth_channel_is_refused(
    tmp_path: Path,
) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(yaml.safe_dump({"subscriptions": SUBSCRIPTIONS}), encoding="utf-8")
    database = f"sqlite:///{tmp_path / 'cqmonitor.db'}"
    with (
        SiteServer(build_site(compact_copy(load_bundled_articles()))) as site,
        SlackServer(channels=dict(CHANNELS)) as slack,
    ):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "CQMONITOR_SUBSCRIPTIONS": str(path),
            "CQMONITOR_SOURCE_URL": site.url,
            "CQMONITOR_DATABASE_URL": database,
            "CQMONITOR_DOWNLOAD_DELAY": "0",
            "CQMONITOR_DATA_DIR": str(tmp_path / "data"),
            "SLACK_BOT_TOKEN": slack.token,
            "SLACK_API_URL": slack.url,
        }
        first = run(env, tmp_path)
        # The refused channel fails the run, naming its subscription; the others delivered.
        assert first.returncode != 0, first.stdout
        assert "space-desk" in first.stderr and "channel" in first.stderr, first.stderr
        expected = expected_items(database)
        assert all(expected[name] for name in expected), expected
        got = delivered(database)
        for name in ("talent-desk", "auto-proposals", "liangjiang"):
            assert set(got[name]) == expected[name], name
            assert set(got[name].values()) == {1}, name
        assert "space-desk" not in got
        by_channel = Counter(m.channel for m in slack.posts)
        assert set(by_channel) == set(CHANNELS)
        # Instant: one message per event (no report of an event yet to thread).
        assert by_channel["C0AUTO0001"] == len(expected["auto-proposals"])
        alerts = [m for m in slack.posts if m.channel == "C0AUTO0001"]
        assert all(m.text.startswith("New proposal: ") for m in alerts)

        # The channel is fixed: the next run delivers space-desk's items, and nobody else's again.
        slack.channels["C0SPACE001"] = "space-desk"
        posts_before = Counter(m.channel for m in slack.posts)
        second = run(env, tmp_path)
        assert second.returncode == 0, second.stderr
        got = delivered(database)
        assert set(got["space-desk"]) == expected["space-desk"]
        for name, items in got.items():
            assert set(items) == expected[name] and set(items.values()) == {1}, name
        after = Counter(m.channel for m in slack.posts)
        assert {c: after[c] - posts_before[c] for c in CHANNELS} == dict.fromkeys(CHANNELS, 0)
        assert after["C0SPACE001"] >= 1
