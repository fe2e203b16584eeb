"""The report area: the weekly report for analysts and its Monday-morning schedule."""

import dagster as dg

from .assets import weekly_report
from .jobs import weekly_report_job, weekly_report_schedule

defs = dg.Definitions(
    assets=[weekly_report], jobs=[weekly_report_job], schedules=[weekly_report_schedule]
)
