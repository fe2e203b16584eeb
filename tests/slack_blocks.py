"""Block Kit's limits as Slack enforces them on ``chat.postMessage``, for the Slack stand-in
(``tests.slack_server``) and the digest's tests."""

from __future__ import annotations

from typing import Any

MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
MAX_BLOCK_TEXT_CHARS = 13_000
MAX_TEXT_CHARS = 40_000
MAX_OVERFLOW_OPTIONS = 5
MAX_OPTION_TEXT_CHARS = 75
MAX_OPTION_VALUE_CHARS = 150
MAX_ACTION_ID_CHARS = 255


def _accessory_errors(accessory: Any, where: str) -> list[str]:
    """An overflow menu as Slack checks it: 1..5 options, text <= 75, value <= 150."""
    if not isinstance(accessory, dict) or accessory.get("type") != "overflow":
        return [f"[ERROR] unsupported accessory {where}/accessory]"]
    errors = []
    action_id = accessory.get("action_id")
    if not isinstance(action_id, str) or not 0 < len(action_id) <= MAX_ACTION_ID_CHARS:
        errors.append(f"[ERROR] invalid action_id {where}/accessory/action_id]")
    options = accessory.get("options")
    if not isinstance(options, list) or not 0 < len(options) <= MAX_OVERFLOW_OPTIONS:
        return [*errors, f"[ERROR] must have 1 to 5 options {where}/accessory/options]"]
    for j, option in enumerate(options):
        at = f"{where}/accessory/options/{j}"
        text = (option.get("text") or {}) if isinstance(option, dict) else {}
        value = option.get("value") if isinstance(option, dict) else None
        if text.get("type") != "plain_text" or not 0 < len(text.get("text", "")) <= 75:
            errors.append(f"[ERROR] option text must be 1 to 75 characters {at}/text]")
        if not isinstance(value, str) or not 0 < len(value) <= MAX_OPTION_VALUE_CHARS:
            errors.append(f"[ERROR] option value must be 1 to 150 characters {at}/value]")
    return errors


def block_kit_errors(blocks: Any) -> list[str]:
    """The ways ``blocks`` breaks Block Kit's limits, as Slack words them (empty if fine)."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    errors = []
    if len(blocks) > MAX_BLOCKS:
        errors.append(f"[ERROR] must be less than {MAX_BLOCKS + 1} items [json-pointer:/blocks]")
    total = 0
    for i, block in enumerate(blocks):
        where = f"[json-pointer:/blocks/{i}"
        if not isinstance(block, dict) or "type" not in block:
            errors.append(f"[ERROR] missing required field: type {where}]")
            continue
        kind = block["type"]
        text = block.get("text")
        if kind == "section":
            if not isinstance(text, dict) or text.get("type") not in ("mrkdwn", "plain_text"):
                errors.append(f"[ERROR] missing required field: text {where}/text]")
                continue
            n = len(text.get("text", ""))
            total += n
            if n > MAX_SECTION_CHARS:
                errors.append(
                    f"[ERROR] must be less than {MAX_SECTION_CHARS + 1} characters {where}/text]"
                )
            if n == 0:
                errors.append(f"[ERROR] must be more than 0 characters {where}/text]")
            if "accessory" in block:
                errors.extend(_accessory_errors(block["accessory"], where))
        elif kind == "header":
            if not isinstance(text, dict) or text.get("type") != "plain_text":
                errors.append(f"[ERROR] must be a plain_text object {where}/text]")
                continue
            n = len(text.get("text", ""))
            total += n
            if n > MAX_HEADER_CHARS:
                errors.append(
                    f"[ERROR] must be less than {MAX_HEADER_CHARS + 1} characters {where}/text]"
                )
        elif kind == "context":
            elements = block.get("elements") or []
            if not 0 < len(elements) <= 10:
                errors.append(f"[ERROR] must have 1 to 10 elements {where}/elements]")
            for element in elements:
                total += len(element.get("text", "")) if isinstance(element, dict) else 0
        elif kind != "divider":
            errors.append(f"[ERROR] unsupported block type: {kind} {where}]")
    if total > MAX_BLOCK_TEXT_CHARS:
        errors.append(f"[ERROR] blocks carry {total} characters of text [json-pointer:/blocks]")
    return errors
