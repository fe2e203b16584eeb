"""The Dagster definitions of cqmonitor: small per-area ``Definitions`` merged into one.

Settings come from the environment through ``dg.EnvVar``; a setting left unset takes its
default (the same ones ``cqmonitor run`` uses).
"""

from __future__ import annotations

import os

import dagster as dg

from pipelines.settings import DEFAULT_DATA_DIR, DEFAULT_SOURCE_URL, default_database_url

from .alerts import alerts_defs
from .assets import crawl, digest, processing
from .jobs import daily_digest_schedule, pipeline_job
from .resources import (
    DEFAULT_DAGSTER_UI_URL,
    DatabaseResource,
    SlackResource,
    SourceSiteResource,
    TaxonomyResource,
)


def _env(name: str, default: str) -> str | dg.EnvVar:
    """``dg.EnvVar(name)`` when the variable is set (read at run time), else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def _env_float(name: str, default: float) -> float | dg.EnvVar:
    return dg.EnvVar(name) if os.environ.get(name) else default


def resources() -> dict[str, dg.ConfigurableResource]:
    data_dir = os.environ.get("CQMONITOR_DATA_DIR") or DEFAULT_DATA_DIR
    return {
        "database": DatabaseResource(
            url=_env("CQMONITOR_DATABASE_URL", default_database_url(data_dir))
        ),
        "source_site": SourceSiteResource(
            url=_env("CQMONITOR_SOURCE_URL", DEFAULT_SOURCE_URL),
            delay=_env_float("CQMONITOR_DOWNLOAD_DELAY", 2.0),  # type: ignore[arg-type]
            work_dir=f"{data_dir}/crawls",
        ),
        "taxonomy": TaxonomyResource(path=_env("CQMONITOR_TAXONOMY", "")),
        "slack": SlackResource(
            token=_env("SLACK_BOT_TOKEN", ""),
            channel=_env("CQMONITOR_SLACK_CHANNEL", ""),
            alert_channel=_env("CQMONITOR_SLACK_ALERT_CHANNEL", ""),
            api_url=_env("SLACK_API_URL", ""),
            send_empty=os.environ.get("CQMONITOR_SLACK_SEND_EMPTY", "").lower() in ("1", "true"),
            preview_dir=data_dir,
            ui_url=_env("CQMONITOR_DAGSTER_UI_URL", DEFAULT_DAGSTER_UI_URL),
        ),
    }


crawl_defs = dg.Definitions(assets=[crawl.raw_articles])
processing_defs = dg.Definitions(
    assets=[processing.articles, processing.article_topics, processing.events]
)
digest_defs = dg.Definitions(assets=[digest.slack_digest])
ops_defs = dg.Definitions(jobs=[pipeline_job], schedules=[daily_digest_schedule])

defs = dg.Definitions.merge(
    crawl_defs,
    processing_defs,
    digest_defs,
    ops_defs,
    alerts_defs,
    dg.Definitions(resources=resources()),
)
