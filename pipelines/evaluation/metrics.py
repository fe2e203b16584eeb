"""Scoring the classifier and the event extractor against labeled articles.

* **Topics**: per topic, an article is a true positive when the topic is both labeled and
  selected; precision, recall and F1 per topic, and micro-averaged over all topics.
* **Event kinds**: per article, the *set* of kinds extracted is compared with the set of kinds
  labeled. A kind extracted and labeled is a TP; labeled and not extracted, an FN; extracted but
  neither labeled nor among the kinds of ``acceptable_extra``, an FP. Per kind and micro.
* **Event names**: a labeled event is matched when an extracted event of the same kind has a
  matching name (:func:`pipelines.events.names_match`: equal normalised keys, one contained in
  the other, or token Jaccard >= 0.6). The match rate is matched / labeled events. Extracted
  events matching neither a labeled nor an ``acceptable_extra`` event are extras (they lower the
  event precision).
* **Slots**: for each labeled event whose date (place) is labeled and that was found, a start
  date given and right is a TP, given and wrong (or given where the label says none) an FP, and a
  labeled start date not given (or given wrong) an FN; ``span`` scores start and end together
  where the label gives an end. A place is right when one place's words contain the other's.
  The *found share* (the issue's "found among events whose text gives it") divides the TPs by
  every labeled event whose text gives the slot, found by name or not; the precision is that of
  what was stored.

Topics and kinds are those of the taxonomy. Each difference gets a cause, and the report counts
them by cause: what to work on next.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipelines.classify import classify
from pipelines.evaluation.labeled import LabeledArticle, SlotLabel
from pipelines.events import AcceptanceModel, Candidate, ExtractedEvent, names_match
from pipelines.events.extract import extract_traced
from pipelines.taxonomy import Taxonomy, load_taxonomy

__all__ = ["PRF", "Difference", "EvalReport", "Miss", "evaluate", "place_matches"]


@dataclass
class PRF:
    """Counts and precision / recall / F1 (1.0 when there is nothing to get wrong)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass(frozen=True)
class Difference:
    """One thing that differed from the labels, and why."""

    what: str  # "missed event", "extra event", "topic", "date", "place"
    text: str
    cause: str


@dataclass(frozen=True)
class Miss:
    """An article where something differed from the labels."""

    id: str
    title: str
    expected_topics: tuple[str, ...]
    got_topics: tuple[str, ...]
    missed_events: tuple[str, ...]  # "kind: name" labeled but not found with a matching name
    extra_events: tuple[str, ...]  # "kind: name" extracted, matching no labeled/acceptable event
    note: str
    differences: tuple[Difference, ...] = ()


@dataclass
class EvalReport:
    """Everything :func:`evaluate` measured; reports of several folds add up with :meth:`add`."""

    articles: int = 0
    taxonomy_version: str = ""
    topics: dict[str, PRF] = field(default_factory=dict)
    kinds: dict[str, PRF] = field(default_factory=dict)
    events_labeled: int = 0
    events_matched: int = 0
    events_extracted: int = 0
    events_extra: int = 0
    date: PRF = field(default_factory=PRF)  # the start date
    span: PRF = field(default_factory=PRF)  # start and end, where the label gives an end
    place: PRF = field(default_factory=PRF)
    date_given: int = 0  # labeled events (found or not) whose text gives a start date
    place_given: int = 0
    causes: Counter[str] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)

    @staticmethod
    def _micro(prfs: Iterable[PRF]) -> PRF:
        total = PRF()
        for prf in prfs:
            total.add(prf)
        return total

    @property
    def topic_micro(self) -> PRF:
        return self._micro(self.topics.values())

    @property
    def kind_micro(self) -> PRF:
        return self._micro(self.kinds.values())

    @property
    def name_match_rate(self) -> float:
        return self.events_matched / self.events_labeled if self.events_labeled else 1.0

    @property
    def event_precision(self) -> float:
        """Share of extracted events that match a labeled or acceptable event."""
        if not self.events_extracted:
            return 1.0
        return (self.events_extracted - self.events_extra) / self.events_extracted

    @property
    def date_found(self) -> float:
        """Right start dates among all labeled events whose text gives one."""
        return self.date.tp / self.date_given if self.date_given else 1.0

    @property
    def place_found(self) -> float:
        return self.place.tp / self.place_given if self.place_given else 1.0

    def add(self, other: EvalReport) -> None:
        self.articles += other.articles
        self.taxonomy_version = self.taxonomy_version or other.taxonomy_version
        for mine, theirs in ((self.topics, other.topics), (self.kinds, other.kinds)):
            for name, prf in theirs.items():
                mine.setdefault(name, PRF()).add(prf)
        self.events_labeled += other.events_labeled
        self.events_matched += other.events_matched
        self.events_extracted += other.events_extracted
        self.events_extra += other.events_extra
        self.date.add(other.date)
        self.span.add(other.span)
        self.place.add(other.place)
        self.date_given += other.date_given
        self.place_given += other.place_given
        self.causes.update(other.causes)
        self.misses.extend(other.misses)


def _words(place: str) -> set[str]:
    s = re.sub(r"['’]s\b", "", place.lower())
    return {w for w in re.findall(r"[a-z0-9]+", s) if w != "the"}


def place_matches(got: str, want: str) -> bool:
    """Whether an extracted place agrees with a labeled one (one's words contain the other's)."""
    g, w = _words(got), _words(want)
    return bool(g) and bool(w) and (g <= w or w <= g)


