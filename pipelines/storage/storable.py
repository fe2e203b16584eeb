"""Values made storable before they reach the database, on SQLite and PostgreSQL alike.

A web page can hold anything: a NUL byte (PostgreSQL text cannot store it), other control
characters, a lone surrogate escaped in JSON (not UTF-8), a value longer than its column. Each
is cleaned or bounded here, so that one odd page never fails the transaction of a whole crawl.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

# Addresses longer than this are not stored: the sitemap protocol caps a URL at 2,048
# characters, and the address columns (and their unique indexes) are sized to it.
MAX_URL = 2048
MAX_EVENT_KEY = 512

# C0 controls but tab, newline and carriage return; DEL and the C1 controls; lone surrogates.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def storable_text(value: str) -> str:
    """``value`` without NUL, other control characters and lone surrogates."""
    return _UNSTORABLE.sub("", value)


def storable_optional(value: str | None, limit: int | None = None) -> str | None:
    """A cleaned optional string; None if it does not fit ``limit`` (an HTTP validator cut short
    would validate nothing)."""
    if value is None:
        return None
    cleaned = storable_text(str(value))
    return None if limit is not None and len(cleaned) > limit else cleaned


def storable_json(value: Any) -> Any:
    """A JSON value with every string in it (keys too) cleaned."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable_text(str(k)): storable_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable_json(v) for v in value]
    return value


def storable_int(value: object) -> int | None:
    """An integer the ``INTEGER`` columns of both databases hold (32 bits), else None."""
    if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31:
        return value
    return None


def bounded_key(key: str, limit: int) -> str:
    """``key`` if it fits ``limit``; else its start and a hash of the whole, so that two long
    keys sharing a start stay distinct and the same key always maps to the same value."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{key[: limit - 17]}~{digest}"


def fingerprint(text: str) -> str:
    """A stable 64-character key for a raw value of any length."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
