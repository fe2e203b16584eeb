"""Who may correct: Slack's request signature (the ``v0`` HMAC-SHA256 scheme, checked by
slack_sdk's ``SignatureVerifier``), a replay cache, and a per-user rate limit.

Slack signs ``v0:<timestamp>:<body>`` with the app's signing secret; a request is refused when
the signature does not match, when its timestamp is more than 5 minutes from now (the
verifier's rule), or when the same signature was already accepted (a replay within the window).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from enum import StrEnum

from slack_sdk.signature import Clock, SignatureVerifier

REPLAY_WINDOW = 5 * 60
TIMESTAMP_HEADER = "x-slack-request-timestamp"
SIGNATURE_HEADER = "x-slack-signature"


class Refusal(StrEnum):
    """Why a request was refused (logged; never its body)."""

    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad signature or stale timestamp"
    REPLAYED = "replayed"


class _FuncClock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


class RequestGuard:
    """Verifies signed requests and remembers accepted signatures for the replay window."""

    def __init__(self, signing_secret: str, now: Callable[[], float] = time.time) -> None:
        self._now = now
        self._verifier = SignatureVerifier(signing_secret, clock=_FuncClock(now))
        self._seen: dict[str, float] = {}
        self._order: deque[tuple[float, str]] = deque()
        self._lock = threading.Lock()

    def check(self, body: bytes, headers: Mapping[str, str]) -> Refusal | None:
        """None when ``body`` is signed by Slack and new; else why it is refused."""
        lowered = {k.lower(): v for k, v in headers.items()}
        timestamp = lowered.get(TIMESTAMP_HEADER)
        signature = lowered.get(SIGNATURE_HEADER)
        if not timestamp or not signature:
            return Refusal.UNSIGNED
        if not timestamp.isdigit() or len(timestamp) > 12:
            return Refusal.BAD_SIGNATURE
        if not self._verifier.is_valid(body=body, timestamp=timestamp, signature=signature):
            return Refusal.BAD_SIGNATURE
        with self._lock:
            self._expire()
            if signature in self._seen:
                return Refusal.REPLAYED
            self._seen[signature] = self._now()
            self._order.append((self._now(), signature))
        return None

    def _expire(self) -> None:
        # A signature older than the window can no longer pass the timestamp check anyway.
        horizon = self._now() - 2 * REPLAY_WINDOW
        while self._order and self._order[0][0] < horizon:
            _at, signature = self._order.popleft()
            self._seen.pop(signature, None)


class RateLimit:
    """At most ``per_minute`` events per key in any 60 seconds (a sliding window)."""

    def __init__(self, per_minute: int, now: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._now = now
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        with self._lock:
            now = self._now()
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return False
            hits.append(now)
            return True
