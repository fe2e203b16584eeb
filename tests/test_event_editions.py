"""Each edition of an annual event is its own event, through ``cqmonitor run`` against the Slack
stand-in: four one-month window runs over a loopback copy holding the Smart China Expo 2024 and
2025 (2025 reported twice) and the Chongqing International Talent Exchange Conference 2023 and
2024 post every edition once, the two 2025 reports as one item, dates shown as dates; the
subscription's calendar round-trips through ``icalendar`` and a moved date keeps its UID."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site
from dagster_project.cli import execute, main
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.models import EventEdition
from pipelines.storage.reports import report_events
from tests.conftest import loopback_settings
from tests.helpers.editions import (
    EXPO_2024,
    EXPO_2025,
    TALENT_2023,
    TALENT_2024,
    WINDOWS,
    edition_stories,
    story,
)
from tests.slack_server import SlackServer

EDITIONS = (TALENT_2023, EXPO_2024, TALENT_2024, EXPO_2025)
EXPECTED_DAYS = {
    TALENT_2023: "Fri 17 Nov 2023",
    EXPO_2024: "Thu 22 - Sat 24 Aug 2024",
    TALENT_2024: "Fri 15 Nov 2024",
    EXPO_2025: "Thu 28 - Sun 31 Aug 2025",
}


def _rows(url: str, query) -> list:
    engine = make_engine(url)
    try:
        with session_scope(session_factory(engine)) as session:
            return list(session.execute(query).all())
    finally:
        engine.dispose()


def _posted(slack: SlackServer, start: int = 0) -> str:
    return "\n".join(m.text + "\n" + str(m.blocks) for m in slack.posts[start:])


def _calendar(tmp_path: Path, database_url: str, name: str) -> Calendar:
    out = tmp_path / name
    code = main(
        ["calendar", "--since", "2023-01-01", "--out", str(out), "--database-url", database_url]
    )
    assert code == 0
    return Calendar.from_ical(out.read_bytes())


def _vevents(cal: Calendar) -> dict[str, object]:
    return {str(v["summary"]): v for v in cal.walk("VEVENT")}


def test_four_window_runs_post_every_edition_once_and_the_calendar_follows(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    stories = edition_stories()
    with SiteServer(build_site(stories)) as site, SlackServer() as slack:
        settings = loopback_settings(site.url, database_url, tmp_path / "data", slack)
        for since, until, edition in WINDOWS:
            before = len(slack.posts)
            ok, metadata, reason = execute(settings, since=since, until=until)
            assert ok, reason
            text = _posted(slack, before)
            # Each run posts its own edition, with its days as dates; none of the others.
            assert edition in text, (since, text)
            assert EXPECTED_DAYS[edition] in text, (since, text)
            assert not [e for e in EDITIONS if e != edition and e in text], text
            assert "When:* Thursday" not in text and "When:* Friday" not in text
        everything = _posted(slack)
        for edition in EDITIONS:
            items = [m for m in slack.posts if edition in m.text]
            assert len(items) == 1, (edition, [m.text for m in items])
        # The two 2025 reports are one item, listing both with their publication days.
        (expo,) = [m for m in slack.posts if EXPO_2025 in m.text]
        blocks = str(expo.blocks)
        assert "*2 reports:*" in blocks
        assert "Thu 28 Aug 2025" in blocks and "Sat 30 Aug 2025" in blocks
        assert "Robotaxis Steal the Show" in blocks and "Opens in Chongqing" in blocks
        assert everything.count("Smart China Expo 2025") <= 1  # the second name is not an item

        # Analysts: one row per real event.
        rows = _rows(database_url, select(report_events))
        assert sorted(r.name for r in rows) == sorted(EDITIONS), [r.name for r in rows]
        by_name = {r.name: r for r in rows}
        assert by_name[EXPO_2025].articles == 2
        assert by_name[EXPO_2025].start_date == "2025-08-28"
        assert by_name[EXPO_2025].end_date == "2025-08-31"
        assert by_name[EXPO_2025].event_key != by_name[EXPO_2024].event_key
        assert by_name[EXPO_2024].organisers == "Chongqing Municipal People's Government"

        # Every run left the subscription's calendar; cqmonitor calendar writes one on demand.
        assert (tmp_path / "data" / "calendars" / "default.ics").exists()
        first = _vevents(_calendar(tmp_path, database_url, "before.ics"))
        assert set(first) == set(EDITIONS)
        expo_event = first[EXPO_2025]
        assert expo_event.decoded("dtstart") == date(2025, 8, 28)
        assert expo_event.decoded("dtend") == date(2025, 9, 1)  # exclusive: the day after
        assert int(expo_event.get("sequence", 0)) == 0
        assert "Chongqing International Expo Center" in str(expo_event["location"])
        assert "Robotaxis Steal the Show" in str(expo_event["description"])

        # A later report moves the 2025 expo: same UID, SEQUENCE raised, new days.
        moved = story(
            "E25C",
            "2025-08-31T10:00:00+08:00",
            "Smart China Expo Extended",
            [
                f"The {EXPO_2025} will be held from August 28 to September 2 at the Chongqing "
                "International Expo Center, its organisers said on Sunday, as intelligent "
                "connected vehicles drew record crowds.",
                "Autonomous driving test rides will run every day of the extended expo.",
            ],
        )
        site.set_pages(build_site([*stories, moved]))
        ok, _metadata, reason = execute(settings, since="2025-08-31", until="2025-08-31")
        assert ok, reason
        after = _vevents(_calendar(tmp_path, database_url, "after.ics"))
        assert set(after) == set(EDITIONS)
        assert str(after[EXPO_2025]["uid"]) == str(expo_event["uid"])
        assert after[EXPO_2025].decoded("dtend") == date(2025, 9, 3)
        assert int(after[EXPO_2025]["sequence"]) == 1
        # The others are untouched.
        for edition in (TALENT_2023, EXPO_2024, TALENT_2024):
            assert str(after[edition]["uid"]) == str(first[edition]["uid"])
            assert int(after[edition].get("sequence", 0)) == 0
        (row,) = _rows(
            database_url, select(EventEdition.sequence).where(EventEdition.name == EXPO_2025)
        )
        assert row.sequence == 1


def test_calendar_command_on_an_empty_database_and_a_bad_subscription(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    # A read-only command: no database, no calendar (exit 2, nothing created).
    assert main(["calendar", "--out", "-", "--database-url", sqlite_url]) == 2
    assert not (tmp_path / "cqmonitor.db").exists()
    capsys.readouterr()
    migrate(sqlite_url)
    assert main(["calendar", "--out", "-", "--database-url", sqlite_url]) == 0
    cal = Calendar.from_ical(capsys.readouterr().out)
    assert str(cal["version"]) == "2.0" and cal.walk("VEVENT") == []
    code = main(["calendar", "--subscription", "nobody", "--database-url", sqlite_url])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "nobody" in err[0], err
    assert main(["calendar", "--since", "2025-13-01", "--database-url", sqlite_url]) == 2
