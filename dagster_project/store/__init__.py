"""The store area: the ``articles`` asset and the checks that guard its rows."""

import dagster as dg

from .assets import articles
from .checks import articles_complete, no_duplicate_articles

defs = dg.Definitions(assets=[articles], asset_checks=[no_duplicate_articles, articles_complete])
