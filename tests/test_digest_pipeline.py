"""The Slack digest through the whole pipeline: ``execute`` and ``cqmonitor`` against the loopback
copy of the site and the Slack stand-in (real spider, real Dagster assets, real WebClient).

The copy gets one crafted on-topic article whose title holds ``<!channel>`` and whose text holds
``<http://evil|click>``: what Slack receives must ping nobody and link only to articles.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from crawlers.sitecopy.render import article_url
from dagster_project.cli import execute, main
from pipelines.settings import Settings
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic, Delivery, Digest, Event
from tests.conftest import bundled_span, loopback_settings
from tests.slack_server import SlackServer

# The bundled copy's span (each day a partition); the crafted article falls inside it.
SINCE, UNTIL = bundled_span()
# A run over one day is much quicker; the digest takes whatever is pending, whatever the window.
DAY = UNTIL
CHANNEL = "C0DIGEST1"
SITE = "https://www.ichongqing.info/"  # the copy's pages link to the real site's addresses
CRAFTED_TITLE = "<!channel> Intelligent Connected Vehicle Forum Opens in Liangjiang"
CRAFTED_LINK = "<http://evil|click>"


def crafted_article(bundled: list[dict[str, Any]]) -> dict[str, Any]:
    """An NEV/ICV conference report, shaped like S15, carrying Slack control sequences."""
    article = copy.deepcopy(next(a for a in bundled if a["id"] == "S15"))
    article.update(
        id="X01",
        post_id=499_001,
        slug="channel-intelligent-connected-vehicle-forum-opens-in-liangjiang",
        title=CRAFTED_TITLE,
        published=f"{UNTIL}T10:00:00+08:00",
        blocks=[
            {
                "p": "Chongqing - Carmakers and chip designers met at the 2025 Liangjiang "
                f"Intelligent Connected Vehicle Forum on Monday, see {CRAFTED_LINK} for the "
                "agenda."
            },
            {
                "p": "About 400 guests from automakers and software firms took part in the "
                "one-day forum in the Liangjiang New Area."
            },
        ],
    )
    return article


@pytest.fixture(scope="module")
def articles() -> list[dict[str, Any]]:
    bundled = load_bundled_articles()
    return [*bundled, crafted_article(bundled)]


@pytest.fixture
def site(articles: list[dict[str, Any]]) -> Iterator[SiteServer]:
    with SiteServer(build_site(load_bundled_articles())) as server:
        # The bundled copy plus the crafted article, swapped in as a site edit would be.
        server.set_pages(build_site(articles))
        yield server


def settings_for(
    site: SiteServer, database_url: str, tmp_path: Path, slack: SlackServer, **overrides: Any
) -> Settings:
    return loopback_settings(site.url, database_url, tmp_path / "data", slack, **overrides)


def cli_env(
    monkeypatch: pytest.MonkeyPatch, slack: SlackServer, tmp_path: Path, token: str | None = None
) -> None:
    """The environment ``cqmonitor`` reads its Slack settings from (flags give the rest)."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", token or slack.token)
    monkeypatch.setenv("CQMONITOR_SLACK_CHANNEL", CHANNEL)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.setenv("CQMONITOR_DATA_DIR", str(tmp_path / "cli-data"))
    for name in ("CQMONITOR_SOURCE_URL", "CQMONITOR_DATABASE_URL", "CQMONITOR_SLACK_SEND_EMPTY"):
        monkeypatch.delenv(name, raising=False)


def cli_run(site: SiteServer, database_url: str) -> int:
    return main(
        ["run", "--source-url", site.url, "--database-url", database_url, "--delay", "0",
         "--since", DAY, "--until", DAY]
    )  # fmt: skip


def stored(database_url: str) -> dict[str, Any]:
    """What the database holds: articles, the on-topic ones, events, deliveries, digests."""
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        urls = set(session.scalars(select(Article.url)))
        on_topic = set(
            session.scalars(
                select(Article.url).join(ArticleTopic, ArticleTopic.article_id == Article.id)
            )
        )
        events = [
            (url, name)
            for url, name in session.execute(
                select(Article.url, Event.name).join(Event, Event.article_id == Article.id)
            )
        ]
        deliveries = [
            (t, k, s)
            for t, k, s in session.execute(
                select(Delivery.item_type, Delivery.item_key, Delivery.status)
            )
        ]
        digests = [
            (d.id, d.status, d.item_count)
            for d in session.scalars(select(Digest).order_by(Digest.id))
        ]
        titles = {u: t for u, t in session.execute(select(Article.url, Article.title))}
        count = session.scalar(select(func.count()).select_from(Article))
    engine.dispose()
    return {
        "urls": urls,
        "on_topic": on_topic,
        "events": events,
        "deliveries": deliveries,
        "digests": digests,
        "titles": titles,
        "count": count,
    }


