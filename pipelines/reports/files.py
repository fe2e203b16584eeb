"""Write a report's files: ``report.html`` (self-contained), ``report.md`` and its charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from pipelines.digest import DigestLabels

from .charts import Charts, render_charts
from .content import Report, ReportPeriod, collect_report
from .html import render_html
from .markdown import ARTICLES_PNG, EVENTS_PNG, render_markdown

HTML_NAME = "report.html"
MARKDOWN_NAME = "report.md"
OVERVIEW_PNG = "overview.png"


@dataclass(frozen=True)
class ReportFiles:
    """What was written, and the report and charts it was made of."""

    report: Report
    charts: Charts
    html: Path
    markdown: Path
    overview: Path


def write_report(
    session: Session,
    labels: DigestLabels,
    period: ReportPeriod,
    out_dir: Path,
    *,
    now: datetime | None = None,
) -> ReportFiles:
    """Collect the report of ``period`` and write its files into ``out_dir`` (created)."""
    report = collect_report(session, labels, period, now=now)
    charts = render_charts(report)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / ARTICLES_PNG).write_bytes(charts.articles)
    (out_dir / EVENTS_PNG).write_bytes(charts.events)
    overview = out_dir / OVERVIEW_PNG
    overview.write_bytes(charts.overview)
    html = out_dir / HTML_NAME
    html.write_text(render_html(report, charts), encoding="utf-8")
    markdown = out_dir / MARKDOWN_NAME
    markdown.write_text(render_markdown(report), encoding="utf-8")
    return ReportFiles(
        report=report, charts=charts, html=html, markdown=markdown, overview=overview
    )
