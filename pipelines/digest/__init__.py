"""Pure builder of the Slack digest: content dataclasses in, Block Kit messages out.

Nothing here touches the database or the network, so the layout can be snapshot-tested.
Everything that comes from a web page (titles, names, summaries, places, people) is escaped for
Slack mrkdwn, so an article containing ``<!channel>`` pings nobody and ``<http://evil|click>``
links nowhere. Topics and event kinds are named and ordered as the taxonomy says.
"""

from .content import (
    DEFAULT_TITLE,
    ITEM_ARTICLE,
    ITEM_EVENT,
    DigestArticle,
    DigestContent,
    DigestEvent,
    DigestLabels,
    DigestLink,
    DigestMessage,
    content_items,
    default_labels,
    event_item_key,
)
from .mrkdwn import (
    MAX_BLOCKS,
    MAX_HEADER_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_SECTION_CHARS,
    escape,
    slack_link,
    split_text,
)
from .render import build_digest, message_chars

__all__ = [
    "DEFAULT_TITLE",
    "ITEM_ARTICLE",
    "ITEM_EVENT",
    "MAX_BLOCKS",
    "MAX_HEADER_CHARS",
    "MAX_MESSAGE_CHARS",
    "MAX_SECTION_CHARS",
    "DigestArticle",
    "DigestContent",
    "DigestEvent",
    "DigestLabels",
    "DigestLink",
    "DigestMessage",
    "build_digest",
    "content_items",
    "default_labels",
    "escape",
    "event_item_key",
    "message_chars",
    "slack_link",
    "split_text",
]
