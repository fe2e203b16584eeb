"""The Slack calls that follow an interaction, made after Slack got its answer: open a modal
(``views.open``), update the corrected message (``chat.update``, or the interaction's
``response_url``), tell the reader why a correction was not taken.

Errors are logged by their Slack error code only: never a token, never a payload.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from pipelines.corrections import SlackCall
from pipelines.corrections.views import mark_item

log = logging.getLogger("cqmonitor.serve")

SLACK_HOOKS = "hooks.slack.com"


class Followups:
    """Makes the calls of an outcome with the bot's client (None: no SLACK_BOT_TOKEN)."""

    def __init__(self, client: WebClient | None, api_url: str | None = None) -> None:
        self.client = client
        # A response_url is Slack's; in tests, the local Slack stand-in's (same origin as the API).
        self._allowed = {("https", SLACK_HOOKS)}
        if api_url:
            parts = urlsplit(api_url)
            self._allowed.add((parts.scheme, parts.netloc))

    def allowed_response_url(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc) in self._allowed

    def run(self, calls: Sequence[SlackCall]) -> None:
        for call in calls:
            try:
                self._one(call)
            except SlackApiError as exc:
                log.warning("slack %s failed: %s", call.method, exc.response.get("error", "?"))
            except Exception as exc:  # noqa: BLE001 - a follow-up never takes the service down
                log.warning("slack %s failed: %s", call.method, type(exc).__name__)

    def _one(self, call: SlackCall) -> None:
        args = call.args
        if call.method == "response_url":
            url = str(args["url"])
            if not self.allowed_response_url(url):
                log.warning("response_url refused: not a Slack address")
                return
            response = WebhookClient(url, timeout=10).send_dict(args["json"])
            if response.status_code != 200:
                log.warning("response_url answered %s", response.status_code)
            return
        if self.client is None:
            return
        if call.method == "views.open":
            self.client.views_open(trigger_id=args["trigger_id"], view=args["view"])
        elif call.method == "chat.update":
            self.client.chat_update(**args)
        elif call.method == "refresh_message":
            self._refresh(args)

    def _refresh(self, args: dict[str, Any]) -> None:
        """Find the message, add the note under the item, update it."""
        assert self.client is not None
        channel, ts, thread = args["channel"], args["ts"], args.get("thread_ts")
        if thread and thread != ts:
            found = self.client.conversations_replies(
                channel=channel, ts=thread, latest=ts, oldest=ts, inclusive=True, limit=1
            )
        else:
            found = self.client.conversations_history(
                channel=channel, latest=ts, oldest=ts, inclusive=True, limit=1
            )
        message = next((m for m in found.get("messages", []) if m.get("ts") == ts), None)
        if message is None:
            log.warning("message to update not found")
            return
        blocks = mark_item(message.get("blocks") or [], args["block_id"], args["note"])
        if blocks is not None:
            self.client.chat_update(
                channel=channel, ts=ts, text=message.get("text", ""), blocks=blocks
            )
