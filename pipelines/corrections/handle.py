"""What to do with one verified interaction: record and apply the correction, and which Slack
calls follow (open a modal, update the message, tell the reader), as data.

The service answers Slack first (within its 3 seconds) and makes the follow-up calls after, so
a slow Web API never makes Slack show the reader an error.
"""

from __future__ import annotations

import base64
import binascii
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from pipelines.core.statuses import CorrectionKind
from pipelines.digest.actions import HASH_PREFIX, ActionValueError, ItemAction, decode_value
from pipelines.storage import corrections as store
from pipelines.storage.db import session_scope

from .guard import RateLimit
from .payloads import (
    Interaction,
    MenuChoice,
    ModalSubmission,
    PayloadError,
    metadata,
    parse_day,
)
from .record import CorrectionError, CorrectionRequest, Slots, correct, describe
from .views import END, PLACE, START, TARGET, mark_item, merge_modal, slots_modal


@dataclass(frozen=True)
class SlackCall:
    """One follow-up: ``views.open``, ``chat.update`` (of the message, with a note under the
    item), or a post to the interaction's ``response_url``."""

    method: str
    args: dict[str, Any]


@dataclass
class Outcome:
    """The HTTP answer to Slack (status, JSON body or none) and the calls that follow."""

    status: int = 200
    body: dict[str, Any] | None = None
    calls: list[SlackCall] = field(default_factory=list)
    correction_id: int | None = None


NEEDS_TOKEN = (
    "cqmonitor cannot open this form: the service runs without SLACK_BOT_TOKEN "
    "(set it to correct dates, places and merges)"
)


def _ephemeral(response_url: str, text: str) -> SlackCall:
    return SlackCall(
        "response_url",
        {
            "url": response_url,
            "json": {"response_type": "ephemeral", "replace_original": False, "text": text},
        },
    )


