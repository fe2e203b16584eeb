"""The report as Markdown (``report.md``, its charts as PNG files beside it) and its three-line
summary (Slack, the Dagster UI, the command's output).

Text from web pages is escaped for Markdown, so a title cannot break a table, open a link or
inject HTML.
"""

from __future__ import annotations

import re

from pipelines.core.instants import CST
from pipelines.digest.mrkdwn import clean, fmt_day

from .content import Ranked, Report, reported_day
from .html import TITLE, safe_href, when, where

ARTICLES_PNG = "articles-per-week.png"
EVENTS_PNG = "events-per-week.png"
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#|~])")


def md(text: object) -> str:
    """``text`` on one line, with Markdown's punctuation escaped."""
    return _SPECIAL.sub(r"\\\1", clean(str(text)))


def _link(url: str | None, label: str) -> str:
    href = safe_href(url)
    if href is None or any(ch in href for ch in "<> "):
        return md(label)
    return f"[{md(label)}](<{href}>)"


def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def summary_lines(report: Report) -> list[str]:
    """Three lines: the period; its articles by topic; its events by kind and busiest place."""
    labels = report.labels
    first = f"{TITLE} · {report.period.describe()} ({report.period.weeks_label()})"
    by_topic = ", ".join(f"{r.name} {r.articles}" for r in report.topics if r.articles)
    second = (
        f"{_plural(report.articles, 'article', 'articles')}, "
        f"{report.articles_on_topics} on the topics" + (f": {by_topic}" if by_topic else "")
    )
    counts = report.event_counts()
    if counts:
        kinds = ", ".join(
            _plural(n, labels.singular(kind), labels.plural(kind)) for kind, n in counts
        )
        third = f"{_plural(len(report.events), 'event', 'events')}: {kinds}"
        if report.places:
            place = report.places[0]
            third += f" · busiest place: {place.name} ({place.events})"
    else:
        third = "No event on the topics"
    return [first, second, third]


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _ranked(rows: tuple[Ranked, ...], name: str, columns: tuple[str, ...], empty: str) -> list[str]:
    if not rows or not any(r.articles or r.events for r in rows):
        return [empty]
    return _table(
        [name, *(c.capitalize() for c in columns)],
        [[md(r.name), *(str(getattr(r, c)) for c in columns)] for r in rows],
    )


def _corrected(report: Report) -> list[str]:
    if not report.corrected:
        return ["No reader corrected an item of this period."]
    rows = [
        [
            md(r.name),
            r.group,
            str(r.reported),
            str(r.corrected),
            "—" if r.precision is None else f"{r.precision:.0%}",
        ]
        for r in report.corrected
    ]
    return _table(["Topic or kind", "", "Reported", "Corrected", "Precision (field)"], rows)


def render_markdown(report: Report) -> str:
    """``report`` as Markdown; the charts are the PNG files written beside it."""
    generated = report.generated_at.astimezone(CST)
    lines = [
        f"# Report for {report.period.describe()}",
        "",
        f"{report.period.weeks_label()} · China Standard Time · generated "
        f"{fmt_day(generated)} {generated:%H:%M}",
        "",
        *(f"- {md(line)}" for line in summary_lines(report)),
        "",
        "## Week by week",
        "",
        f"![Articles per week, by topic]({ARTICLES_PNG})",
        "",
        f"![Events per week, by kind]({EVENTS_PNG})",
        "",
        "## Events of the period",
        "",
    ]
    if not report.events:
        lines += ["No event on the topics was reported in this period.", ""]
    for kind in report.kinds:
        events = report.events_of(kind)
        lines += [f"### {md(report.labels.heading(kind))} ({len(events)})", ""]
        rows = [
            [
                _link(ev.url, ev.name),
                md(when(ev) or "—"),
                md(where(ev) or "—"),
                md(report.labels.topic_names(report.labels.ordered_topics(ev.topics)) or "—"),
                md(fmt_day(reported_day(ev))),
                str(ev.articles),
            ]
            for ev in events
        ]
        lines += _table(["Event", "When", "Where", "Topics", "First reported", "Articles"], rows)
        lines.append("")
    if report.other_events:
        lines += [
            f"{report.other_events} more reported only by articles on none of the topics "
            "(view `report_events`).",
            "",
        ]
    lines += ["## Busiest topics", ""]
    lines += _ranked(report.topics, "Topic", ("articles", "events"), "No article on the topics.")
    lines += ["", "## Busiest places", ""]
    lines += _ranked(report.places, "Place", ("events",), "No event names its place.")
    lines += ["", "## Corrected by readers", ""]
    lines += _corrected(report)
    lines.append("")
    return "\n".join(lines)
