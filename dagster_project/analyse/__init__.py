"""The analysis area: topics and events of stored articles, and their consistency checks."""

import dagster as dg

from .assets import article_topics, events
from .checks import events_consistent, topics_consistent

defs = dg.Definitions(
    assets=[article_topics, events], asset_checks=[topics_consistent, events_consistent]
)
