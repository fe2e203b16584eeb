"""Calendar feeds from ``cqmonitor serve``: the file a run wrote, read back by the icalendar
parser; ETag and Last-Modified make a poll with nothing new one 304 with no body; a feed with a
``calendar_token`` needs it, and a wrong one looks like no feed at all. Also the command itself
(``cqmonitor serve`` as a process, without any Slack setting) and the correction menu's limits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import icalendar
import pytest

from dagster_project.serve import ServeConfig, create_app
from pipelines.core.statuses import CorrectionKind, DigestItemType
from pipelines.digest import DigestArticle, DigestEvent, default_labels
from pipelines.digest.actions import (
    MAX_VALUE_CHARS,
    article_menu,
    decode_value,
    event_menu,
    item_ref,
    key_hash,
)
from pipelines.feeds import calendar_path
from pipelines.settings import Settings
from pipelines.storage.db import make_engine, migrate, session_factory
from tests.helpers.corrections_data import CALENDAR_TOKEN, service_settings
from tests.helpers.service import Client, free_port, running

PROJECT = Path(__file__).resolve().parents[1]


def write_calendar(path: Path, summary: str) -> bytes:
    """An iCalendar file as a run would write it (icalendar)."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//cqmonitor//calendar test//EN")
    cal.add("version", "2.0")
    event = icalendar.Event()
    event.add("uid", "conference-smart-china-expo-2025@cqmonitor")
    event.add("summary", summary)
    event.add("dtstart", date(2025, 8, 22))
    event.add("dtend", date(2025, 8, 26))
    event.add("location", "Chongqing International Expo Center")
    event.add("dtstamp", icalendar.vDatetime.from_ical("20251201T000000Z"))
    cal.add_component(event)
    data = cal.to_ical()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return data


@pytest.fixture
def feeds(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Client, Settings]]:
    settings = service_settings(sqlite_url, tmp_path, None)
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    config = ServeConfig(
        data_dir=settings.data_dir,
        factory=session_factory(engine),
        subscriptions=settings.subscriptions,
    )
    with running(create_app(config)) as base:
        client = Client(base)
        yield client, settings
        client.close()
    engine.dispose()


