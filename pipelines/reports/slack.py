"""Post a report's chart with its three-line summary to Slack channels (``files_upload_v2``).

slack-sdk uploads in three calls: ``files.getUploadURLExternal``, a POST of the bytes to the
URL it returns, then ``files.completeUploadExternal``, which shares the file in the channel
with the summary as its comment. The last call is not retried on a 5xx or a lost reply (the
chart might be shared twice); 429s are waited out. Every failure is a
:class:`~pipelines.slack.SlackDeliveryError` naming what to fix.
"""

from __future__ import annotations

import http.client
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk.errors import SlackApiError, SlackRequestError

from pipelines.digest import escape
from pipelines.slack import SlackDeliveryError, SlackSender, make_web_client, map_api_error


@dataclass(frozen=True)
class PostedChart:
    """Where a report's chart was shared, and Slack's id of the file."""

    channel: str
    file_id: str


def slack_comment(summary: Sequence[str]) -> str:
    """The summary as Slack mrkdwn: its first line bold, page text escaped."""
    lines = [escape(line) for line in summary]
    if lines:
        lines[0] = f"*{lines[0]}*"
    return "\n".join(lines)


def post_report_chart(
    token: str,
    channels: Sequence[str],
    *,
    chart: bytes,
    filename: str,
    title: str,
    summary: Sequence[str],
    base_url: str | None = None,
) -> list[PostedChart]:
    """Share ``chart`` (PNG) with ``summary`` in each of ``channels`` (IDs or '#names')."""
    client = make_web_client(token, base_url=base_url, retry_server_errors=False)
    sender = SlackSender(client)
    comment = slack_comment(summary)
    posted = []
    for channel in channels:
        channel_id = sender.channel_id(channel)
        try:
            response = client.files_upload_v2(
                channel=channel_id,
                file=chart,
                filename=filename,
                title=title,
                alt_txt=" ".join(summary)[:1000],
                initial_comment=comment,
            )
        except SlackApiError as exc:
            raise map_api_error(exc) from exc
        except SlackRequestError as exc:
            # The POST of the bytes to the upload URL failed (slack-sdk raises this for it).
            raise SlackDeliveryError(
                str(exc), message=f"Slack did not take the chart: {exc}", transient=True
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise SlackDeliveryError(
                f"{type(exc).__name__}: {exc}",
                message=f"cannot reach Slack to post the report ({exc}); try again later",
                transient=True,
            ) from exc
        shared = response.get("file") or {}
        posted.append(PostedChart(channel=channel_id, file_id=str(shared.get("id", ""))))
    return posted
