"""The Dagster definitions of cqmonitor: each area's own ``Definitions``, merged into one.

Resources come from the one settings object (``pipelines.settings.Settings``), read from the
environment when the definitions load; a bad setting fails the load with one line naming it.
"""

from __future__ import annotations

import dagster as dg

from pipelines.settings import Settings

from .areas import area_definitions
from .resources import build_resources

_settings = Settings.from_env().validate()

defs = dg.Definitions.merge(
    area_definitions(_settings.subscriptions(), _settings.sources()),
    dg.Definitions(resources=build_resources(_settings)),
)
