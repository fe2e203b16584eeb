"""The Dagster definitions of cqmonitor: small per-area ``Definitions`` merged into one.

Settings come from the environment through ``dg.EnvVar``; a setting left unset takes its
default (the same ones ``cqmonitor run`` uses).
"""

from __future__ import annotations

import os

import dagster as dg

from pipelines.settings import (
    DEFAULT_DATA_DIR,
    DEFAULT_DELAY,
    DEFAULT_SOURCE_URL,
    SettingError,
    default_database_url,
)

from . import alerts
from .assets import crawl, digest, processing
from .checks import ASSET_CHECKS
from .jobs import daily_digest_schedule, pipeline_job
from .resources import (
    DEFAULT_DAGSTER_UI_URL,
    DatabaseResource,
    SlackResource,
    SourceSiteResource,
    TaxonomyResource,
)
from .sensors import crawl_freshness


def _env(name: str, default: str) -> str | dg.EnvVar:
    """``dg.EnvVar(name)`` when the variable is set (read at run time), else the default."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def _env_float(name: str, default: float) -> float:
    """A number from the environment, read when the definitions load.

    ``dg.EnvVar`` only carries strings and ints; a bad value fails the load with the variable
    named, like every other setting.
    """
    text = os.environ.get(name)
    if not text:
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise SettingError(name, f"not a number: {text!r}") from exc


def resources() -> dict[str, dg.ConfigurableResource]:
    data_dir = os.environ.get("CQMONITOR_DATA_DIR") or DEFAULT_DATA_DIR
    return {
        "database": DatabaseResource(
            url=_env("CQMONITOR_DATABASE_URL", default_database_url(data_dir))
        ),
        "source_site": SourceSiteResource(
            url=_env("CQMONITOR_SOURCE_URL", DEFAULT_SOURCE_URL),
            delay=_env_float("CQMONITOR_DOWNLOAD_DELAY", DEFAULT_DELAY),
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


def areas() -> list[dg.Definitions]:
    """One small Definitions per area (kept out of module scope, where the Dagster CLI expects
    exactly one)."""
    return [
        dg.Definitions(assets=[crawl.raw_articles]),
        dg.Definitions(assets=[processing.articles, processing.article_topics, processing.events]),
        dg.Definitions(assets=[digest.slack_digest]),
        dg.Definitions(asset_checks=ASSET_CHECKS),
        dg.Definitions(
            jobs=[pipeline_job], schedules=[daily_digest_schedule], sensors=[crawl_freshness]
        ),
        alerts.alerts_defs,
    ]


defs = dg.Definitions.merge(*areas(), dg.Definitions(resources=resources()))
