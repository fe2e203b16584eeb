"""The service's configuration from the one Settings object, and its start under uvicorn.

uvicorn's access log is off: a calendar URL carries its token in the query, and no secret may
reach a log. The service logs its own lines (path without query, status) instead.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import uvicorn
from sqlalchemy import event

from pipelines.digest import DigestLabels
from pipelines.settings import Settings
from pipelines.slack import make_web_client
from pipelines.storage.db import make_engine, migrate, session_factory

from .app import DEFAULT_PER_MINUTE, ServeConfig, create_app
from .followups import Followups

PER_MINUTE_ENV = "CQMONITOR_CORRECTIONS_PER_MINUTE"
log = logging.getLogger("cqmonitor.serve")


def per_minute_from_env() -> int:
    raw = os.environ.get(PER_MINUTE_ENV, "").strip()
    if not raw:
        return DEFAULT_PER_MINUTE
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{PER_MINUTE_ENV}: a whole number >= 1, got {raw!r}")
    return int(raw)


def _sqlite_normal_sync(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def build_config(settings: Settings, *, per_minute: int | None = None) -> ServeConfig:
    """The service's config: the database migrated, the Slack client if a token is set."""
    migrate(settings.database_url)
    engine = make_engine(settings.database_url)
    if engine.dialect.name == "sqlite":
        # WAL with synchronous=NORMAL: a commit no longer waits for the disk (a power cut may
        # lose the last corrections, a crash of the service none); Slack's 3 s budget is shared
        # by every reader at once.
        event.listen(engine, "connect", _sqlite_normal_sync)
    factory = session_factory(engine)
    client = (
        make_web_client(settings.slack_token, base_url=settings.slack_api_url or None, timeout=10)
        if settings.slack_token
        else None
    )
    labels = DigestLabels.from_taxonomy(settings.taxonomy())
    return ServeConfig(
        data_dir=settings.data_dir,
        factory=factory,
        subscriptions=settings.subscriptions,
        signing_secret=settings.slack_signing_secret,
        followups=Followups(client, settings.slack_api_url or None),
        topic_label=labels.topic,
        per_minute=per_minute or per_minute_from_env(),
    )


def serve(config: ServeConfig, host: str, port: int) -> None:
    """Run the service until SIGINT/SIGTERM (uvicorn handles both)."""
    logging.getLogger("cqmonitor").setLevel(logging.INFO)
    uvicorn.run(
        create_app(config),
        host=host,
        port=port,
        access_log=False,
        log_level="info",
        timeout_graceful_shutdown=5,
    )
