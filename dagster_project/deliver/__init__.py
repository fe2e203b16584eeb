"""The delivery area: one asset per subscription (its digest or its instant alerts)."""

from collections.abc import Sequence

import dagster as dg

from pipelines.subscriptions import Subscription

from .assets import delivery_asset, delivery_asset_name


def definitions(subscriptions: Sequence[Subscription]) -> dg.Definitions:
    return dg.Definitions(assets=[delivery_asset(s) for s in subscriptions])


__all__ = ["definitions", "delivery_asset", "delivery_asset_name"]
