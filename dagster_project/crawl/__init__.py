"""The crawl area: the crawl asset, the crawl-health check and the freshness sensor."""

import dagster as dg

from .assets import raw_articles
from .checks import crawl_field_coverage
from .sensors import crawl_freshness

defs = dg.Definitions(
    assets=[raw_articles], asset_checks=[crawl_field_coverage], sensors=[crawl_freshness]
)
