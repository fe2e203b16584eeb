"""What a failed request was, in the words a crawl records: one reading for every spider."""

from __future__ import annotations

from dataclasses import dataclass

from twisted.python.failure import Failure

from pipelines.core import stats as keys


@dataclass(frozen=True)
class RequestFailure:
    """A failed request: its status (None without a response), reason and the stat keys to count."""

    url: str
    status: int | None
    reason: str
    counted: tuple[str, ...]


def read_failure(failure: Failure) -> RequestFailure:
    """The failure of a Scrapy request (an HTTP error status, a network error, a redirect loop)."""
    request = failure.request  # type: ignore[attr-defined]
    response = getattr(failure.value, "response", None)
    status = response.status if response is not None else None
    reason = f"HTTP {status}" if status else f"{failure.type.__name__}: {failure.getErrorMessage()}"
    counted = [keys.error(f"http_{status}" if status else failure.type.__name__)]
    if "max redirections reached" in reason:
        # A chain too long is a loop too: the page is recorded, not silently lost.
        counted.append(keys.REDIRECT_LOOP)
        chain = " -> ".join([*request.meta.get("redirect_urls", [])[:6], request.url])
        reason = f"redirect loop: {chain}"
    return RequestFailure(request.url, status, reason, tuple(counted))
