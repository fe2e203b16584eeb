"""Scoring the classifier and the event extractor against labeled articles.

Labeled files are JSON arrays in the eval-dev format: each object has ``title``, ``published``,
``tags``, ``categories``, ``paragraphs`` (the article's own text; photo ``captions`` are not part of
it) and ``labels`` with ``topics``, ``events`` and ``acceptable_extra``.

Definitions used in the report:

* **Topics**: per topic, an article is a true positive when the topic is both labeled and
  selected; precision, recall and F1 per topic, and micro-averaged over all topics.
* **Event kinds**: per article, the *set* of kinds extracted is compared with the set of kinds
  labeled. A kind extracted and labeled is a TP; labeled and not extracted, an FN; extracted but
  neither labeled nor among the kinds of ``acceptable_extra``, an FP. Per kind and micro.
* **Event names**: a labeled event is matched when an extracted event of the same kind has a
  matching name (:func:`pipelines.events.names_match`: equal normalised keys, one contained in
  the other, or token Jaccard >= 0.6). The match rate is matched / labeled events. Extracted
  events matching neither a labeled nor an ``acceptable_extra`` event are listed as extras
  (they are not in the rate, but the event-level precision shows them).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.classify import ArticleDoc, classify
from pipelines.events import ExtractedEvent, extract_events, names_match
from pipelines.taxonomy import Taxonomy, load_taxonomy

__all__ = [
    "EvalReport",
    "LabeledArticle",
    "Miss",
    "PRF",
    "evaluate",
    "format_report",
    "load_labeled",
]

TOPICS: tuple[str, ...] = ("talent", "aerospace_information", "nev_icv")
KINDS: tuple[str, ...] = ("conference", "alliance", "proposal")


@dataclass(frozen=True)
class LabeledArticle:
    """One labeled article: the document and what it should yield."""

    id: str
    doc: ArticleDoc
    topics: frozenset[str]
    events: tuple[tuple[str, str], ...]  # (kind, name)
    acceptable_extra: tuple[tuple[str, str], ...]
    note: str = ""
    source: str = ""  # the file it came from


def _parse_dt(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        return None
    return dt.astimezone(UTC)


def _events(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    out = []
    for ev in value or []:
        if not isinstance(ev, dict) or "kind" not in ev or "name" not in ev:
            raise ValueError(f"{where}: each event needs 'kind' and 'name', got {ev!r}")
        out.append((str(ev["kind"]), str(ev["name"])))
    return tuple(out)


def _article(obj: Any, source: str, i: int) -> LabeledArticle:
    where = f"{source}[{i}]"
    if not isinstance(obj, dict):
        raise ValueError(f"{where}: an article must be an object")
    labels = obj.get("labels") or {}
    paragraphs = [p for p in obj.get("paragraphs") or [] if isinstance(p, str)]
    doc = ArticleDoc(
        title=str(obj.get("title", "")),
        # The article's own text only: captions are deliberately left out.
        body_text="\n\n".join(p.strip() for p in paragraphs if p.strip()),
        tags=tuple(str(t) for t in obj.get("tags") or ()),
        categories=tuple(str(c) for c in obj.get("categories") or ()),
        published_at=_parse_dt(obj.get("published")),
    )
    return LabeledArticle(
        id=str(obj.get("id", f"{Path(source).stem}-{i}")),
        doc=doc,
        topics=frozenset(str(t) for t in labels.get("topics") or ()),
        events=_events(labels.get("events"), where),
        acceptable_extra=_events(labels.get("acceptable_extra"), where),
        note=str(labels.get("note", "")),
        source=source,
    )


def load_labeled(paths: Sequence[Path | str]) -> list[LabeledArticle]:
    """Read labeled articles from JSON files, or from every ``*.json`` in directories."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(p.glob("*.json")))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or directory")
    out: list[LabeledArticle] = []
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ValueError(f"{f}: expected a JSON array of articles")
        out.extend(_article(obj, str(f), i) for i, obj in enumerate(data))
    return out


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
class Miss:
    """An article where something differed from the labels."""

    id: str
    title: str
    expected_topics: tuple[str, ...]
    got_topics: tuple[str, ...]
    missed_events: tuple[str, ...]  # "kind: name" labeled but not found with a matching name
    extra_events: tuple[str, ...]  # "kind: name" extracted, matching no labeled/acceptable event
    note: str


