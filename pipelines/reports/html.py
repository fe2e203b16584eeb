"""The report as one self-contained HTML page: inline CSS, charts as base64 PNG, no script and
no outside address, so it opens offline, prints, and reads on a phone (tables become cards).

Everything that comes from a web page (names, places, titles, addresses) is escaped, and only
http(s) addresses become links.
"""

from __future__ import annotations

import base64
from html import escape
from urllib.parse import urlsplit

from pipelines.core.days import event_days
from pipelines.core.instants import CST
from pipelines.digest.mrkdwn import clean, fmt_day
from pipelines.storage.reports import ReportedEvent

from .charts import ARTICLES_TITLE, EVENTS_TITLE, PALETTE, Charts
from .content import Ranked, Report, reported_day

TITLE = "cqmonitor report"
ON_TOPICS = "Events reported by articles on the topics. "

CSS = """
:root { --ink: #1f2933; --muted: #52606d; --line: #d9dee4; --soft: #f5f7fa; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.45;
  font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
header { border-bottom: 3px solid var(--accent); padding-bottom: .75rem; margin-bottom: 1.25rem; }
.eyebrow { margin: 0; color: var(--muted); font-size: .9rem; letter-spacing: .02em; }
h1 { margin: .2rem 0; font-size: 1.9rem; line-height: 1.2; }
h2 { font-size: 1.35rem; margin: 2rem 0 .75rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
.meta { margin: 0; color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; }
.card { background: var(--soft); border: 1px solid var(--line); border-radius: .5rem;
  padding: .75rem 1rem; }
.card b { display: block; color: var(--accent); font-size: 1.6rem; line-height: 1.2;
  overflow-wrap: anywhere; }
.card b.word { font-size: 1.15rem; line-height: 1.3; padding: .2rem 0 .15rem;
  overflow-wrap: break-word; }
.card span { color: var(--muted); font-size: .9rem; }
figure { margin: 0 0 1.25rem; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line);
  border-radius: .5rem; }
figcaption { color: var(--muted); font-size: .85rem; margin-top: .35rem; }
table { width: 100%; border-collapse: collapse; font-size: .95rem; }
th { text-align: left; font-size: .8rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--muted); border-bottom: 2px solid var(--line); padding: .4rem .5rem; }
td { border-bottom: 1px solid var(--line); padding: .5rem; vertical-align: top; }
tbody tr:nth-child(even) td { background: var(--soft); }
table.events { table-layout: fixed; }
table.events col.event { width: 38%; } table.events col.when { width: 13%; }
table.events col.where { width: 15%; } table.events col.topics { width: 19%; }
table.events col.first { width: 15%; }
td { overflow-wrap: anywhere; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
.source { color: var(--muted); font-size: .85rem; }
.chip { display: inline-block; white-space: nowrap; margin: 0 .4rem .2rem 0; font-size: .85rem; }
.dot { display: inline-block; width: .65rem; height: .65rem; border-radius: 50%;
  margin-right: .3rem; vertical-align: baseline; }
.count { color: var(--muted); font-weight: normal; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr));
  gap: 0 2rem; }
.note, footer { color: var(--muted); font-size: .9rem; }
footer { margin-top: 2.5rem; border-top: 1px solid var(--line); padding-top: .75rem; }
@media (max-width: 40rem) {
  main { padding: 1rem .75rem 2rem; }
  h1 { font-size: 1.5rem; }
  table.events thead { display: none; }
  table.events, table.events tbody, table.events tr, table.events td { display: block;
    width: 100%; }
  table.events tr { border: 1px solid var(--line); border-radius: .5rem; margin-bottom: .75rem; }
  table.events td { border: 0; padding: .3rem .75rem; background: none !important; }
  table.events td[data-label]::before { content: attr(data-label); display: block;
    font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
}
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  figure, tr, .card { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


COLUMNS = (
    "<colgroup><col class='event'><col class='when'><col class='where'><col class='topics'>"
    "<col class='first'></colgroup>"
)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def safe_href(url: str | None) -> str | None:
    """``url`` if it is an http(s) address (a page's javascript: must never become a link)."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return text


def _link(url: str | None, label: str, title: str | None = None) -> str:
    href = safe_href(url)
    if href is None:
        return _e(label)
    tip = f' title="{_e(title)}"' if title else ""
    return f'<a href="{_e(href)}"{tip}>{_e(label)}</a>'


def when(ev: ReportedEvent) -> str:
    """The event's days ('Thu 28 - Sun 31 Aug 2025'), else the words the article wrote."""
    return event_days(ev.start_date, ev.end_date) or clean(ev.date_text)


def where(ev: ReportedEvent) -> str:
    """The venue and city tied to the event, else its place."""
    parts = [clean(p) for p in (ev.venue, ev.city) if clean(p)]
    place = clean(ev.place)
    if place and not all(p.casefold() in place.casefold() for p in parts):
        return ", ".join(dict.fromkeys([place, *parts]))
    return place or ", ".join(parts)


def _chips(report: Report, topics: tuple[str, ...]) -> str:
    colours = {s.key: PALETTE[i % len(PALETTE)] for i, s in enumerate(report.articles_by_topic)}
    chips = [
        f'<span class="chip"><span class="dot" style="background:{colours.get(t, "#999")}">'
        f"</span>{_e(report.labels.topic(t))}</span>"
        for t in report.labels.ordered_topics(topics)
    ]
    return "".join(chips) or "—"


def _event_row(report: Report, ev: ReportedEvent) -> str:
    more = ev.articles - 1
    source = f"in “{_e(clean(ev.title))}”"
    if more > 0:
        source += f" and {more} more article{'s' if more > 1 else ''}"
    who = [f"Organisers: {', '.join(ev.organisers)}"] if ev.organisers else []
    who += [f"Proposed by: {', '.join(ev.proposers)}"] if ev.proposers else []
    if who:
        source += "".join(f"<br>{_e(line)}" for line in who)
    cells = [
        ("Event", f"{_link(ev.url, clean(ev.name), ev.title)}<div class='source'>{source}</div>"),
        ("When", _e(when(ev) or "—")),
        ("Where", _e(where(ev) or "—")),
        ("Topics", _chips(report, ev.topics)),
        ("First reported", _e(fmt_day(reported_day(ev)))),
    ]
    tds = "".join(f'<td data-label="{label}">{html}</td>' for label, html in cells)
    return f"<tr>{tds}</tr>"


def _events(report: Report) -> str:
    if not report.events:
        return "<p class='note'>No event on the topics was reported in this period.</p>"
    head = "".join(f"<th>{h}</th>" for h in ("Event", "When", "Where", "Topics", "First reported"))
    parts = []
    for kind in report.kinds:
        events = report.events_of(kind)
        rows = "".join(_event_row(report, ev) for ev in events)
        parts.append(
            f"<h3>{_e(report.labels.heading(kind))} <span class='count'>{len(events)}</span></h3>"
            f"<table class='events'>{COLUMNS}<thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    if report.other_events:
        n = report.other_events
        parts.append(
            f"<p class='note'>{n} more event{'s were' if n > 1 else ' was'} reported only by "
            "articles on none of the topics (in the view <code>report_events</code>).</p>"
        )
    return "".join(parts)


def _ranked(rows: tuple[Ranked, ...], name: str, columns: tuple[str, ...], empty: str) -> str:
    if not rows or not any(r.articles or r.events for r in rows):
        return f"<p class='note'>{empty}</p>"
    head = f"<th>{name}</th>" + "".join(f"<th class='num'>{c.capitalize()}</th>" for c in columns)
    body = "".join(
        f"<tr><td>{_e(r.name)}</td>"
        + "".join(f"<td class='num'>{getattr(r, c)}</td>" for c in columns)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _corrected(report: Report) -> str:
    if not report.corrected:
        return "<p class='note'>No reader corrected an item of this period.</p>"
    head = "".join(
        f"<th{' class=num' if i > 1 else ''}>{h}</th>"
        for i, h in enumerate(("Topic or kind", "", "Reported", "Corrected", "Precision (field)"))
    )
    body = "".join(
        f"<tr><td>{_e(r.name)}</td><td>{r.group}</td><td class='num'>{r.reported}</td>"
        f"<td class='num'>{r.corrected}</td><td class='num'>"
        f"{'—' if r.precision is None else f'{r.precision:.0%}'}</td></tr>"
        for r in report.corrected
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _figure(wide: bytes, narrow: bytes, alt: str, caption: str) -> str:
    # A phone gets the chart drawn narrow (larger type), chosen by CSS media, no script.
    return (
        f'<figure><picture><source media="(max-width: 40rem)" srcset="{_data_url(narrow)}">'
        f'<img src="{_data_url(wide)}" alt="{_e(alt)}"></picture>'
        f"<figcaption>{_e(caption)}</figcaption></figure>"
    )


def _cards(report: Report) -> str:
    busiest = report.topics[0] if report.topics and report.topics[0].articles else None
    cards = [
        (str(report.articles), "articles published"),
        (str(report.articles_on_topics), "on the topics"),
        (str(len(report.events)), "events on the topics"),
        (busiest.name if busiest else "—", "busiest topic"),
    ]
    return "".join(
        f"<div class='card'><b{'' if value.isdigit() else ' class=word'}>{_e(value)}</b>"
        f"<span>{_e(what)}</span></div>"
        for value, what in cards
    )


def render_html(report: Report, charts: Charts) -> str:
    """The whole page of ``report`` with ``charts`` inline."""
    period = report.period.describe()
    generated = report.generated_at.astimezone(CST)
    topics = report.labels.topics_sentence("and")
    shaded = "Shaded: the report's period; the weeks before it give context."
    context = "" if all(report.period.in_period(w) for w in report.weeks) else shaded
    both = "An article on two topics counts once for each. "
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(TITLE)} · {_e(period)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<p class="eyebrow">cqmonitor · iChongqing news on {_e(topics)}</p>
<h1>Report for {_e(period)}</h1>
<p class="meta">{_e(report.period.weeks_label())} · China Standard Time · generated
{_e(fmt_day(generated))} {generated:%H:%M}</p>
</header>
<section class="cards">{_cards(report)}</section>
<h2>Week by week</h2>
{_figure(charts.articles, charts.articles_narrow, ARTICLES_TITLE, both + context)}
{_figure(charts.events, charts.events_narrow, EVENTS_TITLE, ON_TOPICS + context)}
<h2>Events of the period</h2>
{_events(report)}
<div class="columns">
<section><h2>Busiest topics</h2>
{_ranked(report.topics, "Topic", ("articles", "events"), "No article on the topics.")}</section>
<section><h2>Busiest places</h2>
{_ranked(report.places, "Place", ("events",), "No event names its place.")}</section>
</div>
<section><h2>Corrected by readers</h2>
{_corrected(report)}</section>
<footer>Read from the SQL views <code>report_weekly</code>, <code>report_events</code> and
<code>report_articles</code> of the cqmonitor database; weeks are ISO weeks in China Standard
Time (UTC+8). Links open the first article that reported each event.</footer>
</main>
</body>
</html>
"""