def slack_mrkdwn(slack: SlackServer) -> str:
    """Everything Slack would render: each message's fallback text and its block texts."""
    parts = []
    for message in slack.posts:
        parts.append(message.text)
        for block in message.blocks or ():
            text = block.get("text")
            if isinstance(text, dict):
                parts.append(text.get("text", ""))
            for element in block.get("elements") or ():
                if isinstance(element, dict):
                    parts.append(element.get("text", ""))
    return "\n".join(parts)


def escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link_targets(mrkdwn: str) -> list[str]:
    """The targets of every ``<...>`` control sequence (links, mentions) Slack would act on."""
    return [m.split("|", 1)[0] for m in re.findall(r"<([^<>]*)>", mrkdwn)]


def assert_all_delivered_once(db: dict[str, Any]) -> None:
    keys = [(t, k) for t, k, _ in db["deliveries"]]
    assert len(keys) == len(set(keys))
    assert db["deliveries"] and all(s == "delivered" for _, _, s in db["deliveries"])


# --- (1) one digest, every on-topic event, nothing off-topic, nothing that pings or links -------


def test_a_run_posts_one_safe_digest_of_the_topics_and_a_second_run_posts_nothing(
    articles: list[dict[str, Any]],
    site: SiteServer,
    slack: SlackServer,
    database_url: str,
    tmp_path: Path,
) -> None:
    settings = settings_for(site, database_url, tmp_path, slack)
    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL)
    assert ok, reason
    digest = metadata["digest_default"]
    assert digest["status"] == "sent"

    db = stored(database_url)
    assert db["count"] == len(articles)
    crafted_url = article_url(articles[-1])
    assert crafted_url in db["on_topic"], "the crafted article must be on a topic"

    # One digest: one row, its parts posted as one message and replies in its thread.
    assert [(s, n) for _, s, n in db["digests"]] == [
        ("sent", digest["events"] + digest["articles"])
    ]
    posts = slack.posts
    assert len(posts) == digest["messages"] >= 1
    digest_ids = {(m.metadata or {}).get("event_payload", {}).get("digest_id") for m in posts}
    assert digest_ids == {db["digests"][0][0]}
    assert all(m.thread_ts == posts[0].ts for m in posts[1:])
    assert_all_delivered_once(db)

    posted = slack_mrkdwn(slack)
    # Every event of an on-topic article is there; the events of other articles are not.
    topic_events = [(u, n) for u, n in db["events"] if u in db["on_topic"]]
    assert topic_events
    for _url, name in topic_events:
        assert escaped(" ".join(name.split())) in posted, name
    for url in db["urls"] - db["on_topic"]:
        assert url not in posted, f"off-topic article {url} in the digest"
        assert escaped(db["titles"][url]) not in posted

    # The crafted article is in, shown as text: no mention, no foreign link.
    assert escaped(CRAFTED_TITLE) in posted
    assert escaped(CRAFTED_LINK) in posted
    targets = link_targets(posted)
    assert targets, "the digest links to its articles"
    for target in targets:
        assert target.startswith(SITE), f"Slack would act on <{target}>"
        assert target.replace("&amp;", "&") in db["on_topic"], target

    # A second run: nothing new, nothing posted, nothing changed.
    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL)
    assert ok, reason
    assert metadata["digest_default"]["status"] == "nothing"
    assert len(slack.posts) == len(posts)
    assert stored(database_url)["deliveries"] == db["deliveries"]


# --- (2) Slack down: the run fails, data is kept, nothing delivered; then it all goes once ------