@dataclass
class EvalReport:
    """Everything :func:`evaluate` measured."""

    articles: int = 0
    taxonomy_version: str = ""
    topics: dict[str, PRF] = field(default_factory=lambda: {t: PRF() for t in TOPICS})
    kinds: dict[str, PRF] = field(default_factory=lambda: {k: PRF() for k in KINDS})
    events_labeled: int = 0
    events_matched: int = 0
    events_extracted: int = 0
    events_extra: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def topic_micro(self) -> PRF:
        total = PRF()
        for prf in self.topics.values():
            total.add(prf)
        return total

    @property
    def kind_micro(self) -> PRF:
        total = PRF()
        for prf in self.kinds.values():
            total.add(prf)
        return total

    @property
    def name_match_rate(self) -> float:
        return self.events_matched / self.events_labeled if self.events_labeled else 1.0

    @property
    def event_precision(self) -> float:
        """Share of extracted events that match a labeled or acceptable event."""
        if not self.events_extracted:
            return 1.0
        return (self.events_extracted - self.events_extra) / self.events_extracted


def _matches(ev: ExtractedEvent, labeled: Iterable[tuple[str, str]]) -> bool:
    return any(k == ev.kind and names_match(ev.name, n) for k, n in labeled)


def evaluate(articles: Sequence[LabeledArticle], taxonomy: Taxonomy | None = None) -> EvalReport:
    """Classify and extract every article and compare with its labels."""
    tax = taxonomy or load_taxonomy()
    report = EvalReport(articles=len(articles), taxonomy_version=tax.version)
    for art in articles:
        got_topics = {d.topic for d in classify(art.doc, tax)}
        for t in set(report.topics) | got_topics | art.topics:
            prf = report.topics.setdefault(t, PRF())
            if t in got_topics and t in art.topics:
                prf.tp += 1
            elif t in got_topics:
                prf.fp += 1
            elif t in art.topics:
                prf.fn += 1

        events = extract_events(art.doc, tax)
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
        for kind, name in art.events:
            report.events_labeled += 1
            if any(e.kind == kind and names_match(e.name, name) for e in events):
                report.events_matched += 1
            else:
                missed.append(f"{kind}: {name}")
        extra = [
            f"{e.kind}: {e.name}"
            for e in events
            if not _matches(e, art.events) and not _matches(e, art.acceptable_extra)
        ]
        report.events_extracted += len(events)
        report.events_extra += len(extra)
        if got_topics != art.topics or missed or extra:
            report.misses.append(
                Miss(
                    id=art.id,
                    title=art.doc.title,
                    expected_topics=tuple(sorted(art.topics)),
                    got_topics=tuple(sorted(got_topics)),
                    missed_events=tuple(missed),
                    extra_events=tuple(extra),
                    note=art.note,
                )
            )
    return report


def _row(name: str, prf: PRF) -> str:
    return (
        f"  {name:<24}{prf.tp:>5}{prf.fp:>5}{prf.fn:>5}"
        f"{prf.precision:>9.3f}{prf.recall:>9.3f}{prf.f1:>9.3f}"
    )


def format_report(report: EvalReport) -> str:
    """A plain-text report an operator can read in a terminal or a log."""
    head = f"  {'':<24}{'TP':>5}{'FP':>5}{'FN':>5}{'prec':>9}{'recall':>9}{'F1':>9}"
    lines = [
        f"Evaluation of {report.articles} labeled articles (taxonomy {report.taxonomy_version})",
        "",
        "Topics (per article and topic)",
        head,
    ]
    lines += [_row(t, prf) for t, prf in report.topics.items()]
    lines += [_row("micro", report.topic_micro), "", "Event kinds (per article, set of kinds)"]
    lines.append(head)
    lines += [_row(k, prf) for k, prf in report.kinds.items()]
    lines += [
        _row("micro", report.kind_micro),
        "",
        f"Event names: {report.events_matched}/{report.events_labeled} labeled events found "
        f"with a matching name ({report.name_match_rate:.1%}); "
        f"{report.events_extracted} extracted, {report.events_extra} not labeled "
        f"(event precision {report.event_precision:.1%})",
        "",
    ]
    if not report.misses:
        lines.append("No misclassified articles.")
    else:
        lines.append(f"Articles with differences ({len(report.misses)}):")
        for m in report.misses:
            lines.append(f"- {m.id}: {m.title}")
            if m.expected_topics != m.got_topics:
                exp = ", ".join(m.expected_topics) or "(none)"
                got = ", ".join(m.got_topics) or "(none)"
                lines.append(f"    topics: expected {exp}; got {got}")
            for ev in m.missed_events:
                lines.append(f"    missed event  {ev}")
            for ev in m.extra_events:
                lines.append(f"    extra event   {ev}")
    return "\n".join(lines)
