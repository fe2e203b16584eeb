"""The analysts' report from the report views, on SQLite and PostgreSQL: what it counts, how it
names topics (the taxonomy's labels), that page text is escaped, and ``cqmonitor report``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from dagster_project.cli import main
from dagster_project.cli.report import report_days
from pipelines.digest import DigestLabels
from pipelines.reports import (
    ReportPeriod,
    collect_report,
    render_charts,
    render_html,
    render_markdown,
    summary_lines,
)
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.taxonomy import load_taxonomy
from tests.helpers.report_data import HOSTILE, seed

WEEK_10 = ReportPeriod.of_days(date(2025, 3, 3), date(2025, 3, 9))
WEEK_11 = ReportPeriod.of_days(date(2025, 3, 10), date(2025, 3, 16))
NOW = datetime(2025, 3, 17, 0, 0, tzinfo=UTC)


@pytest.fixture
def labels() -> DigestLabels:
    return DigestLabels.from_taxonomy(load_taxonomy())


@pytest.fixture
def session(report_session: Session) -> Session:
    return report_session


def test_a_week_counts_its_topic_articles_and_their_events(
    session: Session, labels: DigestLabels
) -> None:
    report = collect_report(session, labels, WEEK_11, now=NOW)
    # The near-midnight article (10 Mar 00:30 CST) belongs to week 11, with the next one.
    assert report.articles == report.articles_on_topics == 2
    assert {(ev.kind, ev.name) for ev in report.events} == {
        ("conference", "2025 Chongqing Talent Conference"),
        ("alliance", f"NEV Battery Alliance {HOSTILE}"),
    }
    assert report.kinds == ("conference", "alliance")
    talent = next(s for s in report.articles_by_topic if s.key == "talent")
    assert talent.label == "Talent"
    assert len(talent.values) == len(report.weeks) == 8
    assert talent.values[-1] == 2
    conferences = next(s for s in report.events_by_kind if s.key == "conference")
    assert conferences.values[-1] == 1
    assert report.topics[0].name == "Talent"
    assert (report.topics[0].articles, report.topics[0].events) == (2, 2)
    assert report.places[0].name in {"Chongqing", "Liangjiang New Area"}


def test_events_of_articles_on_no_topic_are_counted_not_listed(
    session: Session, labels: DigestLabels
) -> None:
    report = collect_report(session, labels, WEEK_10, now=NOW)
    assert report.articles == 2
    assert report.articles_on_topics == 1
    assert report.events == ()
    assert report.other_events == 1
    lines = summary_lines(report)
    assert len(lines) == 3
    assert lines[0].startswith("cqmonitor report · 3–9 Mar 2025 (2025-W10)")
    assert lines[1] == "2 articles, 1 on the topics: Aerospace information 1"
    assert lines[2] == "No event on the topics"


def test_labels_come_from_the_taxonomy(session: Session) -> None:
    labels = DigestLabels(
        topics=(("nev_icv", "Cars of the future"), ("talent", "People")),
        kinds=("alliance", "conference"),
    )
    report = collect_report(session, labels, WEEK_11, now=NOW)
    page = render_html(report, render_charts(report))
    assert "People" in page and "Cars of the future" in page
    # The taxonomy's order: alliances before conferences.
    assert page.index("Alliances") < page.index("Conferences")
    assert [s.label for s in report.articles_by_topic][:2] == ["Cars of the future", "People"]
    # A topic the data has but this taxonomy does not is still shown, by its key.
    assert "aerospace_information" in {s.key for s in report.articles_by_topic}


def test_page_text_is_escaped_and_the_page_needs_nothing_outside(
    session: Session, labels: DigestLabels
) -> None:
    report = collect_report(session, labels, WEEK_11, now=NOW)
    page = render_html(report, render_charts(report))
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<script" not in page.lower()
    # Every resource is inline: no src or href leaves the file except the articles' links.
    sources = re.findall(r'\bsrc(?:set)?="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(h.startswith("https://www.ichongqing.info/") for h in hrefs)

    markdown = render_markdown(report)
    assert re.search(r"(?<!\\)<img", markdown) is None
    assert r"\<img src=x onerror=alert(1)\> \| \*pipe\*" in markdown
    for line in markdown.splitlines():
        if line.startswith("| [NEV"):
            # Escaped pipes do not add cells: six columns, seven bars.
            assert len(re.findall(r"(?<!\\)\|", line)) == 7


def test_report_days_defaults() -> None:
    newest, today = date(2025, 10, 19), date(2026, 1, 5)
    assert report_days(None, None, newest=newest, today=today) == (
        date(2025, 8, 25),
        date(2025, 10, 19),
    )
    assert report_days(None, None, newest=None, today=today)[1] == today
    assert report_days(date(2025, 12, 1), None, newest=newest, today=today) == (
        date(2025, 12, 1),
        today,
    )
    with pytest.raises(ValueError, match="before --since"):
        report_days(date(2025, 3, 10), date(2025, 3, 1), newest=newest, today=today)


def test_cqmonitor_report_writes_the_files(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        seed(session)
    engine.dispose()
    out = tmp_path / "out"
    code = main(
        ["report", "--database-url", database_url, "--since", "2025-03-10", "--until",
         "2025-03-16", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 articles, 2 on the topics" in printed
    assert {p.name for p in out.iterdir()} >= {"report.html", "report.md", "overview.png"}
    assert "Chongqing Talent Conference" in (out / "report.html").read_text(encoding="utf-8")
    assert (out / "articles-per-week.png").read_bytes().startswith(b"\x89PNG")


def test_cqmonitor_report_refuses_a_bad_date_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert main(["report", "--database-url", url, "--since", "2025-02-30"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "cqmonitor: report: --since: not a date (YYYY-MM-DD): '2025-02-30'; fix it and run again"
    ]
    assert not (tmp_path / "x.db").exists()
