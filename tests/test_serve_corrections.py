"""Readers' corrections end to end: the real service (uvicorn on loopback) driven by signed
payloads shaped like Slack's, a digest posted through slack-sdk to the local Slack stand-in,
on SQLite and PostgreSQL. Each correction kind is recorded, applied at once, updates the
message, shows in the next digest and the report, survives a reclassification and is exported
as a label."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from dagster_project.cli import main
from dagster_project.serve import build_config, create_app
from pipelines.analysis import classify_pending, extract_pending
from pipelines.delivery import collect_pending, deliver_digest
from pipelines.digest import build_digest, default_labels
from pipelines.evaluation import load_labeled
from pipelines.reports import ReportPeriod
from pipelines.reports.content import collect_report
from pipelines.reports.markdown import render_markdown
from pipelines.slack import SlackSender, make_web_client
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.decisions import forget_decisions
from pipelines.storage.models import Article, ArticleTopic, Correction, Event
from pipelines.subscriptions import Subscription
from pipelines.taxonomy import load_taxonomy
from tests.helpers.corrections_data import seed_copy, service_settings
from tests.helpers.service import (
    SECRET,
    Client,
    block_actions,
    menu_blocks,
    option,
    running,
    view_submission,
)
from tests.slack_server import Message, SlackServer

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
# Item keys: kind, series and edition (the year the bundled copy reports them in).
ROBOTAXI = "proposal:proposal on regulating robotaxi service"
HOUSING = "new-policy-offers-housing-and-lab-funds-to-returning-scientists"
TALENT_FORUM = "conference:low altitude economy talent forum|2024"
AUTO_FORUM = "conference:china auto chongqing forum|2025"
ICV_FORUM = "conference:intelligent connected vehicle forum|2024"
SUMMIT = "conference:western china intelligent vehicle summit|2024"


@dataclass
class World:
    url: str
    base: str
    slack: SlackServer
    factory: sessionmaker[Session]
    subs: dict[str, Subscription]
    client: Client


def wait_for(check: Callable[[], Any], what: str, timeout: float = 10) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def world(
    database_url: str, bundled_database: str, slack: SlackServer, tmp_path: Path
) -> Iterator[World]:
    assert seed_copy(bundled_database, database_url) > 30
    slack.channels["C0DIGEST2"] = "team-b"
    settings = service_settings(database_url, tmp_path, slack, slack_signing_secret=SECRET)
    subs = {s.name: s for s in settings.subscriptions()}
    engine = make_engine(database_url)
    factory = session_factory(engine)
    sender = SlackSender(make_web_client(slack.token, base_url=slack.url), backoff=0.01)
    outcome = deliver_digest(factory, sender=sender, subscription=subs["team-a"], now=NOW)
    assert outcome.status == "sent", outcome
    config = build_config(settings)
    with running(create_app(config)) as base:
        client = Client(base)
        yield World(database_url, base, slack, factory, subs, client)
        client.close()
    engine.dispose()


def item_block(world: World, key: str) -> tuple[Message, dict[str, Any]]:
    """The posted message and block whose menu is about ``key`` (an item key or a URL part)."""
    for message in world.slack.posts:
        for block in menu_blocks(message):
            values = [o["value"] for o in block["accessory"]["options"]]
            if any(v.endswith(key) or key in v for v in values):
                return message, block
    raise AssertionError(f"no menu for {key}")


def pick(world: World, key: str, starts: str, **kwargs: Any) -> tuple[int, Message]:
    message, block = item_block(world, key)
    payload = block_actions(message, block, option(block, starts), **kwargs)
    return world.client.post_signed(payload).status, message


def notes(message: Message) -> list[str]:
    return [
        e["text"]
        for b in message.blocks or ()
        if b["type"] == "context"
        for e in b["elements"]
        if "by <@" in e["text"]
    ]


def corrections(world: World) -> list[Correction]:
    with session_scope(world.factory) as session:
        rows = list(session.scalars(select(Correction).order_by(Correction.id)))
        session.expunge_all()
    return rows


def submit_modal(world: World, values: dict[str, Any]) -> int:
    view = wait_for(lambda: world.slack.views, "views.open")[-1]["view"]
    world.slack.views.clear()
    return world.client.post_signed(view_submission(view, values)).status


def test_each_correction_kind_applies_everywhere(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slack = world.slack
    # "Not an event", answered through the interaction's response_url.
    message, _ = item_block(world, ROBOTAXI)
    status, message = pick(
        world,
        ROBOTAXI,
        "Not an event",
        response_url=slack.response_url(message.channel, message.ts),
    )
    assert status == 200
    wait_for(lambda: notes(slack.message(message.ts)), "the message updated")
    assert "marked not an event by <@U0ANA>" in " ".join(notes(slack.message(message.ts)))

    # "Not about Talent" of a talent-only article, and of an event on two topics.
    assert pick(world, HOUSING, "Not about Talent")[0] == 200
    assert pick(world, TALENT_FORUM, "Not about Talent")[0] == 200
    wait_for(lambda: len(slack.calls("chat.update")) >= 2, "chat.update of both")

    # "Wrong date or place": a modal (views.open), then its submission.
    assert pick(world, AUTO_FORUM, "Wrong date or place")[0] == 200
    view = wait_for(lambda: world.slack.views, "views.open")[-1]["view"]
    assert view["blocks"][3]["element"].get("initial_value") is None  # no place stored
    backwards = {
        "start": {"date": {"type": "datepicker", "selected_date": "2025-06-15"}},
        "end": {"date": {"type": "datepicker", "selected_date": "2025-06-13"}},
    }
    refused = world.client.post_signed(view_submission(view, backwards))
    assert refused.status == 200 and refused.json()["response_action"] == "errors"
    assert "before the start" in refused.json()["errors"]["start"]
    assert corrections(world) and len(corrections(world)) == 3
    status = submit_modal(
        world,
        {
            "start": {"date": {"type": "datepicker", "selected_date": "2025-06-13"}},
            "end": {"date": {"type": "datepicker", "selected_date": "2025-06-15"}},
            "place": {"text": {"type": "plain_text_input", "value": "Yuelai Expo Center"}},
        },
    )
    assert status == 200
    message, _ = item_block(world, AUTO_FORUM)
    wait_for(
        lambda: any("corrected to" in n for n in notes(slack.message(message.ts))),
        "the slots note",
    )

    # "Same event as ...": the modal lists the kind's events; pick the summit.
    assert pick(world, ICV_FORUM, "Same event as")[0] == 200
    view = wait_for(lambda: world.slack.views, "views.open")[-1]["view"]
    select_options = view["blocks"][1]["element"]["options"]
    summit = next(o for o in select_options if "summit" in o["text"]["text"].lower())
    assert all(len(o["value"]) <= 150 for o in select_options)
    status = submit_modal(
        world, {"target": {"event": {"type": "static_select", "selected_option": summit}}}
    )
    assert status == 200

    rows = corrections(world)
    assert [r.kind for r in rows] == [
        "not_event",
        "not_topic",
        "not_topic",
        "wrong_slots",
        "same_event",
    ]
    assert all(r.user_id == "U0ANA" and r.user_name == "ana" for r in rows)
    assert rows[3].before["place"] != rows[3].after["place"] == "Yuelai Expo Center"
    assert rows[4].after["item_key"] == SUMMIT

    check_applied(world.factory)
    check_next_digest(world)
    check_report(world.factory)
    check_export(world, tmp_path)
    exported = len(json.loads((tmp_path / "corrections.json").read_text()))
    assert f"Evaluation of {exported} labeled articles" in capsys.readouterr().out

    # A reclassification recomputes every decision, and keeps what readers corrected.
    taxonomy = load_taxonomy()
    with session_scope(world.factory) as session:
        forget_decisions(session)
        classify_pending(session, taxonomy)
        extract_pending(session, taxonomy)
    check_applied(world.factory)


def _event_rows(session: Session, item_key: str) -> list[Event]:
    kind, key = item_key.split(":", 1)
    return list(session.scalars(select(Event).where(Event.kind == kind, Event.event_key == key)))


def check_applied(factory: sessionmaker[Session]) -> None:
    with session_scope(factory) as session:
        assert _event_rows(session, ROBOTAXI) == []
        housing = session.scalar(select(Article).where(Article.url.contains(HOUSING)))
        assert housing is not None
        topics = session.scalars(
            select(ArticleTopic.topic).where(ArticleTopic.article_id == housing.id)
        )
        assert "talent" not in set(topics)
        auto = _event_rows(session, AUTO_FORUM)
        assert auto and all(
            (e.start_date, e.end_date, e.place)
            == ("2025-06-13", "2025-06-15", "Yuelai Expo Center")
            for e in auto
        )
        assert _event_rows(session, ICV_FORUM) == []
        assert len({e.article_id for e in _event_rows(session, SUMMIT)}) == 2


def check_next_digest(world: World) -> None:
    """team-b has had nothing yet: its next digest shows the items as corrected."""
    with session_scope(world.factory) as session:
        content = collect_pending(session, now=NOW, subscription=world.subs["team-b"])
    events = {ev.item_key: ev for ev in content.events}
    assert ROBOTAXI not in events and ICV_FORUM not in events
    assert len(events[SUMMIT].links) == 2
    assert events[TALENT_FORUM].topics == ("aerospace_information",)
    auto = events[AUTO_FORUM]
    assert (auto.start_date, auto.end_date, auto.place) == (
        "2025-06-13",
        "2025-06-15",
        "Yuelai Expo Center",
    )
    assert all(HOUSING not in a.url for a in content.other_articles)
    text = json.dumps([m.blocks for m in build_digest(content)])
    assert "Date and place corrected by a reader (ana" in text
    assert "Yuelai Expo Center" in text


def check_report(factory: sessionmaker[Session]) -> None:
    labels = default_labels()
    period = ReportPeriod.of_days(date(2024, 1, 1), date(2025, 12, 31))
    with session_scope(factory) as session:
        report = collect_report(session, labels, period, now=NOW)
    names = {ev.name.lower() for ev in report.events}
    assert "proposal on regulating robotaxi service" not in names
    assert not any(n == "intelligent connected vehicle forum" for n in names)
    summit = next(ev for ev in report.events if "summit" in ev.name.lower())
    assert summit.articles == 2
    corrected = {(r.group, r.key): r for r in report.corrected}
    assert corrected[("kind", "conference")].corrected == 3  # talent forum, auto forum, ICV
    assert corrected[("kind", "proposal")].corrected == 1
    assert corrected[("topic", "talent")].corrected == 2
    assert 0 < (corrected[("topic", "talent")].precision or 0) < 1
    markdown = render_markdown(report)
    assert "## Corrected by readers" in markdown and "Precision (field)" in markdown


def check_export(world: World, tmp_path: Path) -> None:
    out = tmp_path / "corrections.json"
    env = pytest.MonkeyPatch()
    env.setenv("CQMONITOR_DATABASE_URL", world.url)
    env.setenv("CQMONITOR_DATA_DIR", str(tmp_path))
    try:
        assert main(["corrections", "--export", str(out)]) == 0
        # cqmonitor evaluate takes them as labeled data.
        assert main(["evaluate", "--corrections"]) == 0
    finally:
        env.undo()
    labeled = {a.doc.title: a for a in load_labeled([out])}
    assert len(labeled) >= 5
    # The acceptance model's training takes them beside the project's own sets.
    from pipelines.events.train import DEFAULT_DATA, train

    model = train([DEFAULT_DATA, out])
    own = len(load_labeled([DEFAULT_DATA]))
    assert model.trained_on.startswith(f"{own + len(load_labeled([out]))} articles of ")
    records = json.loads(out.read_text())
    by_url = {r["source_url"]: r for r in records}
    housing = next(r for url, r in by_url.items() if HOUSING in url)
    assert "talent" not in housing["labels"]["topics"]
    auto = next(
        ev
        for r in records
        for ev in r["labels"]["events"]
        if ev["name"].lower() == "china auto chongqing forum"
    )
    assert auto["date"] == "2025-06-13/2025-06-15" and auto["place"] == "Yuelai Expo Center"
    assert not any(
        ev["name"].lower() == "proposal on regulating robotaxi service"
        for r in records
        for ev in r["labels"]["events"]
    )


def test_migration_0009_goes_up_and_down(database_url: str) -> None:
    from sqlalchemy import inspect

    from pipelines.storage.db import downgrade, migrate

    migrate(database_url)
    engine = make_engine(database_url)
    columns = {c["name"] for c in inspect(engine).get_columns("corrections")}
    assert {"created_at", "kind", "item_type", "item_key", "before", "after", "user_id"} <= columns
    engine.dispose()
    downgrade(database_url, "0005")
    engine = make_engine(database_url)
    assert "corrections" not in inspect(engine).get_table_names()
    assert "events" in inspect(engine).get_table_names()
    engine.dispose()
    migrate(database_url)
    engine = make_engine(database_url)
    assert "corrections" in inspect(engine).get_table_names()
    engine.dispose()
