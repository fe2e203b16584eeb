"""An event's facts as a reader wants them, in escaped mrkdwn: when (days as dates), where,
who, and how many reports. Shared by the digest and the instant alerts."""

from __future__ import annotations

from pipelines.core.days import event_days, published_day

from .content import DigestEvent, DigestLink
from .mrkdwn import MAX_FIELD_CHARS, clean, escape, slack_link

__all__ = ["link_line", "people", "when", "where"]


def when(ev: DigestEvent) -> str:
    """'Thu 28 - Sun 31 Aug 2025'; where the text gives no day, its words and the day they
    were written: 'Thursday (as reported on Mon 25 Aug 2025)'."""
    days = event_days(ev.start_date, ev.end_date)
    if days:
        return days
    text = escape(clean(ev.date_text, MAX_FIELD_CHARS))
    if not text:
        return ""
    written = published_day(ev.links[0].published) if ev.links else ""
    return f"{text} (as reported on {written})" if written else text


def where(ev: DigestEvent) -> str:
    """The venue and city the text ties to the event, else its place."""
    parts = [clean(p, MAX_FIELD_CHARS) for p in (ev.venue, ev.city) if clean(p)]
    place = clean(ev.place, MAX_FIELD_CHARS)
    if place and not all(p.casefold() in place.casefold() for p in parts):
        parts = [place, *(p for p in parts if p.casefold() not in place.casefold())]
    elif place:
        parts = [place]
    return escape(", ".join(dict.fromkeys(parts)))


def people(ev: DigestEvent) -> list[str]:
    """Lines naming organisers and proposers (with their roles where known)."""
    lines = []
    organisers = [escape(clean(o, MAX_FIELD_CHARS)) for o in ev.organisers if clean(o)]
    if organisers:
        lines.append(f"*Organisers:* {', '.join(organisers)}")
    proposers = [
        escape(clean(p, MAX_FIELD_CHARS))
        for p in (ev.proposers_with_roles or ev.proposers)
        if clean(p)
    ]
    if proposers:
        lines.append(f"*Proposed by:* {', '.join(proposers)}")
    return lines


def link_line(link: DigestLink) -> str:
    """A source link with its publication day: '<url|title> · Thu 21 Aug 2025'."""
    day = published_day(link.published)
    return (
        f"{slack_link(link.url, link.title)} · {day}" if day else slack_link(link.url, link.title)
    )
