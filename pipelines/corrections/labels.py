"""Readers' corrections as labeled articles (the eval-dev format of ``cqmonitor evaluate``).

Each corrected article becomes one record whose labels are its stored decisions after every
correction: the corrected fields are a reader's word, the rest the pipeline's (the record's
``corrections`` and note say which). A corrected date or place is labeled on its event, so the
slot scores use it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from pipelines.core.instants import CST
from pipelines.core.statuses import CorrectionKind
from pipelines.evaluation.labeled import LabeledArticle, article_from_record
from pipelines.storage import corrections as store
from pipelines.storage.models import Article, Correction, Event

SOURCE = "corrections"


def _slug(url: str) -> str:
    parts = [p for p in urlsplit(url).path.split("/") if p]
    return parts[-1] if parts else ""


def _event_label(event: Event, corrected_slots: set[tuple[str, str]]) -> dict[str, Any]:
    label: dict[str, Any] = {"kind": event.kind, "name": event.name}
    if (event.kind, event.event_key) in corrected_slots:
        if event.start_date:
            end = event.end_date or event.start_date
            label["date"] = (
                event.start_date if end == event.start_date else f"{event.start_date}/{end}"
            )
        label["place"] = event.place
    return label


def _record(
    article: Article, topics: list[str], events: list[Event], mine: list[Correction]
) -> dict[str, Any]:
    slots = {
        (str(c.after.get("kind") or c.event_kind), str((c.before or {}).get("event_key")))
        for c in mine
        if c.kind == CorrectionKind.WRONG_SLOTS
    }
    said = "; ".join(f"#{c.id} {c.kind} by {c.user_name or c.user_id}" for c in mine)
    return {
        "id": f"corr-{article.id}",
        "source_url": article.url,
        "slug": _slug(article.url),
        "title": article.title,
        "author": " AND ".join(a.strip() for a in (article.author or "").split(",") if a.strip()),
        "published": article.published_at.astimezone(CST).isoformat(),
        "categories": list(article.categories or []),
        "tags": list(article.tags or []),
        "paragraphs": [p for p in (article.body_text or "").split("\n\n") if p.strip()],
        "captions": [],
        "labels": {
            "topics": topics,
            "events": [_event_label(e, slots) for e in events],
            "acceptable_extra": [],
            "note": f"reader corrections ({said}); the other labels are the pipeline's",
        },
        "corrections": [c.id for c in mine],
    }


def export_records(session: Session, corrections: Iterable[Correction] | None = None) -> list[dict]:
    """One eval-dev record per corrected article, oldest article first."""
    rows = list(corrections) if corrections is not None else store.list_all(session)
    by_article: dict[int, list[Correction]] = {}
    for c in rows:
        for article_id in c.article_ids or ():
            by_article.setdefault(int(article_id), []).append(c)
    return [
        _record(article, topics, events, by_article[article.id])
        for article, topics, events in store.corrected_articles(session, by_article)
    ]


def write_export(session: Session, path: Path) -> int:
    records = export_records(session)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(records)


def load_corrections_as_labeled(session: Session) -> list[LabeledArticle]:
    """Readers' corrections as labeled articles, for ``cqmonitor evaluate`` and training."""
    return [article_from_record(r, SOURCE, i) for i, r in enumerate(export_records(session))]
