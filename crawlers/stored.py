"""What the spider knows of the stored articles: their lastmod and validators, by article key.

Either a mapping handed over in the crawl's state file (tests, a crawl with no database), or
the database itself (``"stored": "database"`` in the state, the URL in the child's environment
as ``CQMONITOR_DATABASE_URL``): the keys a sitemap or the feed lists are looked up by index,
a batch at a time, so a crawl costs what it reads, not what is stored.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

DATABASE_ENV = "CQMONITOR_DATABASE_URL"
CACHE_LIMIT = 20_000


class StoredArticles(Protocol):
    def prefetch(self, keys: Iterable[str]) -> None: ...

    def get(self, key: str) -> dict[str, Any] | None: ...

    def close(self) -> None: ...


class MappingStored:
    """Stored articles given in full (a small state, or none)."""

    def __init__(self, articles: Mapping[str, dict[str, Any]]) -> None:
        self.articles = dict(articles)

    def prefetch(self, keys: Iterable[str]) -> None:
        return None

    def get(self, key: str) -> dict[str, Any] | None:
        return self.articles.get(key)

    def close(self) -> None:
        return None


class DatabaseStored:
    """Stored articles looked up in the database, cached for the crawl (found or not)."""

    def __init__(self, url: str) -> None:
        # Imported here: a crawl handed a mapping needs no SQLAlchemy.
        from pipelines.storage.db import make_engine, session_factory

        self.engine = make_engine(url)
        self.factory = session_factory(self.engine)
        self.known: dict[str, dict[str, Any] | None] = {}

    def prefetch(self, keys: Iterable[str]) -> None:
        from pipelines.storage.stored import stored_validators

        wanted = [key for key in dict.fromkeys(keys) if key and key not in self.known]
        if not wanted:
            return
        if len(self.known) > CACHE_LIMIT:
            # Asked page by page: a backfill's cache must not grow with its window.
            self.known.clear()
        with self.factory() as session:
            found = stored_validators(session, wanted)
        for key in wanted:
            self.known[key] = found.get(key)

    def get(self, key: str) -> dict[str, Any] | None:
        if key not in self.known:
            self.prefetch([key])
        return self.known.get(key)

    def close(self) -> None:
        self.engine.dispose()


def stored_from_state(state: Mapping[str, Any]) -> StoredArticles:
    """The stored articles the crawl's state names: its mapping, or the database."""
    if state.get("stored") != "database":
        return MappingStored(state.get("articles", {}))
    url = os.environ.get(DATABASE_ENV)
    if not url:
        raise ValueError(f'the crawl state says "stored": "database" but {DATABASE_ENV} is not set')
    return DatabaseStored(url)
