"""Readers' corrections from Slack: the request guard (signature, replay, rate), the payloads,
recording and applying a correction, the modals and message notes, and the labels they become.

Plain Python (no web framework): ``dagster_project.serve`` is the ASGI app around it.
"""

from .guard import RateLimit, Refusal, RequestGuard
from .handle import InteractionHandler, Outcome, SlackCall
from .labels import export_records, load_corrections_as_labeled, write_export
from .payloads import PayloadError, parse_interaction
from .record import CorrectionError, CorrectionRequest, Slots, correct, describe

__all__ = [
    "CorrectionError",
    "CorrectionRequest",
    "InteractionHandler",
    "Outcome",
    "PayloadError",
    "RateLimit",
    "Refusal",
    "RequestGuard",
    "SlackCall",
    "Slots",
    "correct",
    "describe",
    "export_records",
    "load_corrections_as_labeled",
    "parse_interaction",
    "write_export",
]
