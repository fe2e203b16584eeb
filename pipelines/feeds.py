"""Calendar feeds as ``cqmonitor serve`` hands them out: the file a run wrote
(``<data dir>/calendars/<subscription>.ics``), its validators (an ETag from the content's hash,
Last-Modified from the file), conditional requests (RFC 9110: If-None-Match first, else
If-Modified-Since) and the optional per-subscription token, compared in constant time.

Plain Python: the web layer only maps these answers to HTTP.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from pipelines.subscriptions import Subscription

CALENDAR_DIR = "calendars"
_NAME = re.compile(r"^[a-z0-9-]{1,64}$")


def calendar_path(data_dir: str | Path, subscription: str) -> Path:
    """Where a run writes the subscription's calendar."""
    return Path(data_dir) / CALENDAR_DIR / f"{subscription}.ics"


def valid_name(name: str) -> bool:
    """A subscription name as the subscriptions file allows it (no path can sneak in)."""
    return bool(_NAME.fullmatch(name))


def token_ok(subscription: Subscription, given: str | None) -> bool:
    """True when the subscription needs no token, or ``given`` is it (constant-time compare)."""
    wanted = subscription.calendar_token
    if not wanted:
        return True
    return hmac.compare_digest((given or "").encode("utf-8"), wanted.encode("utf-8"))


@dataclass(frozen=True)
class Feed:
    """A calendar file's bytes and validators."""

    body: bytes
    etag: str
    modified: datetime

    @property
    def last_modified(self) -> str:
        return format_datetime(self.modified, usegmt=True)


class FeedCache:
    """Calendar files read once per version (size and mtime), so a poll costs a ``stat``."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[tuple[int, int], Feed]] = {}
        self._lock = threading.Lock()

    def get(self, path: Path) -> Feed | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        version = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            cached = self._cache.get(path)
        if cached is not None and cached[0] == version:
            return cached[1]
        try:
            body = path.read_bytes()
        except OSError:
            return None
        modified = datetime.fromtimestamp(int(stat.st_mtime), UTC)
        feed = Feed(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', modified)
        with self._lock:
            self._cache[path] = (version, feed)
        return feed


def _tags(header: str) -> list[str]:
    return [t.strip().removeprefix("W/") for t in header.split(",") if t.strip()]


def not_modified(feed: Feed, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """Whether the client's copy is current (answer 304, no body)."""
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or feed.etag in tags
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return feed.modified <= since
    return False
