"""The analysts' report: weekly charts, the period's events, the busiest topics and places.

Read from the report views (``pipelines.storage.reports``), rendered as self-contained HTML
and Markdown with matplotlib charts; no Dagster here (``dagster_project.report`` schedules it,
``cqmonitor report`` writes it on demand).
"""

from .charts import Charts, render_charts
from .content import CHART_WEEKS, Report, ReportPeriod, collect_report, iso_week, monday
from .files import HTML_NAME, MARKDOWN_NAME, ReportFiles, write_report
from .html import render_html
from .markdown import render_markdown, summary_lines

__all__ = [
    "CHART_WEEKS",
    "HTML_NAME",
    "MARKDOWN_NAME",
    "Charts",
    "Report",
    "ReportFiles",
    "ReportPeriod",
    "collect_report",
    "iso_week",
    "monday",
    "render_charts",
    "render_html",
    "render_markdown",
    "summary_lines",
    "write_report",
]
