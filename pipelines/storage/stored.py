"""What is stored, looked up by article key (``articles.url_key``, indexed): a crawl asks about
the articles it is about to compare, never loads the history.

The crawl (in its own process) asks for the validators of the articles a sitemap or the feed
lists; storing a crawl's items asks for the ids of the articles it read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.storage.models import Article

# Keys per ``IN (...)``: well under SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in dict.fromkeys(keys):
        batch.append(key)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def stored_validators(session: Session, keys: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Per stored key of ``keys``: its lastmod (sitemap's, else the page's) and validators."""
    found: dict[str, dict[str, Any]] = {}
    for batch in _chunks(keys):
        rows = session.execute(
            select(
                Article.url_key,
                Article.sitemap_lastmod,
                Article.modified_at,
                Article.etag,
                Article.http_last_modified,
            ).where(Article.url_key.in_(batch))
        )
        for key, lastmod, modified, etag, last_modified in rows:
            known = lastmod or modified
            found[key] = {
                "lastmod": known.isoformat() if known else None,
                "etag": etag,
                "last_modified": last_modified,
            }
    return found


def stored_ids(session: Session, keys: Iterable[str]) -> dict[str, tuple[int, datetime]]:
    """Per stored key of ``keys``: the article's id and publication instant."""
    found: dict[str, tuple[int, datetime]] = {}
    for batch in _chunks(keys):
        rows = session.execute(
            select(Article.url_key, Article.id, Article.published_at).where(
                Article.url_key.in_(batch)
            )
        )
        for key, article_id, published in rows:
            found[key] = (article_id, published)
    return found
