"""Slack mrkdwn from text of web pages: escaping, safe links, dates, splitting to a limit."""

from __future__ import annotations

import re
from datetime import datetime
from urllib.parse import urlsplit

from pipelines.core.instants import CST as BEIJING
from pipelines.core.text import shortened

# Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks).
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_HEADER_CHARS = 150
# Slack documents no total, but rejects messages whose blocks carry much more than ~13k
# characters of text; stay well under it.
MAX_MESSAGE_CHARS = 12_000
# One field of a page (a title, an event's name, place or organiser) in a digest: a page may
# carry any length, a digest line need not (a 50,000-character title filled six messages).
# Summaries are not cut: a long one is split over sections.
MAX_FIELD_CHARS = 500


# The source site is in Chongqing: its dates are Beijing dates.


def escape(text: str | None) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    if not text:
        return ""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_URL_UNSAFE = {
    "|": "%7C",
    "<": "%3C",
    ">": "%3E",
    " ": "%20",
    '"': "%22",
    "\n": "",
    "\r": "",
    "\t": "",
}


def _safe_url(url: str) -> str | None:
    """The url made safe inside ``<url|label>``, or None when it must not be a link at all."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    # Only web links: a javascript: or slack: address from a page must not become clickable.
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    out = "".join(_URL_UNSAFE.get(ch, ch) for ch in url if ch.isprintable() or ch in _URL_UNSAFE)
    return out.replace("&", "&amp;")


def slack_link(url: str, title: str | None) -> str:
    """``<url|title>`` with the title escaped and the url sanitised; plain text if not http(s)."""
    label = escape(clean(title, MAX_FIELD_CHARS)) or escape(shortened(url, MAX_FIELD_CHARS))
    safe = _safe_url(url)
    if safe is None or len(safe) > 2048:
        shown = escape(shortened(url, MAX_FIELD_CHARS))
        return f"{label} ({shown})" if label != shown else label
    return f"<{safe}|{label}>"


def clean(text: str | None, limit: int | None = None) -> str:
    """One line of a page's text; at most ``limit`` characters when given (a field shown in a
    digest: ``MAX_FIELD_CHARS``)."""
    line = " ".join((text or "").split())
    return line if limit is None else shortened(line, limit)


def fmt_day(d: datetime) -> str:
    return f"{d.day} {d.strftime('%b %Y')}"


def date_range(start: datetime | None, end: datetime | None) -> str:
    """'20–22 Nov 2026', '30 Nov – 2 Dec 2026', '22 Nov 2026' (Beijing dates)."""
    if start is None and end is None:
        return ""
    a = (start or end).astimezone(BEIJING)  # type: ignore[union-attr]
    b = (end or start).astimezone(BEIJING)  # type: ignore[union-attr]
    if a.date() == b.date():
        return fmt_day(a)
    if (a.year, a.month) == (b.year, b.month):
        return f"{a.day}–{fmt_day(b)}"
    if a.year == b.year:
        return f"{a.day} {a.strftime('%b')} – {fmt_day(b)}"
    return f"{fmt_day(a)} – {fmt_day(b)}"


def iso_range(start: str | None, end: str | None) -> str:
    def parse(s: str | None) -> datetime | None:
        try:
            return datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=BEIJING) if s else None
        except ValueError:
            return None

    return date_range(parse(start), parse(end))


_TOKEN = re.compile(r"<[^<>]*>|\s+|[^\s<]+|<")


def _hard_split(token: str, limit: int) -> list[str]:
    """Cut a token with no spaces into pieces <= limit, never inside an ``&amp;`` entity."""
    pieces = []
    while len(token) > limit:
        cut = limit
        amp = token.rfind("&", max(0, cut - 5), cut)
        if amp != -1 and ";" not in token[amp:cut]:
            cut = amp or limit
        pieces.append(token[:cut])
        token = token[cut:]
    pieces.append(token)
    return pieces


def split_text(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split mrkdwn into chunks <= limit: at line ends, then spaces, never inside ``<...>``."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    current = ""

    def push(piece: str, sep: str) -> None:
        nonlocal current
        if not current:
            current = piece.lstrip() if chunks else piece
        elif len(current) + len(sep) + len(piece) <= limit:
            current += sep + piece
        else:
            chunks.append(current.rstrip())
            current = piece.lstrip()

    for line in text.split("\n"):
        if len(line) <= limit:
            push(line, "\n")
            continue
        first = True
        for token in _TOKEN.findall(line):
            for piece in _hard_split(token, limit):
                if first:
                    push(piece, "\n")
                    first = False
                elif piece.isspace():
                    if current and len(current) + len(piece) <= limit:
                        current += piece
                else:
                    push(piece, "")
    if current.strip():
        chunks.append(current.rstrip())
    return [c for c in chunks if c.strip()] or [text[:limit]]