def test_slack_down_fails_the_run_keeps_the_data_then_the_next_run_delivers_once(
    articles: list[dict[str, Any]],
    site: SiteServer,
    slack: SlackServer,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = settings_for(site, database_url, tmp_path, slack)
    slack.fail_always("chat.postMessage", 500)

    ok, metadata, reason = execute(settings, since=SINCE, until=UNTIL)
    assert not ok
    assert reason.startswith("cqmonitor: Slack delivery to default failed: ")
    assert "HTTP 500" in reason
    assert "\n" not in reason
    db = stored(database_url)
    assert db["count"] == len(articles)  # everything crawled is stored all the same
    assert db["deliveries"] == []  # nothing marked delivered, nothing left claimed
    assert [s for _, s, _ in db["digests"]] == ["failed"]
    assert slack.posts == []

    # The command says so too: exit 4 (Slack refused), one line saying what failed.
    cli_env(monkeypatch, slack, tmp_path)
    capsys.readouterr()
    assert cli_run(site, database_url) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Slack delivery to default failed" in err[0], err
    assert "HTTP 500" in err[0], err
    assert stored(database_url)["deliveries"] == []

    # Slack is back, rate limiting the first post: the next run waits and delivers all, once.
    slack.clear_failures()
    slack.script("chat.postMessage", (429, {"Retry-After": "1"}))
    calls_before = len(slack.calls("chat.postMessage"))
    ok, metadata, reason = execute(settings, since=DAY, until=DAY)
    assert ok, reason
    digest = metadata["digest_default"]
    assert digest["status"] == "sent"
    posts = slack.posts
    assert len(posts) == digest["messages"]
    assert len(slack.calls("chat.postMessage")) - calls_before == len(posts) + 1  # one 429
    db = stored(database_url)
    assert_all_delivered_once(db)
    topic_events = {n for u, n in db["events"] if u in db["on_topic"]}
    posted = slack_mrkdwn(slack)
    for name in topic_events:
        assert escaped(" ".join(name.split())) in posted, name
    assert len(db["deliveries"]) == digest["events"] + digest["articles"]

    # And never again.
    ok, metadata, _ = execute(settings, since=DAY, until=DAY)
    assert ok and metadata["digest_default"]["status"] == "nothing"
    assert len(slack.posts) == len(posts)


# --- (3) the preview prints and writes Block Kit, posting nothing ---------------------------------


def test_digest_preview_prints_and_writes_block_kit_and_posts_nothing(
    site: SiteServer,
    slack: SlackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database_url = f"sqlite:///{tmp_path / 'preview.db'}"
    settings = settings_for(site, database_url, tmp_path, slack)
    ok, _, reason = execute(settings, since=DAY, until=DAY, digest=False)
    assert ok, reason

    # A token in the environment must not matter: a preview never posts.
    cli_env(monkeypatch, slack, tmp_path)
    capsys.readouterr()
    assert main(["digest", "--preview", "--database-url", database_url]) == 0
    out = capsys.readouterr().out

    # digest --preview writes a file of its own per subscription, apart from a run's previews.
    json_path = tmp_path / "cli-data" / "digest-now-default.json"
    assert f"(Block Kit JSON: {json_path})" in out
    data = json.loads(json_path.read_text(encoding="utf-8"))
    payloads = data if isinstance(data, list) else [data]
    blocks = [b for p in payloads for b in p["blocks"]]
    assert blocks[0]["type"] == "header"
    block_text = "\n".join(b["text"]["text"] for b in blocks if isinstance(b.get("text"), dict))
    db = stored(database_url)
    topic_events = [name for url, name in db["events"] if url in db["on_topic"]]
    assert topic_events
    for name in topic_events:
        assert escaped(" ".join(name.split())) in block_text, name
    assert escaped(CRAFTED_TITLE) in block_text
    assert "cqmonitor digest" in out and "1 conference" in out

    assert slack.requests == []
    assert db["deliveries"] == [] and db["digests"] == []


# --- (4) a revoked token: one line naming SLACK_BOT_TOKEN -----------------------------------------


def test_invalid_auth_fails_the_run_with_one_line_naming_the_token(
    articles: list[dict[str, Any]],
    site: SiteServer,
    slack: SlackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    database_url = f"sqlite:///{tmp_path / 'auth.db'}"
    settings = settings_for(site, database_url, tmp_path, slack, slack_token="xoxb-revoked")
    ok, _, reason = execute(settings, since=DAY, until=DAY)
    assert not ok
    assert "\n" not in reason and "SLACK_BOT_TOKEN" in reason and "invalid_auth" in reason

    cli_env(monkeypatch, slack, tmp_path, token="xoxb-revoked")
    capsys.readouterr()
    assert cli_run(site, database_url) == 4
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SLACK_BOT_TOKEN" in err[0], err

    db = stored(database_url)
    assert db["count"] == sum(1 for a in articles if a["published"].startswith(DAY))
    assert db["deliveries"] == []
    assert slack.posts == []
