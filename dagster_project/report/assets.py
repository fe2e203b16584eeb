"""The weekly report for analysts: written to files, shown in the Dagster UI, posted to Slack."""

import base64
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg

from pipelines.digest import DigestLabels
from pipelines.reports import ReportFiles, ReportPeriod, iso_week, summary_lines, write_report
from pipelines.reports.markdown import md
from pipelines.reports.slack import PostedChart, post_report_chart
from pipelines.slack import SlackDeliveryError

from ..partitions import report_weeks
from ..resources import DatabaseResource, ReportResource, SlackResource, TaxonomyResource


def weekly_report_channels(slack: SlackResource) -> list[str]:
    """The channels the weekly report goes to: those of the subscriptions that set
    ``weekly_report: true`` (without a subscriptions file, the default one: the digest channel)."""
    return [channel for channel in dict.fromkeys(slack.weekly_report_channels) if channel]


def _table(
    columns: Sequence[tuple[str, str]], rows: Sequence[tuple[object, ...]]
) -> dg.TableMetadataValue:
    """A table for the UI: ``columns`` are (name, type) pairs, ``rows`` their values."""
    schema = dg.TableSchema(columns=[dg.TableColumn(name, kind) for name, kind in columns])
    records = [dg.TableRecord(dict(zip((n for n, _ in columns), row, strict=True))) for row in rows]
    return dg.MetadataValue.table(records=records, schema=schema)


def report_metadata(files: ReportFiles, posted: Sequence[PostedChart]) -> dict[str, object]:
    """What the Dagster UI shows of a report: its chart (Markdown renders a data: image),
    summary, tables by topic and by kind, and where its files are."""
    report = files.report
    chart = base64.b64encode(files.charts.overview).decode("ascii")
    labels = report.labels
    kinds = dict(report.event_counts())
    # Every kind of the taxonomy (0 when none), then any only the data has (an older taxonomy).
    order = [*labels.kinds, *(k for k in kinds if k not in labels.kinds)]
    return {
        "chart": dg.MetadataValue.md(
            f"![Articles and events per week](data:image/png;base64,{chart})"
        ),
        "summary": dg.MetadataValue.md(
            "\n".join(f"- {md(line)}" for line in summary_lines(report))
        ),
        "topics": _table(
            [("topic", "string"), ("articles", "int"), ("events", "int")],
            [(r.name, r.articles, r.events) for r in report.topics],
        ),
        "events_by_kind": _table(
            [("kind", "string"), ("events", "int")],
            [(labels.heading(k), kinds.get(k, 0)) for k in order],
        ),
        "articles": report.articles,
        "articles_on_topics": report.articles_on_topics,
        "events": len(report.events),
        "report": dg.MetadataValue.path(str(files.html)),
        "markdown": dg.MetadataValue.path(str(files.markdown)),
        "posted_to": ", ".join(p.channel for p in posted) or "-",
    }


@dg.asset(
    group_name="report",
    kinds={"html", "slack"},
    partitions_def=report_weeks,
    deps=["article_topics", "events"],
)
def weekly_report(
    context: dg.AssetExecutionContext,
    database: DatabaseResource,
    taxonomy: TaxonomyResource,
    slack: SlackResource,
    reports: ReportResource,
) -> dg.MaterializeResult:
    """The week's report for analysts (charts, events, busiest topics and places), to Slack."""
    window = context.partition_time_window
    first, last = window.start.date(), (window.end - timedelta(days=1)).date()
    period = ReportPeriod.of_days(first, last, chart_weeks=reports.chart_weeks)
    labels = DigestLabels.from_taxonomy(taxonomy.load())
    out_dir = Path(reports.out_dir) / iso_week(first)
    with database.session() as session:
        files = write_report(session, labels, period, out_dir, now=datetime.now(UTC))
    context.log.info(f"weekly report {iso_week(first)} written to {files.html}")
    summary = summary_lines(files.report)
    posted: list[PostedChart] = []
    channels = weekly_report_channels(slack)
    if not slack.token:
        context.log.info("no SLACK_BOT_TOKEN: the weekly report is not posted")
    elif not channels:
        context.log.info("no channel for the weekly report: it is not posted")
    else:
        try:
            posted = post_report_chart(
                slack.token,
                channels,
                chart=files.charts.overview,
                filename=f"cqmonitor-report-{iso_week(first)}.png",
                title=summary[0],
                summary=summary,
                base_url=slack.api_url or None,
            )
        except SlackDeliveryError as exc:
            raise dg.Failure(
                description=f"weekly report written to {files.html} but not posted: {exc}",
                metadata=report_metadata(files, posted),
            ) from exc
    return dg.MaterializeResult(metadata=report_metadata(files, posted))