def test_a_calendar_is_served_and_a_poll_with_nothing_new_is_one_304(
    feeds: tuple[Client, Settings],
) -> None:
    client, settings = feeds
    written = write_calendar(calendar_path(settings.data_dir, "team-a"), "Smart China Expo 2025")
    first = client.request("GET", "/calendar/team-a.ics")
    assert first.status == 200 and first.body == written
    assert first.headers["content-type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(first.body)
    (event,) = parsed.walk("VEVENT")
    assert str(event["summary"]) == "Smart China Expo 2025"
    assert event.decoded("dtstart") == date(2025, 8, 22)
    etag, modified = first.headers["etag"], first.headers["last-modified"]

    again = client.request("GET", "/calendar/team-a.ics", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["etag"] == etag
    since = client.request("GET", "/calendar/team-a.ics", headers={"If-Modified-Since": modified})
    assert since.status == 304 and since.body == b""
    stale = client.request("GET", "/calendar/team-a.ics", headers={"If-None-Match": '"other"'})
    assert stale.status == 200 and stale.body == written
    head = client.request("HEAD", "/calendar/team-a.ics")
    assert head.status == 200 and head.headers["etag"] == etag

    # The next run writes a new calendar: a new ETag, the new content.
    time.sleep(0.01)
    newer = write_calendar(calendar_path(settings.data_dir, "team-a"), "Smart China Expo 2026")
    changed = client.request("GET", "/calendar/team-a.ics", headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.body == newer and changed.headers["etag"] != etag


def test_a_token_feed_needs_its_token_and_unknown_feeds_look_alike(
    feeds: tuple[Client, Settings],
) -> None:
    client, settings = feeds
    write_calendar(calendar_path(settings.data_dir, "private-desk"), "Private")
    nothing = client.request("GET", "/calendar/no-such-team.ics")
    assert nothing.status == 404
    for path in (
        "/calendar/private-desk.ics",
        "/calendar/private-desk.ics?token=wrong",
        f"/calendar/private-desk.ics?token={CALENDAR_TOKEN[:-1]}",
        "/calendar/..%2Fsubscriptions.ics",
    ):
        refused = client.request("GET", path)
        assert (refused.status, refused.body) == (404, nothing.body), path
    good = client.request("GET", f"/calendar/private-desk.ics?token={CALENDAR_TOKEN}")
    assert good.status == 200 and "private" in good.headers["cache-control"]
    assert icalendar.Calendar.from_ical(good.body).walk("VEVENT")
    # A known subscription whose run has not written a calendar yet: a one-line hint.
    missing = client.request("GET", "/calendar/team-b.ics")
    assert missing.status == 404 and b"cqmonitor run" in missing.body
    assert missing.body.count(b"\n") == 1
    health = client.request("GET", "/healthz")
    assert health.status == 200 and health.json()["status"] == "ok"
    assert CALENDAR_TOKEN.encode() not in health.body


def test_cqmonitor_serve_runs_without_slack_settings(tmp_path: Path) -> None:
    settings = service_settings(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path, None)
    write_calendar(calendar_path(tmp_path, "private-desk"), "Private")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CQMONITOR_"))}
    env.update(
        CQMONITOR_DATA_DIR=str(tmp_path),
        CQMONITOR_DATABASE_URL=settings.database_url,
        CQMONITOR_SUBSCRIPTIONS=settings.subscriptions_path,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster_project.cli", "serve", "--port", str(port)],
        cwd=PROJECT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        client = _wait_up(port, process)
        reply = client.request("GET", f"/calendar/private-desk.ics?token={CALENDAR_TOKEN}")
        assert reply.status == 200
        assert client.request("POST", "/slack/interactions", b"payload=%7B%7D").status == 401
        assert client.request("GET", "/healthz").json()["interactions"] is False
        client.close()
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "interactions off" in err
    assert CALENDAR_TOKEN not in err  # no access log line carries the token


def _wait_up(port: int, process: subprocess.Popen[Any]) -> Client:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.stderr.read() if process.stderr else "exited")
        try:
            client = Client(f"http://127.0.0.1:{port}")
            if client.request("GET", "/healthz").status == 200:
                return client
        except OSError:
            time.sleep(0.2)
    raise AssertionError("cqmonitor serve did not come up")


def test_menus_stay_within_block_kit_limits_and_round_trip() -> None:
    labels = default_labels()
    long_key = "conference:" + "very long event name " * 20
    ev = DigestEvent(kind="conference", name="x", key=long_key[len("conference:") :],
                     topics=("talent", "aerospace_information", "nev_icv"))  # fmt: skip
    options = event_menu(ev, labels)["options"]
    assert len(options) == 5
    assert all(len(o["value"]) <= MAX_VALUE_CHARS for o in options)
    assert all(len(o["text"]["text"]) <= 75 for o in options)
    texts = [o["text"]["text"] for o in options]
    assert texts[0] == "Not about Talent"
    assert texts[1].startswith("Not about Aerospace") and " or " in texts[1]
    decoded = [decode_value(o["value"]) for o in options]
    assert decoded[1].topics == ("aerospace_information", "nev_icv")
    assert all(d.ref == key_hash(long_key) for d in decoded)
    short = item_ref(CorrectionKind.NOT_EVENT, DigestItemType.EVENT, "conference:expo")
    assert decode_value(short.encode()) == short and not short.is_hashed
    art = article_menu(DigestArticle(url="https://x.test/a/", title="A", topics=()), labels)
    assert art is None


def test_alerts_carry_the_menu_and_reports_of_them_do_not() -> None:
    from pipelines.digest import DigestLink
    from pipelines.digest.alerts import Alert, build_alerts

    labels = default_labels()
    ev = DigestEvent(kind="alliance", name="Satellite Alliance", key="satellite alliance",
                     topics=("aerospace_information",))  # fmt: skip
    link = DigestLink(url="https://x.test/later/", title="Later")
    first, again = build_alerts([Alert(ev), Alert(ev, reply_to="1.2", report=link)], labels)
    menu = first.blocks[0]["accessory"]
    assert [o["text"]["text"] for o in menu["options"]] == [
        "Not about Aerospace information",
        "Not an event",
        "Wrong date or place",
        "Same event as ...",
    ]
    assert "accessory" not in again.blocks[0]


def test_a_calendar_token_is_checked_and_never_echoed(tmp_path: Path) -> None:
    from pipelines.subscriptions import SubscriptionError, load_subscriptions
    from pipelines.taxonomy import load_taxonomy

    path = tmp_path / "subs.yaml"
    path.write_text(
        "subscriptions:\n  - name: a\n    channel: C0AAAAAAA\n    calendar_token: short1\n"
    )
    with pytest.raises(SubscriptionError) as caught:
        load_subscriptions(path, load_taxonomy(), default_channel="")
    assert "calendar_token" in str(caught.value) and "short1" not in str(caught.value)
    path.write_text(f"subscriptions:\n  - name: a\n    channel: C0AAAAAAA\n"
                    f"    calendar_token: {CALENDAR_TOKEN}\n")  # fmt: skip
    (sub,) = load_subscriptions(path, load_taxonomy(), default_channel="")
    assert sub.calendar_token == CALENDAR_TOKEN and CALENDAR_TOKEN not in repr(sub)
