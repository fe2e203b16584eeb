"""Headless Chromium for the tests that look at pages as a person would: Debian's ``chromium``
driven through Playwright's driver (the PyPI wheel's; Playwright's browser download is not used).

Without a ``chromium`` binary those tests are skipped, except in CI (``CI`` set), where they
fail.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Without these, Chromium reaches out to Google's hosts (updates, sync, field trials, QUIC).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; in CI the browser tests must run, so fail instead."""
    if in_ci():
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(f"{reason}: browser test skipped")


def find_chromium() -> str:
    """Debian's chromium, and the playwright package to drive it; skip (fail in CI) without."""
    path = (
        os.environ.get("CQMONITOR_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )
    if not path:
        skip_or_fail("Debian's chromium is not installed (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        skip_or_fail("the playwright package is not installed (pip install -e '.[dev]')")
    assert path is not None
    return path
