"""Slack's interaction payloads, read into typed requests: a menu choice (``block_actions``) or
a submitted modal (``view_submission``). Anything else, or anything not shaped like Slack's,
is a :class:`PayloadError` (the service answers 400).

Slack posts ``application/x-www-form-urlencoded`` with one field, ``payload``, holding JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.digest.actions import ACTION_ID, ActionValueError, ItemAction, decode_value

SLOTS_CALLBACK = "cqmonitor_slots"
MERGE_CALLBACK = "cqmonitor_merge"
MAX_METADATA = 3000


class PayloadError(ValueError):
    """Not an interaction cqmonitor handles; the message is safe to log (no payload text)."""


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _User(_Loose):
    id: str = Field(min_length=1, max_length=64)
    username: str = ""
    name: str = ""


class _Option(_Loose):
    value: str


class _Action(_Loose):
    action_id: str
    block_id: str = ""
    type: str = ""
    selected_option: _Option | None = None


class _Channel(_Loose):
    id: str = Field(min_length=1, max_length=64)


class _Message(_Loose):
    ts: str = Field(min_length=1, max_length=64)
    text: str = ""
    blocks: list[dict[str, Any]] = Field(default_factory=list)
    thread_ts: str | None = None


class _BlockActions(_Loose):
    type: Literal["block_actions"]
    user: _User
    actions: list[_Action] = Field(min_length=1)
    channel: _Channel | None = None
    message: _Message | None = None
    trigger_id: str = ""
    response_url: str = ""


class _View(_Loose):
    callback_id: str
    private_metadata: str = Field(default="", max_length=MAX_METADATA)
    state: dict[str, Any] = Field(default_factory=dict)


class _ViewSubmission(_Loose):
    type: Literal["view_submission"]
    user: _User
    view: _View


@dataclass(frozen=True)
class Reader:
    """Who acted: the Slack user id and a name to show."""

    id: str
    name: str


@dataclass(frozen=True)
class MenuChoice:
    """A reader picked a correction from an item's menu."""

    reader: Reader
    action: ItemAction
    channel: str | None
    message_ts: str | None
    thread_ts: str | None
    block_id: str
    message_text: str
    message_blocks: list[dict[str, Any]]
    trigger_id: str
    response_url: str


@dataclass(frozen=True)
class ModalSubmission:
    """A reader submitted the date/place or the merge modal of an item."""

    reader: Reader
    callback_id: str
    action: ItemAction
    channel: str | None
    message_ts: str | None
    thread_ts: str | None
    block_id: str
    values: dict[str, Any]


Interaction = MenuChoice | ModalSubmission


def _reader(user: _User) -> Reader:
    return Reader(id=user.id, name=user.username or user.name or user.id)


def _payload_json(body: bytes) -> Any:
    try:
        fields = parse_qs(body.decode("utf-8"), strict_parsing=True, max_num_fields=4)
    except (UnicodeDecodeError, ValueError) as exc:
        raise PayloadError("not a form body") from exc
    payload = fields.get("payload")
    if not payload or len(payload) != 1:
        raise PayloadError("no payload field")
    try:
        return json.loads(payload[0])
    except ValueError as exc:
        raise PayloadError("payload is not JSON") from exc


def _decode(value: str) -> ItemAction:
    try:
        return decode_value(value)
    except ActionValueError as exc:
        raise PayloadError(f"unknown action: {exc}") from exc


def metadata(choice: MenuChoice) -> str:
    """The modal's private_metadata: which item, and the message to update afterwards."""
    return json.dumps(
        {
            "v": choice.action.encode(),
            "c": choice.channel,
            "t": choice.message_ts,
            "h": choice.thread_ts,
            "b": choice.block_id,
        },
        separators=(",", ":"),
    )


def _state_values(state: dict[str, Any]) -> dict[str, Any]:
    """{block_id: the input's value}: a date, an option value, or text."""
    out: dict[str, Any] = {}
    values = state.get("values") if isinstance(state, dict) else None
    if not isinstance(values, dict):
        return out
    for block_id, actions in values.items():
        if not isinstance(actions, dict):
            continue
        for element in actions.values():
            if not isinstance(element, dict):
                continue
            if "selected_date" in element:
                out[block_id] = element["selected_date"]
            elif "selected_option" in element:
                option = element["selected_option"]
                out[block_id] = option.get("value") if isinstance(option, dict) else None
            elif "value" in element:
                out[block_id] = element["value"]
    return out


def parse_interaction(body: bytes) -> Interaction:
    """The interaction in a request body Slack signed; :class:`PayloadError` if not ours."""
    data = _payload_json(body)
    kind = data.get("type") if isinstance(data, dict) else None
    try:
        if kind == "block_actions":
            parsed = _BlockActions.model_validate(data)
            action = parsed.actions[0]
            if action.action_id != ACTION_ID or action.selected_option is None:
                raise PayloadError("unknown action")
            message = parsed.message
            return MenuChoice(
                reader=_reader(parsed.user),
                action=_decode(action.selected_option.value),
                channel=parsed.channel.id if parsed.channel else None,
                message_ts=message.ts if message else None,
                thread_ts=message.thread_ts if message else None,
                block_id=action.block_id,
                message_text=message.text if message else "",
                message_blocks=message.blocks if message else [],
                trigger_id=parsed.trigger_id,
                response_url=parsed.response_url,
            )
        if kind == "view_submission":
            parsed_view = _ViewSubmission.model_validate(data)
            view = parsed_view.view
            if view.callback_id not in (SLOTS_CALLBACK, MERGE_CALLBACK):
                raise PayloadError("unknown modal")
            try:
                meta = json.loads(view.private_metadata)
                value = str(meta["v"])
            except (ValueError, KeyError, TypeError) as exc:
                raise PayloadError("modal without its item") from exc
            return ModalSubmission(
                reader=_reader(parsed_view.user),
                callback_id=view.callback_id,
                action=_decode(value),
                channel=meta.get("c"),
                message_ts=meta.get("t"),
                thread_ts=meta.get("h"),
                block_id=str(meta.get("b") or ""),
                values=_state_values(view.state),
            )
    except ValidationError as exc:
        raise PayloadError(f"malformed {kind} payload ({exc.error_count()} errors)") from exc
    raise PayloadError("unknown interaction type")


def parse_day(value: Any, field_name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise PayloadError(f"{field_name}: not a date") from exc
