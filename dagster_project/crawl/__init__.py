"""The crawl area: the crawl asset, the crawl-health checks and the freshness sensor."""

import dagster as dg

from .assets import raw_articles
from .checks import crawl_field_coverage, crawl_read_by_site_path
from .sensors import crawl_freshness

defs = dg.Definitions(
    assets=[raw_articles],
    asset_checks=[crawl_field_coverage, crawl_read_by_site_path],
    sensors=[crawl_freshness],
)
