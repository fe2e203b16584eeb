"""What readers see of a correction: the two modals ("Wrong date or place", "Same event as
...") opened with ``views.open``, and the corrected message (a note under the item)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipelines.core.statuses import CorrectionKind, DigestItemType
from pipelines.digest.actions import item_ref
from pipelines.digest.mrkdwn import MAX_BLOCKS, MAX_SECTION_CHARS, escape

from .payloads import MERGE_CALLBACK, SLOTS_CALLBACK

START, END, PLACE, TARGET = "start", "end", "place", "target"
_MAX_SELECT_OPTIONS = 100


def _plain(text: str, limit: int = 75) -> dict[str, Any]:
    text = " ".join(text.split()) or "(unnamed)"
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return {"type": "plain_text", "text": text}


def _input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "optional": True,
        "label": _plain(label, 2000),
        "element": element,
    }


def _datepicker(initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker", "action_id": "date"}
    if initial:
        element["initial_date"] = initial
    return element


def slots_modal(name: str, slots: dict[str, str | None], metadata: str) -> dict[str, Any]:
    """The "Wrong date or place" modal, filled with what is stored."""
    place: dict[str, Any] = {"type": "plain_text_input", "action_id": "text", "max_length": 200}
    if slots.get("place"):
        place["initial_value"] = str(slots["place"])[:200]
    return {
        "type": "modal",
        "callback_id": SLOTS_CALLBACK,
        "private_metadata": metadata,
        "title": _plain("Wrong date or place", 24),
        "submit": _plain("Save", 24),
        "close": _plain("Cancel", 24),
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{escape(name)}*"[:3000]}},
            _input(START, "Starts on", _datepicker(slots.get("start_date"))),
            _input(END, "Ends on (same day if empty)", _datepicker(slots.get("end_date"))),
            _input(PLACE, "Where", place),
        ],
    }


def merge_modal(name: str, candidates: Sequence[tuple[str, str]], metadata: str) -> dict[str, Any]:
    """The "Same event as ..." modal: a list of the kind's recent events to merge into."""
    head = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": f"*{escape(name)}* is the same event as:"[:3000]},
    }
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": MERGE_CALLBACK,
        "private_metadata": metadata,
        "title": _plain("Same event as ...", 24),
        "close": _plain("Cancel", 24),
    }
    options = [
        {
            "text": _plain(label),
            "value": item_ref(CorrectionKind.SAME_EVENT, DigestItemType.EVENT, key).encode(),
        }
        for key, label in candidates[:_MAX_SELECT_OPTIONS]
    ]
    if not options:
        note = {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "No other event of this kind is stored."},
        }
        return {**view, "blocks": [head, note]}
    select = {"type": "static_select", "action_id": "event", "options": options}
    target = {**_input(TARGET, "Event", select), "optional": False}
    return {**view, "submit": _plain("Merge", 24), "blocks": [head, target]}


def mark_item(
    blocks: Sequence[dict[str, Any]], block_id: str, note: str
) -> list[dict[str, Any]] | None:
    """The message's ``blocks`` with ``note`` (mrkdwn) shown under the item of ``block_id``;
    None when that block is not in the message."""
    out = [dict(b) for b in blocks]
    at = next((i for i, b in enumerate(out) if b.get("block_id") == block_id), None)
    if at is None:
        return None
    if len(out) < MAX_BLOCKS:
        # Right under the item's first section, the one carrying the menu.
        context = {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}
        return [*out[: at + 1], context, *out[at + 1 :]]
    text = dict(out[at].get("text") or {})
    added = f"{text.get('text', '')}\n{note}"
    if len(added) > MAX_SECTION_CHARS:
        return None
    out[at] = {**out[at], "text": {**text, "text": added}}
    return out
