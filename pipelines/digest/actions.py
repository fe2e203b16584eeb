"""The correction menu every digest and alert item carries: a Block Kit overflow element whose
options say what is wrong ("Not about Talent", "Not an event", "Wrong date or place", "Same
event as ..."), and the compact action values ``cqmonitor serve`` reads back.

Block Kit bounds an overflow to 5 options, an option's text to 75 characters and its value to
150: a value is ``<action>|<item type>|<topics>|<ref>``, where the ref is the item key itself
when it fits and otherwise ``#`` and a 16-character hash of it, which the service resolves
against the stored items (``pipelines.storage.corrections.resolve_ref``). Pure: no database.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pipelines.core.statuses import CorrectionKind, DigestItemType

from .content import DigestArticle, DigestEvent, DigestLabels

ACTION_ID = "cqmonitor_correct"
MAX_OPTIONS = 5
MAX_VALUE_CHARS = 150
MAX_OPTION_TEXT = 75
HASH_PREFIX = "#"
_SEP = "|"
_TOPIC_SEP = ","


class _Code(StrEnum):
    """The short form of each correction kind in an action value."""

    NOT_TOPIC = "nt"
    NOT_EVENT = "ne"
    WRONG_SLOTS = "ws"
    SAME_EVENT = "se"


_KIND_OF = {
    _Code.NOT_TOPIC: CorrectionKind.NOT_TOPIC,
    _Code.NOT_EVENT: CorrectionKind.NOT_EVENT,
    _Code.WRONG_SLOTS: CorrectionKind.WRONG_SLOTS,
    _Code.SAME_EVENT: CorrectionKind.SAME_EVENT,
}
_CODE_OF = {kind: code for code, kind in _KIND_OF.items()}
_TYPE_CODES = {DigestItemType.EVENT: "e", DigestItemType.ARTICLE: "a"}
_TYPE_OF = {code: item_type for item_type, code in _TYPE_CODES.items()}


class ActionValueError(ValueError):
    """An action value that cqmonitor did not write (or a kind it does not know)."""


@dataclass(frozen=True)
class ItemAction:
    """What one menu option asks: a correction ``kind`` of the item ``ref`` names.

    ``ref`` is the item key, or ``#<hash>`` of a key too long for the value (``is_hashed``);
    ``topics`` are the topics a NOT_TOPIC option removes.
    """

    kind: CorrectionKind
    item_type: DigestItemType
    ref: str
    topics: tuple[str, ...] = ()

    @property
    def is_hashed(self) -> bool:
        return self.ref.startswith(HASH_PREFIX)

    def encode(self) -> str:
        return _SEP.join(
            (
                _CODE_OF[self.kind],
                _TYPE_CODES[self.item_type],
                _TOPIC_SEP.join(self.topics),
                self.ref,
            )
        )


def key_hash(item_key: str) -> str:
    """``#`` and 16 URL-safe characters (96 bits) of SHA-256: the ref of a long item key."""
    digest = hashlib.sha256(item_key.encode("utf-8")).digest()[:12]
    return HASH_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii")


def item_ref(
    kind: CorrectionKind, item_type: DigestItemType, item_key: str, topics: Sequence[str] = ()
) -> ItemAction:
    """The action for ``item_key``, with the key hashed if the value would exceed 150 chars."""
    action = ItemAction(kind, item_type, item_key, tuple(topics))
    if len(action.encode()) <= MAX_VALUE_CHARS and not item_key.startswith(HASH_PREFIX):
        return action
    return ItemAction(kind, item_type, key_hash(item_key), tuple(topics))


def decode_value(value: str) -> ItemAction:
    """The action of a menu option's value; :class:`ActionValueError` if it is not ours."""
    if not isinstance(value, str) or len(value) > MAX_VALUE_CHARS:
        raise ActionValueError("not a cqmonitor action value")
    parts = value.split(_SEP, 3)
    if len(parts) != 4:
        raise ActionValueError("not a cqmonitor action value")
    code, type_code, topics, ref = parts
    try:
        kind = _KIND_OF[_Code(code)]
        item_type = _TYPE_OF[type_code]
    except (ValueError, KeyError) as exc:
        raise ActionValueError(f"unknown action {code!r}/{type_code!r}") from exc
    topic_list = tuple(t for t in topics.split(_TOPIC_SEP) if t)
    if not ref or (kind is CorrectionKind.NOT_TOPIC) != bool(topic_list):
        raise ActionValueError("action value without its item or topics")
    if item_type is DigestItemType.ARTICLE and kind is not CorrectionKind.NOT_TOPIC:
        raise ActionValueError("an article item only takes 'not about <topic>'")
    return ItemAction(kind, item_type, ref, topic_list)


def _option(text: str, action: ItemAction) -> dict[str, Any]:
    if len(text) > MAX_OPTION_TEXT:
        text = text[: MAX_OPTION_TEXT - 1].rstrip() + "…"
    return {"text": {"type": "plain_text", "text": text}, "value": action.encode()}


def _topic_options(
    item_type: DigestItemType,
    item_key: str,
    topics: Sequence[str],
    labels: DigestLabels,
    room: int,
) -> list[dict[str, Any]]:
    """One "Not about <topic>" per topic; the last option takes the rest when room runs out."""
    if room <= 0 or not topics:
        return []
    singles = list(topics) if len(topics) <= room else list(topics[: room - 1])
    groups = [[t] for t in singles]
    if len(topics) > room:
        groups.append(list(topics[room - 1 :]))
    return [
        _option(
            f"Not about {' or '.join(labels.topic(t) for t in group)}",
            item_ref(CorrectionKind.NOT_TOPIC, item_type, item_key, group),
        )
        for group in groups
    ]


def overflow(options: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "overflow", "action_id": ACTION_ID, "options": options[:MAX_OPTIONS]}


def event_menu(ev: DigestEvent, labels: DigestLabels) -> dict[str, Any]:
    """The overflow of an event item: its topics, not an event, wrong date/place, same as."""
    key = ev.item_key
    fixed = [
        _option("Not an event", item_ref(CorrectionKind.NOT_EVENT, DigestItemType.EVENT, key)),
        _option(
            "Wrong date or place", item_ref(CorrectionKind.WRONG_SLOTS, DigestItemType.EVENT, key)
        ),
        _option(
            "Same event as ...", item_ref(CorrectionKind.SAME_EVENT, DigestItemType.EVENT, key)
        ),
    ]
    topics = _topic_options(DigestItemType.EVENT, key, ev.topics, labels, MAX_OPTIONS - len(fixed))
    return overflow(topics + fixed)


def article_menu(art: DigestArticle, labels: DigestLabels) -> dict[str, Any] | None:
    """The overflow of a topic article without an event: "Not about <topic>" per topic."""
    options = _topic_options(DigestItemType.ARTICLE, art.url, art.topics, labels, MAX_OPTIONS)
    return overflow(options) if options else None


def with_menu(blocks: list[dict[str, Any]], menu: dict[str, Any] | None) -> list[dict[str, Any]]:
    """``blocks`` of one item with ``menu`` as the accessory of its first section."""
    if menu is None:
        return blocks
    for i, block in enumerate(blocks):
        if block.get("type") == "section":
            return [*blocks[:i], {**block, "accessory": menu}, *blocks[i + 1 :]]
    return blocks
