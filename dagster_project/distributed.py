"""The same definitions past one machine: the sources' assets as a job on the Celery executor.

``sources_crawl`` materializes every configured source's asset (``dagster_project.crawl.sources``)
with ``dagster-celery``: the run's steps are tasks on the broker (RabbitMQ), executed by worker
processes (``celery -A dagster_celery.app worker``) on this machine or others, which rebuild the
job from this module (``sources_job``) and the environment's settings. Dagster keeps its runs,
event logs and concurrency slots in PostgreSQL (``dagster-postgres``, deploy/dagster-celery.yaml):
each host's pool (``crawl_<host>``, one slot) keeps one crawl per host across every worker,
and cqmonitor's crawl lock per source holds the same rule in its own database.

Imported only where the ``prod`` extra is installed: ``definitions.py`` does not need it.
"""

from __future__ import annotations

import dagster as dg
from dagster_celery import celery_executor

from pipelines.settings import Settings

from .areas import area_definitions
from .crawl.sources import GROUP
from .resources import build_resources

SOURCES_JOB = "sources_crawl"


def build_definitions(settings: Settings) -> dg.Definitions:
    """Every asset, and the sources' job on the Celery executor, with the settings' resources."""
    job = dg.define_asset_job(
        SOURCES_JOB,
        selection=dg.AssetSelection.groups(GROUP),
        executor_def=celery_executor,
        description="Crawl and store every configured source, each step on a Celery worker.",
    )
    return dg.Definitions.merge(
        area_definitions(settings.subscriptions(), settings.sources()),
        dg.Definitions(jobs=[job], resources=build_resources(settings)),
    )


def sources_job() -> dg.JobDefinition:
    """The job, rebuilt from the environment (``dg.reconstructable`` target for the workers)."""
    return build_definitions(Settings.from_env().validate()).resolve_job_def(SOURCES_JOB)
