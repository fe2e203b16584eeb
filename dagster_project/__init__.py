"""cqmonitor's orchestration: Dagster assets, checks, sensors, schedules, and the CLI.

Layers import one way: ``dagster_project`` -> ``crawlers`` -> ``pipelines``
(``tests/test_layers.py`` checks it). This package imports nothing heavy itself, so that
``cqmonitor --help`` does not wait for Dagster.
"""

import warnings

# backfill_policy is "beta" in Dagster 1.13; the single-run policy is what the monthly partitions
# rely on, and the notice at every import means nothing to an operator. (Matched by message, so
# that this filter does not import Dagster.)
warnings.filterwarnings("ignore", message=".*backfill_policy.*")
