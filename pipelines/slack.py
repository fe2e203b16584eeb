"""Slack Web API access for the digest: a retrying client, a sender and error mapping.

Posting is the one call that must not be repeated blindly: a 5xx or a dropped connection after
Slack accepted a message would post it twice. So :class:`SlackSender` posts through a client that
retries only on 429 (a rate-limited request was not processed) and, when the outcome is unknown,
looks the message up in the channel history by its metadata before posting it again.
"""

from __future__ import annotations

import http.client
import logging
import random
import re
import socket
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry import (
    BackoffRetryIntervalCalculator,
    ConnectionErrorRetryHandler,
    Jitter,
    RateLimitErrorRetryHandler,
    RetryHandler,
)
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler

from pipelines.core.problems import CodedError, ExitCode
from pipelines.digest import escape, slack_link

__all__ = [
    "DEFAULT_SLACK_API_URL",
    "METADATA_EVENT_TYPE",
    "SlackDeliveryError",
    "SlackSender",
    "digest_metadata",
    "make_web_client",
    "send_alert",
]

log = logging.getLogger(__name__)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
METADATA_EVENT_TYPE = "cqmonitor_digest"
ALERT_EVENT_TYPE = "cqmonitor_alert"

TOKEN_SETTING = "SLACK_BOT_TOKEN"
CHANNEL_SETTING = "CQMONITOR_SLACK_CHANNEL"
API_URL_SETTING = "SLACK_API_URL"

_TOKEN_ERRORS = {
    "invalid_auth",
    "not_authed",
    "token_revoked",
    "token_expired",
    "account_inactive",
    "no_permission",
    "missing_scope",
    "not_allowed_token_type",
    "ekm_access_denied",
}
_CHANNEL_ERRORS = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "channel_is_archived",
    "restricted_action",
    "cannot_reply_to_message",
}
_TRANSIENT_ERRORS = {
    "ratelimited",
    "rate_limited",
    "fatal_error",
    "internal_error",
    "service_unavailable",
    "request_timeout",
}
# One rule for the channel ids a subscription names, posting uses and history reads.
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
CHANNEL_NAME = re.compile(r"^#[a-z0-9][a-z0-9_-]{0,79}$")


def is_channel_id(channel: str) -> bool:
    return CHANNEL_ID.fullmatch(channel.strip()) is not None


class SlackDeliveryError(CodedError):
    """Slack refused or could not be reached; ``str()`` is one line naming what to fix.

    ``transient``: worth retrying later. ``uncertain``: Slack may have accepted the message but
    we could not confirm it (the reply was lost and the history could not be read either).
    """

    exit_code = ExitCode.SLACK_REFUSED
    what = "Slack"
    todo = "nothing was marked delivered: fix it and run again"

    def __init__(
        self,
        reason: str,
        setting: str | None = None,
        *,
        message: str | None = None,
        transient: bool = False,
        uncertain: bool = False,
    ) -> None:
        self.reason = reason
        self.setting = setting
        self.transient = transient
        self.uncertain = uncertain
        super().__init__(message or _describe(reason, setting))


def _describe(reason: str, setting: str | None) -> str:
    if setting == TOKEN_SETTING:
        return f"Slack rejected the bot token ({reason}): check {TOKEN_SETTING}"
    if setting == CHANNEL_SETTING:
        return (
            f"Slack cannot post to the channel ({reason}): check {CHANNEL_SETTING} "
            "and that the bot is a member of it"
        )
    if setting == API_URL_SETTING:
        return f"Slack API address unusable ({reason}): check {API_URL_SETTING}"
    return f"Slack API error: {reason}"


def map_api_error(exc: SlackApiError) -> SlackDeliveryError:
    """Turn a SlackApiError into a SlackDeliveryError naming the setting to fix."""
    response = exc.response
    status = getattr(response, "status_code", 200) or 200
    data: Any = getattr(response, "data", None)
    error = data.get("error") if isinstance(data, dict) else None
    if status >= 500 or status == 429 or error in _TRANSIENT_ERRORS:
        reason = error if error and status < 500 else f"HTTP {status}"
        return SlackDeliveryError(
            reason,
            message=f"Slack is unavailable ({reason}), even after retries; try again later",
            transient=True,
        )
    error = str(error or f"HTTP {status}")
    if error in _TOKEN_ERRORS:
        return SlackDeliveryError(error, TOKEN_SETTING)
    if error in _CHANNEL_ERRORS:
        return SlackDeliveryError(error, CHANNEL_SETTING)
    detail = ""
    if isinstance(data, dict):
        messages = (data.get("response_metadata") or {}).get("messages")
        if messages:
            detail = " (" + "; ".join(str(m) for m in messages)[:300] + ")"
    return SlackDeliveryError(error, message=f"Slack API error: {error}{detail}")


