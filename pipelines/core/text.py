"""Text normalisation shared by the crawler, the store and the analysis."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def normalise_space(text: str) -> str:
    """Collapse every kind of whitespace (non-breaking and zero-width included) to one space."""
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


def clean_text(text: str) -> str:
    """Normalise an already-extracted body text: trimmed paragraphs, one blank line between."""
    paragraphs = [normalise_space(p) for p in _PARAGRAPH_BREAK.split(text or "")]
    return "\n\n".join(p for p in paragraphs if p)


def content_hash(*parts: str) -> str:
    """A stable fingerprint of an article's stored content, to tell an edit from a re-visit."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()


def shortened(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, on a word boundary when one is near, with
    an ellipsis: a 50,000-character title from a page must not fill a Slack message."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit * 0.8:
        cut = cut[:space]
    return cut.rstrip() + "…"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def markdown_text(text: str) -> str:
    """Text from a web page made inert in Markdown (Dagster's metadata): no link, no markup."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def markdown_url(url: str) -> str:
    """A URL safe inside ``[label](url)``: the characters that would end or break it escaped."""
    return "".join(
        {"(": "%28", ")": "%29", " ": "%20", "<": "%3C", ">": "%3E"}.get(c, c) for c in url
    )


def markdown_fenced(text: str) -> str:
    """``text`` in a code fence it cannot break out of."""
    return "```\n" + text.replace("```", "`\u200b``") + "\n```"
