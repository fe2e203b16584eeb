"""Delivery of the digest through the real slack_sdk WebClient against tests/slack_server.py.

Every test runs on SQLite and, when CQMONITOR_TEST_POSTGRES_URL is set, on PostgreSQL too (each
test in its own schema, so runs cannot see each other).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from pipelines.delivery import collect_pending, deliver_digest, preview_digest
from pipelines.digest import content_items
from pipelines.slack import (
    SlackDeliveryError,
    SlackSender,
    make_web_client,
    send_alert,
)
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic, Delivery, Digest, Event
from tests.slack_server import ACCEPT_500, DROP, PASS, SlackServer

NOW = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
CHANNEL = "C0DIGEST1"
PG_ENV = "CQMONITOR_TEST_POSTGRES_URL"


# --- database ---------------------------------------------------------------------------------


@dataclass
class Db:
    url: str
    engine: Engine
    factory: sessionmaker[Session]

    def new_factory(self) -> tuple[Engine, sessionmaker[Session]]:
        engine = make_engine(self.url)
        return engine, session_factory(engine)


def _sqlite_db(tmp_path: Path) -> Iterator[Db]:
    url = "sqlite:///" + str(tmp_path / "t.db")
    migrate(url)
    engine = make_engine(url)
    yield Db(url, engine, session_factory(engine))
    engine.dispose()


def _postgres_db() -> Iterator[Db]:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL delivery tests skipped")
    schema = f"cqm_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    url = f"{base}{sep}options=-csearch_path%3D{schema}"
    try:
        migrate(url)
        engine = make_engine(url)
        yield Db(url, engine, session_factory(engine))
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Db]:
    if request.param == "sqlite":
        yield from _sqlite_db(tmp_path)
    else:
        yield from _postgres_db()


# --- data -------------------------------------------------------------------------------------

_seq = iter(range(1, 1_000_000))


def add_article(
    session: Session,
    *,
    url: str | None = None,
    title: str = "An article",
    topics: tuple[str, ...] = ("talent",),
    events: tuple[dict[str, Any], ...] = (),
    published_at: datetime | None = None,
    body: str = "Chongqing announced it. More text follows.",
) -> Article:
    n = next(_seq)
    article = Article(
        url=url or f"https://www.ichongqing.info/2026/11/21/article-{n}/",
        title=title,
        published_at=published_at or NOW - timedelta(hours=n % 48 + 1),
        body_text=body,
        content_hash=f"{n:064x}",
    )
    session.add(article)
    session.flush()
    for topic in topics:
        session.add(ArticleTopic(article_id=article.id, topic=topic, score=0.9))
    for ev in events:
        session.add(
            Event(
                article_id=article.id,
                kind=ev.get("kind", "conference"),
                name=ev["name"],
                event_key=ev.get("key", ev["name"].lower().replace(" ", "-")),
                date_text=ev.get("date_text"),
                place=ev.get("place"),
                organisers=ev.get("organisers", []),
                proposers=ev.get("proposers", []),
                summary=ev.get("summary", f"{ev['name']} happened."),
            )
        )
    session.flush()
    return article


def seed_basic(db: Db) -> None:
    """Two events (one reported twice), one topic article, one article off the topics."""
    with session_scope(db.factory) as s:
        expo = {"name": "Smart China Expo 2026", "key": "smart-china-expo-2026"}
        add_article(s, title="Expo opens", topics=("nev_icv",), events=(expo,))
        add_article(s, title="Expo day two", topics=("talent",), events=(expo,))
        add_article(
            s,
            title="Satellite alliance formed",
            topics=("aerospace_information",),
            events=({"kind": "alliance", "name": "Western Satellite Alliance"},),
        )
        add_article(s, title="Talent policy update", topics=("talent",))
        add_article(
            s,
            title="OFFTOPIC hotpot festival",
            topics=(),
            events=({"name": "OFFTOPIC Hotpot Festival"},),
        )


def seed_many(db: Db, n: int, prefix: str = "Event") -> list[str]:
    names = [f"{prefix} {i:03d} on intelligent connected vehicles" for i in range(n)]
    with session_scope(db.factory) as s:
        for i, name in enumerate(names):
            add_article(
                s,
                title=f"Report {i}",
                topics=("nev_icv",),
                events=(
                    {
                        "kind": ("conference", "alliance", "proposal")[i % 3],
                        "name": name,
                        "place": "Chongqing",
                        "organisers": ["Chongqing Economic and Information Technology Commission"],
                        "summary": "A long summary sentence about the event. " * 4,
                    },
                ),
            )
    return names


def pending_keys(db: Db) -> list[tuple[str, str]]:
    with session_scope(db.factory) as s:
        return content_items(collect_pending(s, now=NOW))


def deliveries(db: Db) -> list[Delivery]:
    with session_scope(db.factory) as s:
        return list(s.execute(select(Delivery)).scalars())


def digests(db: Db) -> list[Digest]:
    with session_scope(db.factory) as s:
        return list(s.execute(select(Digest).order_by(Digest.id)).scalars())


# --- slack ------------------------------------------------------------------------------------


def make_sender(server: SlackServer, token: str | None = None) -> SlackSender:
    client = make_web_client(
        token or server.token,
        base_url=server.url,
        timeout=5,
        max_retries=2,
        backoff=0.01,
        rate_limit_retries=2,
    )
    return SlackSender(client, post_attempts=3, backoff=0.01)


def crash_after_part_2(server: SlackServer) -> SlackSender:
    """A sender whose process dies once Slack took part 2, before the database hears of it."""
    real = make_sender(server)

    class CrashAfterPart2(SlackSender):
        def post(self, channel: str, text: str, blocks: Any, **kw: Any) -> str:
            ts = real.post(channel, text, blocks, **kw)
            if kw["metadata"]["event_payload"]["part"] == 2:
                raise KeyboardInterrupt("killed")
            return ts

    return CrashAfterPart2(real.client)


def deliver(db: Db, server: SlackServer, **kwargs: Any) -> Any:
    kwargs.setdefault("sender", make_sender(server))
    kwargs.setdefault("channel", CHANNEL)
    kwargs.setdefault("now", NOW)
    return deliver_digest(db.factory, **kwargs)


def all_posted_text(server: SlackServer) -> str:
    return "\n".join([*server.iter_block_texts(), *(m.text for m in server.posts)])


# --- tests ------------------------------------------------------------------------------------


def test_post_delivers_all_pending_once(db: Db, slack: SlackServer) -> None:
    seed_basic(db)
    outcome = deliver(db, slack)

    assert outcome.status == "sent", outcome.error
    assert (outcome.events, outcome.articles, outcome.messages) == (2, 1, 1)
    assert len(slack.posts) == 1
    post = slack.posts[0]
    assert post.metadata == {
        "event_type": "cqmonitor_digest",
        "event_payload": {"digest_id": outcome.digest_id, "part": 1},
    }
    assert post.params["unfurl_links"] is False and post.params["unfurl_media"] is False
    body = all_posted_text(slack)
    # One event reported by two articles shows once, with both links.
    assert body.count("Smart China Expo 2026*") == 1
    assert "Expo opens" in body and "Expo day two" in body
    assert "OFFTOPIC" not in body and "OFFTOPIC" not in outcome.text
    assert all(d.status == "delivered" and d.message_ts == post.ts for d in deliveries(db))
    assert len(deliveries(db)) == 3
    assert pending_keys(db) == []
    [digest] = digests(db)
    assert digest.status == "sent" and digest.message_ts == [post.ts] and digest.sent_at == NOW

    again = deliver(db, slack, send_empty=False)
    assert again.status == "nothing"
    assert len(slack.posts) == 1

    empty = deliver(db, slack)
    assert empty.status == "empty"
    assert len(slack.posts) == 2 and "nothing new" in slack.posts[1].text
    assert "Smart China Expo" not in slack.posts[1].text


def test_server_errors_leave_items_pending_then_429_is_waited_out(
    db: Db, slack: SlackServer
) -> None:
    seed_basic(db)
    before = pending_keys(db)
    slack.fail_always("chat.postMessage", 500)

    failed = deliver(db, slack)

    assert failed.status == "failed"
    assert "unavailable" in (failed.error or "") and "HTTP 500" in (failed.error or "")
    assert failed.setting is None
    assert slack.posts == []
    assert deliveries(db) == []
    assert pending_keys(db) == before
    assert [d.status for d in digests(db)] == ["failed"]
    # The post is not retried blindly: each attempt first checks whether it got through.
    assert len(slack.calls("chat.postMessage")) == 3
    assert len(slack.calls("conversations.history")) == 3

    slack.clear_failures()
    slack.script("chat.postMessage", (429, {"Retry-After": "0"}))
    sent = deliver(db, slack)

    assert sent.status == "sent", sent.error
    assert len(slack.posts) == 1
    assert len(slack.calls("chat.postMessage")) == 5
    assert pending_keys(db) == []
    assert Counter(d.status for d in deliveries(db)) == {"delivered": 3}


def test_invalid_auth_names_the_token_setting(db: Db, slack: SlackServer) -> None:
    seed_basic(db)
    outcome = deliver(db, slack, sender=make_sender(slack, token="xoxb-wrong"))

    assert outcome.status == "failed"
    assert outcome.setting == "SLACK_BOT_TOKEN"
    assert "invalid_auth" in (outcome.error or "") and "SLACK_BOT_TOKEN" in (outcome.error or "")
    assert "\n" not in (outcome.error or "")
    assert slack.posts == [] and deliveries(db) == []
    assert len(pending_keys(db)) == 3


@pytest.mark.parametrize(
    ("channel", "scripted", "reason"),
    [
        ("C0NOSUCH1", None, "channel_not_found"),
        (CHANNEL, {"ok": False, "error": "not_in_channel"}, "not_in_channel"),
        (CHANNEL, {"ok": False, "error": "is_archived"}, "is_archived"),
    ],
)
def test_channel_errors_name_the_channel_setting(
    db: Db, slack: SlackServer, channel: str, scripted: dict[str, Any] | None, reason: str
) -> None:
    seed_basic(db)
    if scripted:
        slack.script("chat.postMessage", scripted)
    outcome = deliver(db, slack, channel=channel)

    assert outcome.status == "failed"
    assert outcome.setting == "CQMONITOR_SLACK_CHANNEL"
    assert reason in (outcome.error or "") and "CQMONITOR_SLACK_CHANNEL" in (outcome.error or "")
    assert slack.posts == [] and deliveries(db) == []
    assert len(pending_keys(db)) == 3


def test_no_channel_configured(db: Db, slack: SlackServer) -> None:
    seed_basic(db)
    outcome = deliver(db, slack, channel=None)
    assert outcome.status == "failed" and outcome.setting == "CQMONITOR_SLACK_CHANNEL"
    assert slack.requests == [] and digests(db) == []


@pytest.mark.parametrize("mode", [DROP, ACCEPT_500])
def test_lost_reply_is_found_in_history_not_posted_twice(
    db: Db, slack: SlackServer, mode: str
) -> None:
    seed_basic(db)
    slack.script("chat.postMessage", mode)

    outcome = deliver(db, slack)

    assert outcome.status == "sent", outcome.error
    assert len(slack.posts) == 1
    assert len(slack.calls("chat.postMessage")) == 1
    assert {d.message_ts for d in deliveries(db)} == {slack.posts[0].ts}
    assert pending_keys(db) == []


def test_lost_reply_with_history_down_is_settled_by_the_next_run(
    db: Db, slack: SlackServer
) -> None:
    seed_basic(db)
    slack.script("chat.postMessage", DROP)
    slack.fail_always("conversations.history", 500)

    first = deliver(db, slack)

    assert first.status == "failed"
    assert "next run" in (first.error or "")
    assert len(slack.posts) == 1  # Slack did take it
    [digest] = digests(db)
    assert digest.status == "posting"
    # Claimed, so not pending: no other run may post these items while the outcome is unknown.
    assert pending_keys(db) == []
    assert Counter(d.status for d in deliveries(db)) == {"claimed": 3}

    slack.clear_failures()
    second = deliver(db, slack, send_empty=False)

    assert second.status == "nothing"
    assert any("already posted" in note for note in second.notes)
    assert len(slack.posts) == 1
    assert Counter(d.status for d in deliveries(db)) == {"delivered": 3}
    assert digests(db)[0].status == "sent"


def test_long_digest_is_threaded_and_a_crash_mid_digest_is_recovered(
    db: Db, slack: SlackServer
) -> None:
    names = seed_many(db, 150)
    with pytest.raises(KeyboardInterrupt):
        deliver(db, slack, sender=crash_after_part_2(slack))
    parts_planned = len(digests(db)[0].blocks)
    assert parts_planned >= 3
    assert len(slack.posts) == 2

    # A run soon after leaves the unsettled digest alone: its owner might still be posting.
    soon = deliver(db, slack, send_empty=False, now=NOW + timedelta(minutes=5))
    assert soon.status == "nothing"
    assert len(slack.posts) == 2

    later = deliver(db, slack, now=NOW + timedelta(hours=2))
    assert later.status == "sent", later.error
    assert any("part 3" in note for note in later.notes)

    posted = [m for m in slack.posts]
    first_digest, second_digest = digests(db)[0], digests(db)[1]
    assert first_digest.status == "failed" and "never posted" in (first_digest.error or "")
    assert second_digest.status == "sent"
    # Parts 2.. of each digest are replies in the thread of its part 1.
    for digest in (first_digest, second_digest):
        mine = [m for m in posted if m.metadata["event_payload"]["digest_id"] == digest.id]
        assert mine[0].thread_ts is None
        assert all(m.thread_ts == mine[0].ts for m in mine[1:])
        assert [m.metadata["event_payload"]["part"] for m in mine] == list(range(1, len(mine) + 1))
    # Every event went out exactly once across both digests.
    text = "\n".join(b["text"]["text"] for m in posted for b in m.blocks if "text" in b)
    assert all(text.count(f"*{name}*") == 1 for name in names)
    assert pending_keys(db) == []
    assert Counter(d.status for d in deliveries(db)) == {"delivered": 150}


def test_failure_in_part_two_keeps_part_one_and_releases_the_rest(
    db: Db, slack: SlackServer
) -> None:
    seed_many(db, 150)
    slack.script("chat.postMessage", PASS, {"ok": False, "error": "msg_too_long"})

    outcome = deliver(db, slack)

    assert outcome.status == "failed" and "msg_too_long" in (outcome.error or "")
    assert outcome.messages == 1 and len(slack.posts) == 1
    part_one = {(d.item_type, d.item_key) for d in deliveries(db)}
    assert part_one and all(d.status == "delivered" for d in deliveries(db))
    assert outcome.events == len(part_one)
    assert len(pending_keys(db)) == 150 - len(part_one)
    assert not part_one & set(pending_keys(db))
    assert digests(db)[0].status == "failed"

    retry = deliver(db, slack)
    assert retry.status == "sent" and retry.events == 150 - len(part_one)
    assert pending_keys(db) == []


def test_items_claimed_by_a_concurrent_run_are_skipped(
    db: Db, slack: SlackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_basic(db)
    import pipelines.delivery.plans as plans

    real_collect = plans.collect_pending

    def collect_then_lose_one(session: Session, **kwargs: Any) -> Any:
        content = real_collect(session, **kwargs)
        # Another run claims the alliance between our read and our claim.
        with session_scope(db.factory) as other:
            rival = Digest(created_at=NOW, status="posting", channel=CHANNEL)
            other.add(rival)
            other.flush()
            other.add(
                Delivery(
                    item_type="event",
                    item_key="alliance:western-satellite-alliance",
                    digest_id=rival.id,
                )
            )
        return content

    monkeypatch.setattr(plans, "collect_pending", collect_then_lose_one)
    outcome = deliver(db, slack)

    assert outcome.status == "sent" and (outcome.events, outcome.articles) == (1, 1)
    assert "Western Satellite Alliance" not in all_posted_text(slack)
    assert "Smart China Expo 2026" in all_posted_text(slack)


def test_concurrent_deliveries_never_post_an_item_twice(db: Db, slack: SlackServer) -> None:
    names = seed_many(db, 90)
    barrier = threading.Barrier(3)
    outcomes: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        engine, factory = db.new_factory()
        try:
            barrier.wait()
            outcomes.append(
                deliver_digest(
                    factory,
                    sender=make_sender(slack),
                    channel=CHANNEL,
                    now=NOW,
                    send_empty=False,
                )
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(o.events for o in outcomes if o.status == "sent") == 90
    text = "\n".join(b["text"]["text"] for m in slack.posts for b in m.blocks if "text" in b)
    assert all(text.count(f"*{name}*") == 1 for name in names)
    assert pending_keys(db) == []
    with session_scope(db.factory) as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 90


def test_no_token_writes_a_preview_and_marks_nothing(
    db: Db, slack: SlackServer, tmp_path: Path
) -> None:
    seed_basic(db)
    path = tmp_path / "out" / "digest.json"

    outcome = deliver_digest(db.factory, sender=None, channel=CHANNEL, now=NOW, preview_path=path)

    assert outcome.status == "preview"
    assert outcome.blocks_path == path and outcome.setting == "SLACK_BOT_TOKEN"
    data = json.loads(path.read_text())
    assert isinstance(data, dict) and data["blocks"][0]["type"] == "header"
    assert "Smart China Expo 2026" in outcome.text and "OFFTOPIC" not in path.read_text()
    assert deliveries(db) == [] and digests(db) == [] and slack.requests == []
    assert len(pending_keys(db)) == 3

    seed_many(db, 150)
    many = preview_digest(db.factory, now=NOW, preview_path=path)
    data = json.loads(path.read_text())
    assert many.status == "preview" and isinstance(data, list) and len(data) == many.messages > 1
    assert all(set(p) == {"blocks"} for p in data)
    assert deliveries(db) == []


def test_send_alert_is_escaped_and_links(slack: SlackServer) -> None:
    sender = make_sender(slack)
    ts = send_alert(
        sender,
        CHANNEL,
        "crawl error on <!channel> page",
        step="crawl",
        link="https://dagster.example/runs/1",
    )
    [post] = slack.posts
    assert post.ts == ts
    block_text = post.blocks[0]["text"]["text"]
    assert "<!channel>" not in block_text and "&lt;!channel&gt;" in block_text
    assert "crawl failed" in block_text and "<https://dagster.example/runs/1|" in block_text
    assert "<!channel>" not in post.text


def test_channel_name_is_resolved_for_history(slack: SlackServer) -> None:
    sender = make_sender(slack)
    meta = {"event_type": "cqmonitor_digest", "event_payload": {"digest_id": 7, "part": 1}}
    ts = sender.post("#cqmonitor-digest", "hello", None, metadata=meta)
    fresh = make_sender(slack)
    assert fresh.find_posted("#cqmonitor-digest", 7, 1) == ts
    assert fresh.find_posted("#cqmonitor-digest", 7, 2) is None
    assert sender.auth_test()["bot_id"] == "B0CQMONITOR"


def test_bad_api_url_names_its_setting() -> None:
    with pytest.raises(SlackDeliveryError) as info:
        make_web_client("xoxb-x", base_url="slack.example/api")
    assert info.value.setting == "SLACK_API_URL"
    client = make_web_client("xoxb-x", base_url="http://127.0.0.1:9/api")
    assert client.base_url == "http://127.0.0.1:9/api/"


def test_unreachable_slack_is_a_clear_transient_failure(db: Db) -> None:
    seed_basic(db)
    sender = SlackSender(
        make_web_client("xoxb-x", base_url="http://127.0.0.1:9/api/", max_retries=1, backoff=0.01),
        post_attempts=2,
        backoff=0.01,
    )
    outcome = deliver_digest(db.factory, sender=sender, channel=CHANNEL, now=NOW)
    assert outcome.status == "failed"
    assert "cannot reach Slack" in (outcome.error or "")
    assert deliveries(db) == [] and len(pending_keys(db)) == 3


# --- unsettled digests never block, and are named --------------------------------------------


def test_a_short_channel_id_is_read_back_as_it_was_posted_to(db: Db) -> None:
    seed_basic(db)
    with SlackServer(channels={"C1X": "ops"}) as server:
        server.script("chat.postMessage", DROP)  # the reply is lost: history must be read
        outcome = deliver(db, server, channel="C1X")
        assert outcome.status == "sent", outcome.error
        assert len(server.posts) == 1
        assert server.calls("conversations.list") == []


def test_an_unsettled_digest_is_named_and_later_digests_go_out(db: Db, slack: SlackServer) -> None:
    seed_basic(db)
    slack.script("chat.postMessage", DROP)
    slack.fail_always("conversations.history", 500)
    assert deliver(db, slack).status == "failed"
    with session_scope(db.factory) as s:
        add_article(s, title="Talent housing grants widened", topics=("talent",))

    second = deliver(db, slack, now=NOW + timedelta(hours=1))

    assert second.status == "sent", second.error
    assert any(
        note.startswith("digest 1 part 1 of 1 is unsettled: Slack's history cannot be read")
        for note in second.notes
    ), second.notes
    assert len(slack.posts) == 2
    later_text = json.dumps(slack.posts[1].blocks)
    assert "Talent housing grants widened" in later_text and "Expo" not in later_text

    slack.clear_failures()
    third = deliver(db, slack, send_empty=False, now=NOW + timedelta(hours=2))
    assert third.status == "nothing"
    assert any("already posted" in note for note in third.notes)
    assert [d.status for d in digests(db)] == ["sent", "sent"]
    assert len(slack.posts) == 2


def test_a_digest_left_by_a_killed_run_is_named_then_settled_at_once(
    db: Db, slack: SlackServer
) -> None:
    seed_many(db, 150)
    with pytest.raises(KeyboardInterrupt):
        deliver(db, slack, sender=crash_after_part_2(slack))
    parts = len(digests(db)[0].blocks)

    # Its owner (this process) is alive: the digest is named, with when it is checked.
    soon = deliver(db, slack, send_empty=False, now=NOW + timedelta(minutes=5))
    assert soon.status == "nothing"
    # Part 2 reached Slack but the database never heard: it is the one left unsettled.
    assert soon.notes == (
        f"digest 1 part 2 of {parts} is unsettled (posting): checking Slack history at 01:30 UTC",
    )

    # The owner was a run that died: no wait for the digest to go stale.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with session_scope(db.factory) as s:
        s.execute(update(Digest).where(Digest.id == 1).values(pid=dead.pid))
    settled = deliver(db, slack, now=NOW + timedelta(minutes=6))
    assert settled.status == "sent", settled.error
    assert any("part 3" in note and "never posted" in note for note in settled.notes)
    assert Counter(d.status for d in deliveries(db)) == {"delivered": 150}