def _network_error(exc: BaseException) -> SlackDeliveryError:
    reason = getattr(exc, "reason", None) or exc
    text = f"{type(reason).__name__}: {reason}".strip()
    return SlackDeliveryError(
        text,
        message=f"cannot reach Slack ({text}), even after retries; try again later",
        transient=True,
    )


def _surely_not_sent(exc: BaseException) -> bool:
    """True when the request cannot have reached Slack (no connection was ever made)."""
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, ConnectionRefusedError | socket.gaierror)


_NETWORK_ERRORS = (OSError, http.client.HTTPException)


class ProportionalJitter(Jitter):
    """Up to +50% of the interval: the SDK's default adds up to a whole second to every wait,
    which would make a short configured backoff (tests, interactive runs) meaningless."""

    def recalculate(self, duration: float) -> float:
        return duration * (1 + random.random() / 2)


def make_web_client(
    token: str,
    *,
    base_url: str | None = None,
    timeout: int = 30,
    max_retries: int = 3,
    backoff: float = 0.5,
    rate_limit_retries: int = 5,
    retry_server_errors: bool = True,
) -> WebClient:
    """A WebClient for ``base_url`` (``SLACK_API_URL``; Slack's own by default) that retries.

    429s are waited out (``Retry-After``) up to ``rate_limit_retries`` times; 5xx answers and
    connection errors are retried ``max_retries`` times with exponential backoff from ``backoff``
    seconds. Keep ``retry_server_errors`` off for a client that posts (see module docstring).
    """
    url = (base_url or DEFAULT_SLACK_API_URL).strip()
    if not url.startswith(("http://", "https://")):
        raise SlackDeliveryError(url, API_URL_SETTING, message=f"{API_URL_SETTING} is not a URL")
    if not url.endswith("/"):
        url += "/"
    interval = BackoffRetryIntervalCalculator(backoff_factor=backoff, jitter=ProportionalJitter())
    handlers: list[RetryHandler] = [
        RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries),
    ]
    if retry_server_errors:
        handlers += [
            ServerErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
            ConnectionErrorRetryHandler(max_retry_count=max_retries, interval_calculator=interval),
        ]
    return WebClient(token=token, base_url=url, timeout=timeout, retry_handlers=handlers)


def digest_metadata(digest_id: int, part: int) -> dict[str, Any]:
    """The Slack message metadata that lets a later run find a digest part it posted."""
    return {
        "event_type": METADATA_EVENT_TYPE,
        "event_payload": {"digest_id": digest_id, "part": part},
    }


def _metadata_matches(message: dict[str, Any], digest_id: int, part: int) -> bool:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_EVENT_TYPE:
        return False
    payload = metadata.get("event_payload") or {}
    try:
        return int(payload.get("digest_id")) == digest_id and int(payload.get("part")) == part
    except (TypeError, ValueError):
        return False


