"""cqmonitor's orchestration: Dagster assets, checks, sensors, schedules, and the CLI.

Layers import one way: ``dagster_project`` -> ``crawlers`` -> ``pipelines``.
"""

import warnings

import dagster as dg

# backfill_policy is "beta" in Dagster 1.13; the single-run policy is what the monthly partitions
# rely on, and the notice at every import means nothing to an operator.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)
