"""The areas of the project, each owning its Definitions (assets, checks, sensors, schedules)."""

from __future__ import annotations

import dagster as dg

from . import analyse, crawl, deliver, operations, report, store

AREAS = (crawl, store, analyse, deliver, report, operations)


def area_definitions() -> dg.Definitions:
    """Every area's definitions merged, without resources."""
    return dg.Definitions.merge(*(area.defs for area in AREAS))
