"""A database for the corrections tests: the bundled copy's articles (from the session's
crawled database), classified and extracted by the real pipeline, on SQLite or PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pipelines.analysis import classify_pending, extract_pending
from pipelines.settings import Settings
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.models import Article
from pipelines.taxonomy import load_taxonomy

_COPIED = (
    "url", "title", "author", "published_at", "modified_at", "body_text", "post_id",
    "categories", "tags", "content_hash",
)  # fmt: skip

SUBSCRIPTIONS = """\
subscriptions:
  - name: team-a
    channel: C0DIGEST1
  - name: team-b
    channel: C0DIGEST2
  - name: private-desk
    channel: C0DIGEST2
    calendar_token: {token}
"""
CALENDAR_TOKEN = "s3cret-calendar-token-0123456789"


def seed_copy(bundled_url: str, url: str) -> int:
    """Copy the bundled articles into ``url`` and classify and extract them; article count."""
    source = make_engine(bundled_url)
    with session_scope(session_factory(source)) as session:
        rows = [{k: getattr(a, k) for k in _COPIED} for a in session.scalars(select(Article))]
    source.dispose()
    migrate(url)
    engine = make_engine(url)
    taxonomy = load_taxonomy()
    with session_scope(session_factory(engine)) as session:
        session.add_all(Article(**row, extraction={}) for row in rows)
        session.flush()
        classify_pending(session, taxonomy)
        extract_pending(session, taxonomy)
    engine.dispose()
    return len(rows)


def service_settings(url: str, data_dir: Path, slack: Any, **overrides: Any) -> Settings:
    """Settings of a service on ``url`` with the subscriptions above and ``slack``'s API."""
    subs = data_dir / "subscriptions.yaml"
    subs.write_text(SUBSCRIPTIONS.format(token=CALENDAR_TOKEN))
    values: dict[str, Any] = {
        "database_url": url,
        "data_dir": str(data_dir),
        "subscriptions_path": str(subs),
        "slack_api_url": slack.url if slack is not None else "",
        "slack_token": slack.token if slack is not None else "",
    }
    return replace(Settings.from_env(env={}), **{**values, **overrides}).validate()
