"""Sub-events and one item per real event, and the "event changed" alert, through ``cqmonitor
run`` (and the instant poll) against the Slack stand-in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site
from dagster_project.cli import execute
from dagster_project.cli.execute import execute_poll
from pipelines.core.days import event_days
from pipelines.core.instants import CST
from pipelines.delivery.pending import collect_pending
from pipelines.digest import build_digest
from pipelines.events import ExtractedEvent
from pipelines.events.editions import merge_parts
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.decisions import replace_events
from pipelines.storage.editions import sync_editions
from pipelines.storage.models import Article, ArticleTopic, EventEdition
from tests.conftest import loopback_settings
from tests.helpers.editions import story
from tests.slack_server import SlackServer

FORUM = "Low-Altitude Economy Talent Forum"
UMBRELLA = "2025 Western China Talent Conference"


def extracted(name: str, **slots: object) -> ExtractedEvent:
    from pipelines.events.keys import event_key

    values: dict[str, object] = {
        "date_text": None,
        "start_date": None,
        "end_date": None,
        "place": None,
        "organisers": (),
        "proposers": (),
        "summary": "",
        "evidence": "",
    }
    values.update(slots)
    return ExtractedEvent(kind="conference", name=name, key=event_key(name), **values)  # type: ignore[arg-type]


def test_parts_of_one_event_merge_and_a_sub_event_stays_its_own() -> None:
    joint = extracted("Joint Conference on Talent Coordinated Development", place="Chengdu")
    meeting = extracted("first meeting of the Joint Conference", start_date=date(2025, 8, 26))
    (one,) = merge_parts([meeting, joint])
    assert one.name == joint.name
    assert (one.place, one.start_date) == ("Chengdu", date(2025, 8, 26))
    forum = extracted(f"{FORUM}", parent=UMBRELLA)
    umbrella = extracted(UMBRELLA)
    assert [e.name for e in merge_parts([forum, umbrella])] == [FORUM, UMBRELLA]
    # Two editions named in one story stay two.
    two = merge_parts([extracted("2024 Smart China Expo"), extracted("2025 Smart China Expo")])
    assert len(two) == 2


def test_a_sub_event_links_its_umbrella_in_storage_and_in_the_digest(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    published = datetime(2025, 8, 30, 2, tzinfo=UTC)
    with session_scope(session_factory(engine)) as session:
        article = Article(
            url="https://www.ichongqing.info/2025/08/30/forum/",
            title="Talent forum",
            author="",
            published_at=published,
            body_text="x",
            content_hash="x",
            categories=[],
            tags=[],
            extraction={},
        )
        session.add(article)
        session.flush()
        session.add(ArticleTopic(article_id=article.id, topic="talent", score=1.0, evidence=[]))
        touched: set[tuple[str, str]] = set()
        forum = extracted(
            FORUM,
            parent=UMBRELLA,
            start_date=date(2025, 8, 29),
            end_date=date(2025, 8, 29),
            venue="Yuelai International Convention Center",
            city="Liangjiang New Area",
            proposers=("Li Ming",),
            proposer_roles=("NPC deputy",),
        )
        replace_events(session, article, [forum, extracted(UMBRELLA)], "v", touched=touched)
        session.flush()
        sync_editions(session, touched, published)
        rows = {e.name: e for e in session.scalars(select(EventEdition))}
        assert rows[FORUM].parent_key == rows[UMBRELLA].event_key
        assert rows[FORUM].parent_name == UMBRELLA
        assert rows[FORUM].proposers == [{"name": "Li Ming", "role": "NPC deputy"}]
        content = collect_pending(session, now=published)
        text = str([m.blocks for m in build_digest(content)])
    engine.dispose()
    assert f"*{FORUM}* (part of {UMBRELLA})" in text
    assert "Yuelai International Convention Center, Liangjiang New Area" in text
    assert "Li Ming (NPC deputy)" in text
    assert "Fri 29 Aug 2025" in text


def test_joint_conference_parts_are_one_item_through_a_run(tmp_path: Path, sqlite_url: str) -> None:
    joint = story(
        "JC1",
        "2025-08-27T10:00:00+08:00",
        "Chongqing and Sichuan Join Hands on Talent",
        [
            "Chongqing and Sichuan held the first meeting of the Joint Conference on Talent "
            "Coordinated Development in Chengdu, pledging to share high-level talent.",
            "The Joint Conference on Talent Coordinated Development will meet every year to "
            "share talent policies and recruit young talent, officials said.",
        ],
    )
    with SiteServer(build_site([joint])) as site, SlackServer() as slack:
        settings = loopback_settings(site.url, sqlite_url, tmp_path / "data", slack)
        ok, _metadata, reason = execute(settings, since="2025-08-27", until="2025-08-27")
        assert ok, reason
        blocks = str([m.blocks for m in slack.posts])
    # One item (its name in bold once), not a second one for "first meeting of the ...".
    assert blocks.count("*Joint Conference") == 1, blocks
    assert "*Conferences* (1)" in blocks and "meeting of the Joint Conference*" not in blocks


ALERTS = {"name": "now", "channel": "C0ALERT001", "kinds": ["conference"], "delivery": "instant"}
NAME = "2027 Chongqing Low-Altitude Economy Talent Conference"


def _announcement(story_id: str, published: datetime, days: str, said: str) -> dict:
    return story(
        story_id,
        published.replace(microsecond=0).isoformat(),
        f"Low-Altitude Talent Conference {said}",
        [
            f"The {NAME} will be held from {days}, 2027 at the Yuelai International Convention "
            f"Center, its organisers said. Drone makers will recruit high-level talent there.",
            "More than 300 employers will offer jobs to young talent in the low-altitude economy.",
        ],
    )


def test_a_moved_upcoming_event_gets_a_change_reply_in_its_thread(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = tmp_path / "subscriptions.yaml"
    path.write_text(yaml.safe_dump({"subscriptions": [ALERTS]}), encoding="utf-8")
    now = datetime.now(UTC).astimezone(CST)
    first = _announcement("AL1", now - timedelta(days=2), "March 17 to 19", "Announced")
    moved = _announcement("AL2", now - timedelta(minutes=30), "April 14 to 16", "Moved")
    with (
        SiteServer(build_site([first])) as site,
        SlackServer(channels={"C0ALERT001": "alerts"}) as slack,
    ):
        settings = replace(
            loopback_settings(site.url, sqlite_url, tmp_path / "data", slack),
            subscriptions_path=str(path),
        )
        day = (now - timedelta(days=2)).date().isoformat()
        ok, _metadata, reason = execute(settings, since=day, until=day)
        assert ok, reason
        (alert,) = slack.posts
        was = event_days("2027-03-17", "2027-03-19")
        assert alert.text == f"New conference: {NAME}"
        assert was in str(alert.blocks)

        site.set_pages(build_site([first, moved]))
        result = execute_poll(settings)
        assert result.success
        replies = slack.posts[1:]
        assert all(r.thread_ts == alert.ts for r in replies), [r.text for r in replies]
        changed = [r for r in replies if "changed" in r.text]
        assert len(changed) == 1, [r.text for r in replies]
        body = str(changed[0].blocks)
        assert event_days("2027-04-14", "2027-04-16") in body and f"was {was}" in body

        # Another poll: the change was told once.
        execute_poll(settings)
        assert len([r for r in slack.posts if "changed" in r.text]) == 1
