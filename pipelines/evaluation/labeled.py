"""Labeled articles: the eval-dev JSON format, read into documents and expected results.

A file is a JSON array of objects with ``title``, ``published``, ``tags``, ``categories``,
``paragraphs`` (the article's own text; photo ``captions`` are not part of it) and ``labels``
with ``topics``, ``events`` and ``acceptable_extra``. An event may also label its slots, for the
slot precision and recall: ``"date": "2024-06-26"`` or ``"2024-06-26/2024-06-27"`` (or null: no
date is written for it), or, as ``eval-guide.md`` writes them, ``"start_date": "2024-06-26"``
and ``"end_date": "2024-06-27"`` (``end_date`` null: only the opening day is given), and
``"place": "Liangjiang New Area"`` (or null). A slot key that is absent is not labeled and not
scored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipelines.classify import ArticleDoc

__all__ = ["LabeledArticle", "SlotLabel", "article_from_record", "load_labeled"]


@dataclass(frozen=True)
class SlotLabel:
    """The labeled date and place of one event; ``*_labeled`` False when not labeled."""

    date_labeled: bool = False
    start: date | None = None
    end: date | None = None  # None with a start: only the opening day is given
    place_labeled: bool = False
    place: str | None = None


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
    slots: tuple[SlotLabel, ...] = ()  # one per event, in the same order

    def slot(self, i: int) -> SlotLabel:
        return self.slots[i] if i < len(self.slots) else SlotLabel()


def _parse_dt(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        return None
    return dt.astimezone(UTC)


def _day(value: Any, where: str, key: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValueError(f"{where}: {key} {value!r}: {exc}") from exc


def _slot(ev: dict[str, Any], where: str) -> SlotLabel:
    kwargs: dict[str, Any] = {}
    if "start_date" in ev:
        kwargs["date_labeled"] = True
        kwargs["start"] = _day(ev["start_date"], where, "start_date")
        kwargs["end"] = _day(ev.get("end_date"), where, "end_date")
    if "date" in ev:
        kwargs["date_labeled"] = True
        if ev["date"] is not None:
            try:
                parts = [date.fromisoformat(p) for p in str(ev["date"]).split("/")]
            except ValueError as exc:
                raise ValueError(f"{where}: date {ev['date']!r}: {exc}") from exc
            kwargs["start"], kwargs["end"] = parts[0], parts[-1]
    if "place" in ev:
        kwargs["place_labeled"] = True
        kwargs["place"] = None if ev["place"] is None else str(ev["place"])
    return SlotLabel(**kwargs)


def _events(value: Any, where: str) -> tuple[tuple[tuple[str, str], ...], tuple[SlotLabel, ...]]:
    out, slots = [], []
    for ev in value or []:
        if not isinstance(ev, dict) or "kind" not in ev or "name" not in ev:
            raise ValueError(f"{where}: each event needs 'kind' and 'name', got {ev!r}")
        out.append((str(ev["kind"]), str(ev["name"])))
        slots.append(_slot(ev, where))
    return tuple(out), tuple(slots)


def article_from_record(obj: Any, source: str, i: int) -> LabeledArticle:
    """One labeled article from its JSON object (``source`` and ``i`` name it in errors)."""
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
    events, slots = _events(labels.get("events"), where)
    extra, _ = _events(labels.get("acceptable_extra"), where)
    return LabeledArticle(
        id=str(obj.get("id", f"{Path(source).stem}-{i}")),
        doc=doc,
        topics=frozenset(str(t) for t in labels.get("topics") or ()),
        events=events,
        acceptable_extra=extra,
        note=str(labels.get("note", "")),
        source=source,
        slots=slots,
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
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{f}: not valid JSON: {exc}") from exc
        if not isinstance(data, list):
            raise ValueError(f"{f}: expected a JSON array of articles")
        out.extend(article_from_record(obj, str(f), i) for i, obj in enumerate(data))
    return out
