"""The report's charts as PNG bytes, drawn with matplotlib's Agg canvas (no display, no pyplot
state shared between threads).

Made to be read in print and on a phone: a colour-blind-safe palette (Okabe and Ito) with a
hatch per series, so that a grey-scale print still tells the series apart; large type; counts
written on the bars of a short period; axis labels and a legend on every chart.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from .content import Report, Series, iso_week

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999")
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "oo")
INK = "#1f2933"
MUTED = "#52606d"
PERIOD_SHADE = "#eef2f7"
# Up to this many weeks, bars side by side with their counts; beyond, one stacked bar a week.
MAX_BAR_WEEKS = 16
DPI = 150
# The stacked charts travel (Slack, the Dagster UI's event log): smaller, still sharp on screen.
OVERVIEW_DPI = 110
STYLE = {
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 11,
    "axes.edgecolor": MUTED,
    "axes.labelcolor": INK,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "text.color": INK,
    "legend.fontsize": 10,
    "hatch.linewidth": 0.8,
}

ARTICLES_TITLE = "Articles per week, by topic"
EVENTS_TITLE = "Events per week, by kind"
WEEK_AXIS = "ISO week (China Standard Time), from Monday"


@dataclass(frozen=True)
class Layout:
    """A figure's size (inches) and how many week labels and legend columns it fits."""

    size: tuple[float, float]
    ticks: int
    legend_columns: int


WIDE = Layout(size=(9.0, 4.0), ticks=10, legend_columns=4)
# For a phone: drawn narrower rather than shrunk, so that its type stays readable.
NARROW = Layout(size=(4.4, 4.4), ticks=4, legend_columns=2)


@dataclass(frozen=True)
class Charts:
    """The report's charts as PNG: wide and narrow (phones), and both stacked for Slack and
    the Dagster UI."""

    articles: bytes
    events: bytes
    articles_narrow: bytes
    events_narrow: bytes
    overview: bytes


def _week_labels(weeks: Sequence[date]) -> list[str]:
    """'W10' over '3 Mar', with the year where it starts or changes."""
    labels = []
    for i, week in enumerate(weeks):
        # ``weeks`` are the labelled ones: the year shows where it starts or changes among them.
        year = f" {week.year}" if i == 0 or week.year != weeks[i - 1].year else ""
        labels.append(f"{iso_week(week)[5:]}\n{week.day} {week:%b}{year}")
    return labels


def _draw(
    ax: Axes,
    report: Report,
    series: Sequence[Series],
    *,
    title: str,
    ylabel: str,
    empty: str,
    layout: Layout,
) -> None:
    weeks = report.weeks
    n = max(len(series), 1)
    positions = list(range(len(weeks)))
    grouped = len(weeks) <= MAX_BAR_WEEKS
    in_period = [report.period.in_period(w) for w in weeks]
    handles: list[object] = []
    if not all(in_period):
        # The weeks before the period are context: the period's own weeks are shaded.
        first = in_period.index(True) if any(in_period) else 0
        ax.axvspan(first - 0.5, len(weeks) - 0.5, color=PERIOD_SHADE, zorder=0, lw=0)
        handles.append(
            Patch(facecolor=PERIOD_SHADE, edgecolor=MUTED, lw=0.5, label="Report period")
        )
    width = 0.8 / n
    stacked = [0] * len(weeks)
    for i, one in enumerate(series):
        style = {
            "color": PALETTE[i % len(PALETTE)],
            "hatch": HATCHES[i % len(HATCHES)],
            "edgecolor": INK if HATCHES[i % len(HATCHES)] else "white",
            "linewidth": 0.4,
            "label": one.label,
            "zorder": 2,
        }
        if grouped:
            offsets = [p - 0.4 + width * (i + 0.5) for p in positions]
            drawn = ax.bar(offsets, one.values, width=width * 0.92, **style)
            ax.bar_label(
                drawn,
                labels=[str(v) if v else "" for v in one.values],
                padding=2,
                fontsize=9,
                color=INK,
            )
        else:
            # Many weeks: one stacked bar a week, too narrow for counts or side-by-side bars.
            ax.bar(positions, one.values, width=0.85, bottom=stacked, **style)
            stacked = [a + b for a, b in zip(stacked, one.values, strict=True)]
    handles = [*ax.get_legend_handles_labels()[0], *handles]
    ax.set_ylabel(ylabel)
    ax.set_xlabel(WEEK_AXIS, color=MUTED)
    ax.set_xlim(-0.6, len(weeks) - 0.4)
    # Counted back from the newest week, so that the period's last week is always labelled.
    step = -(-len(weeks) // layout.ticks)
    ticks = positions[::-step][::-1]
    ax.set_xticks(ticks, _week_labels([weeks[i] for i in ticks]))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    tops = [max(s.values, default=0) for s in series] if grouped else stacked
    top = max(tops, default=0)
    ax.set_ylim(0, max(top * 1.2, 1))
    ax.grid(axis="y", color="#d9dee4", linewidth=0.8, zorder=1)
    ax.spines[["top", "right"]].set_visible(False)
    # The title heads the legend, above the plot: however many rows the legend takes, the two
    # never overlap.
    ax.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.02),
        ncols=min(len(handles), layout.legend_columns),
        frameon=False,
        handlelength=1.6,
        borderaxespad=0.0,
        title=title,
        alignment="left",
        title_fontproperties={"weight": "bold", "size": STYLE["axes.titlesize"]},
    )
    if top == 0:
        ax.text(0.5, 0.5, empty, transform=ax.transAxes, ha="center", va="center", color=MUTED)


def _png(figure: Figure, dpi: int = DPI) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


@dataclass(frozen=True)
class ChartSpec:
    """What one chart draws: which series of the report, and its words."""

    series: Callable[[Report], Sequence[Series]]
    title: str
    ylabel: str
    empty: str


ARTICLES = ChartSpec(
    lambda report: report.articles_by_topic,
    ARTICLES_TITLE,
    "Articles",
    "No article on the topics in these weeks",
)
EVENTS = ChartSpec(
    lambda report: report.events_by_kind,
    EVENTS_TITLE,
    "Events",
    "No event on the topics in these weeks",
)


def _chart(ax: Axes, report: Report, spec: ChartSpec, layout: Layout) -> None:
    _draw(
        ax,
        report,
        spec.series(report),
        title=spec.title,
        ylabel=spec.ylabel,
        empty=spec.empty,
        layout=layout,
    )


def _single(report: Report, spec: ChartSpec, layout: Layout) -> bytes:
    figure = Figure(figsize=layout.size, layout="constrained")
    _chart(figure.add_subplot(), report, spec, layout)
    return _png(figure)


def render_charts(report: Report) -> Charts:
    """Both charts of ``report``: wide, narrow, and stacked."""
    with rc_context(STYLE):
        overview = Figure(figsize=(WIDE.size[0], WIDE.size[1] * 2), layout="constrained")
        top, bottom = overview.subplots(2, 1)
        _chart(top, report, ARTICLES, WIDE)
        _chart(bottom, report, EVENTS, WIDE)
        return Charts(
            articles=_single(report, ARTICLES, WIDE),
            events=_single(report, EVENTS, WIDE),
            articles_narrow=_single(report, ARTICLES, NARROW),
            events_narrow=_single(report, EVENTS, NARROW),
            overview=_png(overview, OVERVIEW_DPI),
        )
