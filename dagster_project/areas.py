"""The areas of the project, each owning its Definitions (assets, checks, sensors, schedules).

The delivery and operations areas depend on the subscriptions (one delivery asset each, an
alert schedule when one is instant), the crawl area on the sources (one asset per configured
source), so the areas are built from them.
"""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from pipelines.sources import Source
from pipelines.subscriptions import Subscription, default_subscription

from . import analyse, crawl, deliver, operations, report, store
from .crawl.sources import source_assets


def area_definitions(
    subscriptions: Sequence[Subscription] | None = None, sources: Sequence[Source] = ()
) -> dg.Definitions:
    """Every area's definitions merged, without resources (default: one ``default``
    subscription, iChongqing alone)."""
    subscriptions = tuple(subscriptions or (default_subscription(""),))
    return dg.Definitions.merge(
        crawl.defs,
        dg.Definitions(assets=source_assets(sources)),
        store.defs,
        analyse.defs,
        deliver.definitions(subscriptions),
        report.defs,
        operations.definitions(subscriptions),
    )
