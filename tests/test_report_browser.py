"""``cqmonitor report`` on the bundled copy of the site, looked at as a person would: the page
rendered in headless Chromium (Debian's), on a desktop and on a phone, with no request leaving
the file; its charts drawn (coloured bars, not a blank image) and its table listing the
period's events.

Screenshots land in ``test-output/report/``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
from PIL import Image

from dagster_project.cli import main
from pipelines.digest.mrkdwn import clean
from pipelines.reports import ReportPeriod
from pipelines.reports.charts import PALETTE
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.reports import events_reported
from tests.helpers.browser import CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "test-output" / "report"
DESKTOP = {"width": 1100, "height": 900}
PHONE = {"width": 390, "height": 844}
# The bundled copy's busiest ISO week (2025-W10), with its eight weeks of context.
WEEK = ("2025-03-03", "2025-03-09")
# A chart is drawn when at least this many pixels have one of the series' colours.
MIN_SERIES_PIXELS = 200


@dataclass
class Rendered:
    """What the browser showed of a report."""

    charts: list[bytes]
    natural_widths: list[int]
    tables: list[str]
    rows: int
    left_the_file: list[str]


def render(chromium: str, html: Path, screenshot: Path, viewport: dict[str, int]) -> Rendered:
    from playwright.sync_api import Route, sync_playwright

    left: list[str] = []

    def local_only(route: Route) -> None:
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            left.append(route.request.url)
            route.abort()

    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport=viewport)  # type: ignore[arg-type]
            page.route("**/*", local_only)
            page.goto(html.as_uri(), wait_until="load")
            page.screenshot(path=str(screenshot), full_page=True)
            images = page.locator("figure img")
            return Rendered(
                charts=[images.nth(i).screenshot() for i in range(images.count())],
                natural_widths=images.evaluate_all("els => els.map(e => e.naturalWidth)"),
                tables=page.locator("table.events").all_inner_texts(),
                rows=page.locator("table.events tbody tr").count(),
                left_the_file=left,
            )
        finally:
            browser.close()


def series_pixels(png: bytes) -> int:
    """Pixels of a chart's image drawn in one of the series' colours (bars), give or take."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)
    count = 0
    for colour in PALETTE[:3]:
        rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        count += int((np.abs(pixels - rgb).sum(axis=2) < 30).sum())
    return count


def write(database_url: str, out: Path, *period: str) -> Path:
    args = ["report", "--database-url", database_url, "--out", str(out)]
    if period:
        args += ["--since", period[0], "--until", period[1]]
    assert main(args) == 0
    return out / "report.html"


def test_the_weeks_report_shows_both_charts_and_lists_its_events(
    chromium: str, bundled_database: str, tmp_path: Path
) -> None:
    html = write(bundled_database, tmp_path / "week", *WEEK)
    shown = render(chromium, html, OUTPUT / "report-week.png", DESKTOP)
    assert not shown.left_the_file
    assert len(shown.charts) == 2
    assert all(width >= 1000 for width in shown.natural_widths)
    for chart in shown.charts:
        assert series_pixels(chart) >= MIN_SERIES_PIXELS

    engine = make_engine(bundled_database)
    period = ReportPeriod.of_days(*(date.fromisoformat(day) for day in WEEK))
    with session_scope(session_factory(engine)) as session:
        expected = [ev for ev in events_reported(session, period.span) if ev.on_topics]
    engine.dispose()
    assert expected, "the bundled week has events on the topics"
    listed = clean(" ".join(shown.tables))
    for event in expected:
        assert clean(event.name) in listed
    assert shown.rows == len(expected)


def test_the_default_report_on_a_phone(
    chromium: str, bundled_database: str, tmp_path: Path
) -> None:
    # No period: the eight weeks up to the newest stored article.
    html = write(bundled_database, tmp_path / "default")
    shown = render(chromium, html, OUTPUT / "report-phone.png", PHONE)
    assert not shown.left_the_file
    assert len(shown.charts) == 2
    # The phone gets the narrow drawing of each chart (larger type), not the wide one shrunk.
    assert all(width < 1000 for width in shown.natural_widths)
    for chart in shown.charts:
        assert series_pixels(chart) >= MIN_SERIES_PIXELS // 4


def test_the_default_report_on_a_desktop(
    chromium: str, bundled_database: str, tmp_path: Path
) -> None:
    html = write(bundled_database, tmp_path / "default")
    shown = render(chromium, html, OUTPUT / "report-default.png", DESKTOP)
    assert len(shown.charts) == 2
    for chart in shown.charts:
        assert series_pixels(chart) >= MIN_SERIES_PIXELS
