"""What a spider must know before it starts: the stored sources' validators, the failures to
retry and, for another source's generic spider, its stored articles' validators."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.core.urls import ICHONGQING_SOURCE, key_for
from pipelines.storage.models import Article, CrawlFailure, SourceDocument

__all__ = ["crawl_state"]


def crawl_state(
    session: Session, *, max_failure_attempts: int = 5, source: str = ICHONGQING_SOURCE
) -> dict[str, Any]:
    """What the spider of ``source`` must know before it starts: the sources' validators, the
    failures and, for another source's generic spider, its stored articles' validators.

    iChongqing's stored articles are not in it (``"stored": "database"``): its spider looks up
    the ones a sitemap or the feed lists, by key (``pipelines.storage.stored``), so the state's
    size does not grow with the history.
    """
    state: dict[str, Any] = {}
    if source == ICHONGQING_SOURCE:
        state["stored"] = "database"
    else:
        articles: dict[str, dict[str, Any]] = {}
        rows = session.execute(
            select(
                Article.url,
                Article.sitemap_lastmod,
                Article.modified_at,
                Article.etag,
                Article.http_last_modified,
            ).where(Article.source == source)
        )
        for url, lastmod, modified, etag, last_modified in rows:
            key = key_for(source, url)
            if key is None:
                continue
            known = lastmod or modified
            articles[key] = {
                "lastmod": known.isoformat() if known else None,
                "etag": etag,
                "last_modified": last_modified,
            }
        state["articles"] = articles
    sources = {
        doc.url: {
            "etag": doc.etag,
            "last_modified": doc.http_last_modified,
            "lastmod": doc.lastmod.isoformat() if doc.lastmod else None,
        }
        for doc in session.scalars(select(SourceDocument))
    }
    retry = list(
        session.scalars(
            select(CrawlFailure.url).where(
                CrawlFailure.resolved_at.is_(None), CrawlFailure.attempts < max_failure_attempts
            )
        )
    )
    failed: dict[str, int] = {}
    for url, attempts in session.execute(
        select(CrawlFailure.url, CrawlFailure.attempts).where(CrawlFailure.resolved_at.is_(None))
    ):
        key = key_for(source, url)
        if key is not None:
            failed[key] = max(failed.get(key, 0), attempts)
    return {**state, "sources": sources, "retry": retry, "failed": failed}
