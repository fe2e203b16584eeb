"""What a report holds: its period, the weekly series of its charts, the period's events and the
busiest topics and places, read from the report views and named by the taxonomy's labels.

Only articles on at least one topic count, as in the digest: the events of the period are those
reported by its topic articles (the others are counted, not listed).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from pipelines.core.instants import Span, cst_day
from pipelines.digest import DigestLabels
from pipelines.digest.mrkdwn import clean, date_range
from pipelines.reports.corrected import CorrectedRow, corrected_rows
from pipelines.storage.reports import (
    ALL,
    ReportedEvent,
    WeeklyCount,
    articles_published,
    events_reported,
    weekly_counts,
)

# Charts show at least this many weeks, so that a one-week report still shows a trend.
CHART_WEEKS = 8
BUSIEST_PLACES = 8
# The events chart counts the events of topic articles, like the period's table of events.
ON_TOPICS = "events_on_topics"


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    """'2025-W10': the ISO week holding ``day``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class ReportPeriod:
    """The CST days ``first`` to ``last`` (both included) and the Monday charts start from."""

    first: date
    last: date
    chart_first: date

    @classmethod
    def of_days(cls, first: date, last: date, *, chart_weeks: int = CHART_WEEKS) -> ReportPeriod:
        if last < first:
            raise ValueError(f"the report period ends ({last}) before it starts ({first})")
        back = monday(last) - timedelta(weeks=max(chart_weeks, 1) - 1)
        return cls(first=first, last=last, chart_first=min(monday(first), back))

    @property
    def span(self) -> Span:
        return Span.of_days(self.first, self.last)

    @property
    def weeks(self) -> tuple[date, ...]:
        """The Mondays of the charts' weeks, oldest first."""
        count = (monday(self.last) - self.chart_first).days // 7 + 1
        return tuple(self.chart_first + timedelta(weeks=i) for i in range(count))

    def in_period(self, week_start: date) -> bool:
        """Whether the week starting on ``week_start`` overlaps the period."""
        return week_start + timedelta(days=6) >= self.first and week_start <= self.last

    def describe(self) -> str:
        """'3–9 Mar 2025' and the like."""
        start = datetime(self.first.year, self.first.month, self.first.day, 12, tzinfo=UTC)
        end = datetime(self.last.year, self.last.month, self.last.day, 12, tzinfo=UTC)
        return date_range(start, end)

    def weeks_label(self) -> str:
        """'2025-W10', or '2025-W05 – 2025-W10' for a longer period."""
        first, last = iso_week(self.first), iso_week(self.last)
        return first if first == last else f"{first} – {last}"


@dataclass(frozen=True)
class Series:
    """One line of a chart: a label and a count per week of the period's charts."""

    key: str
    label: str
    values: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.values)


@dataclass(frozen=True)
class Ranked:
    """A topic or a place and how much happened there in the period."""

    name: str
    articles: int
    events: int


@dataclass(frozen=True)
class Report:
    period: ReportPeriod
    labels: DigestLabels
    generated_at: datetime
    articles_by_topic: tuple[Series, ...]
    events_by_kind: tuple[Series, ...]
    events: tuple[ReportedEvent, ...]
    other_events: int
    articles: int
    articles_on_topics: int
    topics: tuple[Ranked, ...]
    places: tuple[Ranked, ...]
    # Readers' corrections of the period's items, per topic and per event kind.
    corrected: tuple[CorrectedRow, ...] = ()

    @property
    def weeks(self) -> tuple[date, ...]:
        return self.period.weeks

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of the period's events, in the taxonomy's order."""
        found = {ev.kind for ev in self.events}
        return tuple(sorted(found, key=lambda k: (self.labels.rank(k), k)))

    def events_of(self, kind: str) -> tuple[ReportedEvent, ...]:
        return tuple(ev for ev in self.events if ev.kind == kind)

    def event_counts(self) -> list[tuple[str, int]]:
        """(kind, number of the period's events) in the taxonomy's order."""
        return [(kind, len(self.events_of(kind))) for kind in self.kinds]


def _ordered(known: Iterable[str], found: Iterable[str]) -> list[str]:
    """``known`` keys in order, then keys only the data has (an older taxonomy's), sorted."""
    known = list(known)
    return known + sorted(set(found) - set(known) - {ALL})


def _values(
    rows: list[WeeklyCount], weeks: tuple[date, ...], key: str, *, by: str, value: str
) -> tuple[int, ...]:
    """The weekly ``value`` of the rows whose ``by`` is ``key`` (0 for a week with no row)."""
    found = {row.week_start: int(getattr(row, value)) for row in rows if getattr(row, by) == key}
    return tuple(found.get(week, 0) for week in weeks)


def place_name(place: str | None) -> str:
    return clean(place)


def _busiest_places(events: Iterable[ReportedEvent]) -> tuple[Ranked, ...]:
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for ev in events:
        name = place_name(ev.place)
        if name:
            names.setdefault(name.casefold(), name)
            counts[name.casefold()] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], names[item[0]]))
    return tuple(Ranked(names[key], 0, n) for key, n in ranked[:BUSIEST_PLACES])


def collect_report(
    session: Session,
    labels: DigestLabels,
    period: ReportPeriod,
    *,
    now: datetime | None = None,
) -> Report:
    """The report of ``period`` from the report views."""
    weeks = period.weeks
    rows = weekly_counts(session, weeks[0], weeks[-1])
    topics = _ordered((key for key, _label in labels.topics), (r.topic for r in rows))
    kinds = _ordered(labels.kinds, (r.kind for r in rows))
    by_topic = [r for r in rows if r.kind == ALL and r.topic != ALL]
    by_kind = [r for r in rows if r.topic == ALL and r.kind != ALL]
    articles = articles_published(session, period.span)
    reported = events_reported(session, period.span)
    events = tuple(ev for ev in reported if ev.on_topics)

    ranked = [
        Ranked(
            name=labels.topic(topic),
            articles=sum(1 for a in articles if topic in a.topics),
            events=sum(1 for ev in events if topic in ev.topics),
        )
        for topic in topics
    ]
    ranked.sort(key=lambda r: (-r.articles, -r.events))
    return Report(
        period=period,
        labels=labels,
        generated_at=now or datetime.now(UTC),
        articles_by_topic=tuple(
            Series(t, labels.topic(t), _values(by_topic, weeks, t, by="topic", value="articles"))
            for t in topics
        ),
        events_by_kind=tuple(
            Series(k, labels.heading(k), _values(by_kind, weeks, k, by="kind", value=ON_TOPICS))
            for k in kinds
        ),
        events=events,
        other_events=len(reported) - len(events),
        articles=len(articles),
        articles_on_topics=sum(1 for a in articles if a.topics),
        topics=tuple(ranked),
        places=_busiest_places(events),
        corrected=corrected_rows(
            session,
            labels,
            period.span,
            {t: sum(1 for a in articles if t in a.topics) for t in topics},
            {k: sum(1 for ev in events if ev.kind == k) for k in kinds},
        ),
    )


def reported_day(ev: ReportedEvent) -> date:
    """The CST day an event was first reported."""
    return cst_day(ev.first_reported_at)