def _score_slots(
    report: EvalReport, ev: ExtractedEvent, label: SlotLabel, name: str, diffs: list[Difference]
) -> None:
    if label.date_labeled:
        got = (ev.start_date, ev.end_date) if ev.start_date else None
        want = (label.start, label.end) if label.start else None
        if got and want and label.end is not None:
            ok = got == want
            report.span.tp += ok
            report.span.fp += not ok
            report.span.fn += not ok
        elif want and label.end is not None:
            report.span.fn += 1
        if got and want and got[0] == want[0]:
            report.date.tp += 1
        else:
            if got:
                report.date.fp += 1
            if want:
                report.date.fn += 1
            if got or want:
                cause = (
                    "wrong date" if got and want else ("date missed" if want else "date where none")
                )
                shown = f"{ev.date_text} ({got[0]}..{got[1]})" if got else "none"
                wanted = f"{want[0]}..{want[1] or '?'}" if want else "none"
                diffs.append(Difference("date", f"{name}: got {shown}, expected {wanted}", cause))
    if label.place_labeled:
        if ev.place and label.place and place_matches(ev.place, label.place):
            report.place.tp += 1
        else:
            if ev.place:
                report.place.fp += 1
            if label.place:
                report.place.fn += 1
            if ev.place or label.place:
                cause = (
                    "wrong place"
                    if ev.place and label.place
                    else ("place missed" if label.place else "place where none")
                )
                text = f"{name}: got {ev.place!r}, expected {label.place!r}"
                diffs.append(Difference("place", text, cause))


def _miss_cause(kind: str, name: str, cands: list[Candidate]) -> str:
    same = [c for c in cands if names_match(c.name, name)]
    if any(c.kind == kind for c in same):
        best = max(c.probability for c in same if c.kind == kind)
        return f"rejected by the model (p={best:.2f})" if best < 1 else "rejected by the model"
    if same:
        return f"found as {same[0].kind}"
    want = set(name.lower().split())
    if any(
        c.kind == kind and len(want & set(c.name.lower().split())) / len(want) >= 0.5 for c in cands
    ):
        return "name boundary"
    return "no candidate"


def _bucket(cause: str) -> str:
    return cause.split(" (p=")[0]


def evaluate(
    articles: Sequence[LabeledArticle],
    taxonomy: Taxonomy | None = None,
    model: AcceptanceModel | None = None,
) -> EvalReport:
    """Classify and extract every article (with ``model``, default the shipped one) and compare
    with its labels."""
    tax = taxonomy or load_taxonomy()
    report = EvalReport(
        articles=len(articles),
        taxonomy_version=tax.version,
        topics={t: PRF() for t in tax.topics},
        kinds={k: PRF() for k in tax.events.kinds},
    )
    for art in articles:
        diffs: list[Difference] = []
        got_topics = {d.topic for d in classify(art.doc, tax)}
        for t in set(report.topics) | got_topics | art.topics:
            prf = report.topics.setdefault(t, PRF())
            if t in got_topics and t in art.topics:
                prf.tp += 1
            elif t in got_topics:
                prf.fp += 1
                diffs.append(Difference("topic", t, f"topic {t} selected wrongly"))
            elif t in art.topics:
                prf.fn += 1
                diffs.append(Difference("topic", t, f"topic {t} missed"))

        traced, cands = extract_traced(art.doc, tax, model)
        events = [e for e, _c in traced]
        expected_kinds = {k for k, _n in art.events}
        allowed_kinds = expected_kinds | {k for k, _n in art.acceptable_extra}
        got_kinds = {e.kind for e in events}
        for k in set(report.kinds) | got_kinds | expected_kinds:
            prf = report.kinds.setdefault(k, PRF())
            if k in got_kinds and k in expected_kinds:
                prf.tp += 1
            elif k in got_kinds and k not in allowed_kinds:
                prf.fp += 1
            elif k in expected_kinds and k not in got_kinds:
                prf.fn += 1

        missed = []
        for i, (kind, name) in enumerate(art.events):
            report.events_labeled += 1
            report.date_given += art.slot(i).start is not None
            report.place_given += art.slot(i).place is not None
            found = next((e for e in events if e.kind == kind and names_match(e.name, name)), None)
            if found is None:
                missed.append(f"{kind}: {name}")
                diffs.append(
                    Difference("missed event", f"{kind}: {name}", _miss_cause(kind, name, cands))
                )
                continue
            report.events_matched += 1
            _score_slots(report, found, art.slot(i), f"{kind}: {name}", diffs)
        extra = []
        for e, c in traced:
            if any(
                k == e.kind and names_match(e.name, n)
                for k, n in (*art.events, *art.acceptable_extra)
            ):
                continue
            extra.append(f"{e.kind}: {e.name}")
            form = c.first.form
            diffs.append(
                Difference("extra event", f"{e.kind}: {e.name}", f"accepted a non-event ({form})")
            )
        report.events_extracted += len(events)
        report.events_extra += len(extra)
        report.causes.update(_bucket(d.cause) for d in diffs)
        if diffs:
            report.misses.append(
                Miss(
                    id=art.id,
                    title=art.doc.title,
                    expected_topics=tuple(sorted(art.topics)),
                    got_topics=tuple(sorted(got_topics)),
                    missed_events=tuple(missed),
                    extra_events=tuple(extra),
                    note=art.note,
                    differences=tuple(diffs),
                )
            )
    return report