class SlackSender:
    """Posts digest messages and finds them again; every failure is a SlackDeliveryError."""

    def __init__(
        self,
        client: WebClient,
        *,
        post_attempts: int = 3,
        backoff: float = 1.0,
        history_pages: int = 5,
    ) -> None:
        self.client = client
        self.post_attempts = max(1, post_attempts)
        self.backoff = backoff
        self.history_pages = history_pages
        # Same settings, but only 429 is retried by the SDK: the rest is decided in post().
        self._post_client = WebClient(
            token=client.token,
            base_url=client.base_url,
            timeout=client.timeout,
            retry_handlers=[
                h for h in client.retry_handlers if isinstance(h, RateLimitErrorRetryHandler)
            ],
        )
        self._channel_ids: dict[str, str] = {}

    @classmethod
    def from_token(
        cls, token: str, *, base_url: str | None = None, timeout: int = 30
    ) -> SlackSender:
        return cls(make_web_client(token, base_url=base_url, timeout=timeout))

    # --- calls --------------------------------------------------------------------------------

    def _call(self, fn: Any, /, **kwargs: Any) -> Any:
        try:
            return fn(**kwargs)
        except SlackApiError as exc:
            raise map_api_error(exc) from exc
        except SlackRequestError as exc:
            raise SlackDeliveryError(str(exc), API_URL_SETTING) from exc
        except _NETWORK_ERRORS as exc:
            raise _network_error(exc) from exc

    def auth_test(self) -> dict[str, Any]:
        """Check the token (``auth.test``); returns Slack's answer (team, user, bot_id...)."""
        return dict(self._call(self.client.auth_test).data)

    def post(
        self,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]] | None,
        *,
        metadata: dict[str, Any] | None,
        thread_ts: str | None = None,
    ) -> str:
        """Post one message and return its ``ts``; never posts the same digest part twice.

        When Slack's answer is lost or is a 5xx, the message may have been posted anyway: if the
        metadata names a digest part, the history is searched for it before trying again.
        """
        payload = (metadata or {}).get("event_payload") or {}
        digest_id, part = payload.get("digest_id"), payload.get("part")
        checkable = isinstance(digest_id, int) and isinstance(part, int)
        last: SlackDeliveryError | None = None
        for attempt in range(self.post_attempts):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                response = self._post_client.chat_postMessage(
                    channel=channel,
                    text=text,
                    blocks=blocks,
                    metadata=metadata,
                    thread_ts=thread_ts,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as exc:
                last = map_api_error(exc)
                if not last.transient:
                    raise last from exc
            except SlackRequestError as exc:
                raise SlackDeliveryError(str(exc), API_URL_SETTING) from exc
            except _NETWORK_ERRORS as exc:
                last = _network_error(exc)
                if _surely_not_sent(exc):
                    continue
            else:
                resolved = response.get("channel")
                if isinstance(resolved, str) and resolved:
                    self._channel_ids[channel] = resolved
                return str(response["ts"])
            if not checkable:
                continue
            log.warning(
                "Slack post of digest %s part %s: %s; checking history", digest_id, part, last
            )
            try:
                found = self.find_posted(channel, digest_id, part, thread_ts=thread_ts)
            except SlackDeliveryError as check:
                raise SlackDeliveryError(
                    last.reason,
                    message=(
                        f"{last}; and the channel history cannot be read to check whether "
                        f"digest {digest_id} part {part} was posted ({check}): "
                        "it will be checked on the next run"
                    ),
                    transient=True,
                    uncertain=True,
                ) from check
            if found is not None:
                return found
        assert last is not None
        raise last

    def channel_id(self, channel: str) -> str:
        """The ID of ``channel`` (an ID, or a '#name' looked up once): file shares need one."""
        return self._resolve_channel(channel)

    def _resolve_channel(self, channel: str) -> str:
        """History needs a channel ID; a configured '#name' is looked up once."""
        if is_channel_id(channel):
            return channel.strip()
        if channel in self._channel_ids:
            return self._channel_ids[channel]
        name = channel.lstrip("#")
        cursor: str | None = None
        for _ in range(20):
            response = self._call(
                self.client.conversations_list,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                cursor=cursor,
            )
            for conv in response.get("channels") or ():
                if conv.get("name") == name:
                    self._channel_ids[channel] = str(conv["id"])
                    return self._channel_ids[channel]
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        raise SlackDeliveryError("channel_not_found", CHANNEL_SETTING)

    def find_posted(
        self, channel: str, digest_id: int, part: int, *, thread_ts: str | None = None
    ) -> str | None:
        """The ``ts`` of digest ``digest_id`` part ``part`` if it is in the channel, else None.

        Part 1 is searched in the channel history, later parts in the thread under ``thread_ts``
        (thread replies are not in ``conversations.history``). Needs the ``channels:history``
        (or ``groups:history``) scope.
        """
        channel_id = self._resolve_channel(channel)
        cursor: str | None = None
        for _ in range(self.history_pages):
            if thread_ts:
                response = self._call(
                    self.client.conversations_replies,
                    channel=channel_id,
                    ts=thread_ts,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            else:
                response = self._call(
                    self.client.conversations_history,
                    channel=channel_id,
                    include_all_metadata=True,
                    limit=200,
                    cursor=cursor,
                )
            for message in response.get("messages") or ():
                if _metadata_matches(message, digest_id, part):
                    return str(message["ts"])
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return None


def send_alert(
    sender: SlackSender,
    channel: str,
    text: str,
    *,
    step: str | None = None,
    link: str | None = None,
) -> str:
    """Post a short failure alert (``step`` failed: ``text``, with a link to the run); its ts.

    ``text`` may quote an exception that quotes a web page, so it is escaped like page text.
    """
    head = f":warning: *cqmonitor: {escape(step)} failed*" if step else ":warning: *cqmonitor*"
    body = escape(" ".join(text.split()))
    if len(body) > 2500:
        # An alert points at the logs; the full error is there.
        body = body[:2500].rsplit(" ", 1)[0] + " …"
    message = f"{head}\n{body}"
    if link:
        message += f"\n{slack_link(link, 'Open the run')}"
    # The fallback text (notifications) is mrkdwn too: the step name is escaped like the body.
    plain = f"cqmonitor: {escape(step)} failed: {body}" if step else f"cqmonitor: {body}"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": message}}]
    return sender.post(
        channel,
        plain,
        blocks,
        metadata={"event_type": ALERT_EVENT_TYPE, "event_payload": {"step": step or ""}},
    )
