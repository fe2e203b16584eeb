"""The delivery area: the Slack digest of everything not yet delivered."""

import dagster as dg

from .assets import slack_digest

defs = dg.Definitions(assets=[slack_digest])
