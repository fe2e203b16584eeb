"""Extracting events from short texts written in a test, and the labeled sets of the project."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from pipelines.classify import ArticleDoc
from pipelines.evaluation import LabeledArticle, article_from_record, load_labeled
from pipelines.events import ExtractedEvent, extract_events
from pipelines.taxonomy import Taxonomy

#: A Friday.
PUB = datetime(2024, 5, 10, 8, 0, tzinfo=UTC)
OWN_SETS = Path(__file__).resolve().parents[1] / "data" / "labeled"


def events(
    body: str,
    title: str = "News",
    published: datetime | None = PUB,
    taxonomy: Taxonomy | None = None,
) -> list[ExtractedEvent]:
    """The events of an article with ``body`` (paragraphs separated by blank lines)."""
    doc = ArticleDoc(title=title, body_text=body, published_at=published)
    return extract_events(doc, taxonomy)


def names(evs: list[ExtractedEvent]) -> list[tuple[str, str]]:
    return [(e.kind, e.name) for e in evs]


def by_name(evs: list[ExtractedEvent]) -> dict[str, ExtractedEvent]:
    return {e.name: e for e in evs}


def bundled_labeled(tmp_path: Path) -> list[LabeledArticle]:
    """The bundled site copy's labels as labeled articles (written to ``tmp_path``)."""
    from crawlers.sitecopy import load_bundled_articles, to_eval_record

    path = tmp_path / "bundled.json"
    path.write_text(json.dumps([to_eval_record(a) for a in load_bundled_articles()]))
    return load_labeled([path])


def record_article(record: dict, source: str = "test") -> LabeledArticle:
    return article_from_record(record, source, 0)