class InteractionHandler:
    """Turns interactions into corrections; ``topic_label`` names topics in notes."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        rate: RateLimit,
        has_token: bool,
        topic_label: Callable[[str], str] = str,
    ) -> None:
        self.factory = factory
        self.rate = rate
        self.has_token = has_token
        self.topic_label = topic_label
        # One correction at a time: on SQLite, writers queued here wait no longer than needed,
        # where SQLite's own busy handler would sleep and retry (and a correction is ~ms).
        self._write = threading.Lock()

    # --- resolving ------------------------------------------------------------------------

    def _item_key(self, session: Session, action: ItemAction) -> str | None:
        if not action.is_hashed:
            return action.ref
        try:
            digest = base64.urlsafe_b64decode(action.ref[len(HASH_PREFIX) :].encode("ascii"))
        except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
            raise PayloadError("bad item reference") from exc
        return store.resolve_ref(session, action.item_type, digest)

    # --- entry point ----------------------------------------------------------------------

    def handle(self, interaction: Interaction) -> Outcome:
        with self._write:
            if isinstance(interaction, MenuChoice):
                return self._menu(interaction)
            return self._submission(interaction)

    def _menu(self, choice: MenuChoice) -> Outcome:
        kind = choice.action.kind
        if kind in (CorrectionKind.WRONG_SLOTS, CorrectionKind.SAME_EVENT):
            return self._open_modal(choice)
        if not self.rate.allow(choice.reader.id):
            return Outcome(status=429)
        try:
            with session_scope(self.factory) as session:
                key = self._item_key(session, choice.action)
                if key is None:
                    raise CorrectionError("this item is no longer stored")
                row = correct(session, self._request(choice, key))
                note = f"{describe(row, self.topic_label)} by <@{choice.reader.id}>"
                row_id = row.id
        except CorrectionError as exc:
            calls = [_ephemeral(choice.response_url, str(exc))] if choice.response_url else []
            return Outcome(calls=calls)
        return Outcome(calls=self._update_calls(choice, note), correction_id=row_id)

    def _request(self, choice: MenuChoice, key: str, **extra: Any) -> CorrectionRequest:
        return CorrectionRequest(
            kind=choice.action.kind,
            item_type=choice.action.item_type,
            item_key=key,
            user_id=choice.reader.id,
            user_name=choice.reader.name,
            topics=choice.action.topics,
            channel=choice.channel,
            message_ts=choice.message_ts,
            **extra,
        )

    def _update_calls(self, choice: MenuChoice, note: str) -> list[SlackCall]:
        blocks = mark_item(choice.message_blocks, choice.block_id, note)
        if blocks is None:
            return []
        if choice.response_url:
            body = {"replace_original": True, "text": choice.message_text, "blocks": blocks}
            return [SlackCall("response_url", {"url": choice.response_url, "json": body})]
        if self.has_token and choice.channel and choice.message_ts:
            args = {"channel": choice.channel, "ts": choice.message_ts, "text": choice.message_text}
            return [SlackCall("chat.update", {**args, "blocks": blocks})]
        return []

    def _open_modal(self, choice: MenuChoice) -> Outcome:
        if not self.has_token or not choice.trigger_id:
            calls = [_ephemeral(choice.response_url, NEEDS_TOKEN)] if choice.response_url else []
            return Outcome(calls=calls)
        with session_scope(self.factory) as session:
            key = self._item_key(session, choice.action)
            snapshot = store.item_snapshot(session, choice.action.item_type, key) if key else None
            if snapshot is None or snapshot.event_kind is None:
                text = "this event is no longer stored"
                calls = [_ephemeral(choice.response_url, text)] if choice.response_url else []
                return Outcome(calls=calls)
            # The modal names the item by its full key: a hashed ref resolved once here.
            meta = metadata(choice)
            if choice.action.kind is CorrectionKind.WRONG_SLOTS:
                view = slots_modal(snapshot.name, snapshot.slots, meta)
            else:
                candidates = store.merge_candidates(session, snapshot.event_kind, snapshot.item_key)
                view = merge_modal(snapshot.name, candidates, meta)
        return Outcome(
            calls=[SlackCall("views.open", {"trigger_id": choice.trigger_id, "view": view})]
        )

    def _submission(self, sub: ModalSubmission) -> Outcome:
        if not self.rate.allow(sub.reader.id):
            return Outcome(status=429)
        extra: dict[str, Any] = {}
        if sub.action.kind is CorrectionKind.WRONG_SLOTS:
            extra["slots"] = Slots(
                start_date=parse_day(sub.values.get(START), START),
                end_date=parse_day(sub.values.get(END), END),
                place=str(sub.values.get(PLACE) or "") or None,
            )
        elif sub.action.kind is CorrectionKind.SAME_EVENT:
            try:
                target = decode_value(str(sub.values.get(TARGET) or ""))
            except ActionValueError as exc:
                raise PayloadError("no event picked") from exc
        else:
            raise PayloadError("unknown modal action")
        try:
            with session_scope(self.factory) as session:
                key = self._item_key(session, sub.action)
                if sub.action.kind is CorrectionKind.SAME_EVENT:
                    extra["same_as"] = self._item_key(session, target) or ""
                if key is None:
                    raise CorrectionError("this item is no longer stored")
                request = CorrectionRequest(
                    kind=sub.action.kind,
                    item_type=sub.action.item_type,
                    item_key=key,
                    user_id=sub.reader.id,
                    user_name=sub.reader.name,
                    channel=sub.channel,
                    message_ts=sub.message_ts,
                    **extra,
                )
                row = correct(session, request)
                note = f"{describe(row, self.topic_label)} by <@{sub.reader.id}>"
                row_id = row.id
        except CorrectionError as exc:
            block = TARGET if sub.action.kind is CorrectionKind.SAME_EVENT else START
            return Outcome(body={"response_action": "errors", "errors": {block: str(exc)[:150]}})
        calls = []
        if self.has_token and sub.channel and sub.message_ts:
            calls.append(
                SlackCall(
                    "refresh_message",
                    {
                        "channel": sub.channel,
                        "ts": sub.message_ts,
                        "thread_ts": sub.thread_ts,
                        "block_id": sub.block_id,
                        "note": note,
                    },
                )
            )
        return Outcome(calls=calls, correction_id=row_id)
