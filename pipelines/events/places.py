"""Where an event takes place: the most specific place the text ties to it, as written.

A place is a capitalised phrase after "in" or "at" in the event's own clause ("The X Forum was
held on June 26 in Liangjiang New Area", "the 2019 Smart China Expo (SCE) in Chongqing
Municipality"), or a place the sentence makes host the event ("Ba'nan District played host to
the X", "Liangjiang New Area in southwest China hosted the X", "met in Wanzhou on Saturday for
the X"). It is never an organisation ("... Commission"), a month or another event; "from
<country>" is never read, nor the dateline. ``southwest China's`` before a place is skipped.

:func:`split_place` tells the venue ("Yuelai International Convention Center") from the city or
district ("Liangjiang New Area", "Chongqing").
"""

from __future__ import annotations

import re

from pipelines.events.anchors import Anchor, Busy, between_free, gap_ok, lead_clause
from pipelines.events.dates import TIME_WORDS
from pipelines.events.sentences import word_set
from pipelines.taxonomy import EventsSpec

__all__ = ["find_place", "split_place"]

_CAP = r"[A-Z][\w'’\-]*"
# "Yubei District", "Chongqing's Yubei district" (the head written in lower case).
_PLACE = (
    rf"{_CAP}(?:\s+(?:(?:of|and|&|de)\s+(?:the\s+)?)?{_CAP})*"
    r"(?:\s+(?:district|county|new area|city|province|municipality|township|town)\b)?"
)
# "southwest China's Chongqing", "China's southwestern Chongqing", "the southwestern city of
# Chongqing": the region or the kind of place is not the place.
_REGION = (
    r"(?:(?:[a-z]+\s+)?China['’]s\s+(?:[a-z]+\s+)?)?"
    r"(?:the\s+(?:[a-z\-]+\s+){0,3}(?:city|municipality|district|town|province|county)\s+of\s+)?"
)
_PLACE_AT = re.compile(rf"(?:in|at)\s+(?:the\s+)?{_REGION}(?:the\s+)?(?P<p>{_PLACE})")
_HOST_VERBS = (
    r"(?:played host to|plays host to|hosted|hosts|is hosting|will host|was the venue for|"
    r"welcomed|staged|stages|will stage)"
)
_HOST_SUBJECT = re.compile(
    rf"^(?:[A-Z][\w\s,]{{0,30}}-\s+)?(?:the\s+)?(?P<p>{_PLACE})(?:\s+in\s+[\w\s'’]{{1,40}}?)?"
    rf"(?:,\s+[^,]{{1,60}},)?\s+{_HOST_VERBS}\s+(?:the\s+)?$"
)
_GATHERED = re.compile(
    r"\b(?:met|gathered|convened|assembled|came together|meet|gather|will meet|will gather)\s+"
    rf"(?:in|at)\s+(?:the\s+)?(?P<p>{_PLACE})(?P<d>\s+on\s+[A-Z][a-z]+\.?(?:\s+\d{{1,2}})?)?"
    r"(?:\s*,)?\s+(?:for|to attend|to take part in)\s+(?:the\s+)?$"
)
_CITY_HEADS = word_set(
    "district county area zone city town township village province municipality island port region"
)


def _valid_place(place: str, ev: EventsSpec) -> str | None:
    place = re.sub(r"['’]s$", "", place.strip())
    words = place.split()
    if not words:
        return None
    first, last = words[0].lower().rstrip("."), words[-1].lower().strip("'’")
    if first in TIME_WORDS or last in ev.organisation_heads:
        return None
    if last in ev.trigger_index and len(words) > 1 and words[-2].lower() not in ev.venue_words:
        return None  # another event, not a place
    if any(w.lower() in ev.organisation_heads for w in words[1:]) and last not in ev.place_heads:
        return None  # "the Fengdu County Government Office"
    return place


def find_place(anchor: Anchor, ev: EventsSpec, busy: Busy) -> str | None:
    """The place tied to the event at ``anchor``, or None."""
    text = anchor.sentence.text
    for m in _PLACE_AT.finditer(text, anchor.end):
        gap = text[anchor.end : m.start()]
        if not gap_ok(gap, ev, allow_places=False) or not between_free(
            anchor, anchor.end, m.start(), busy
        ):
            break
        place = _valid_place(m["p"], ev)
        if place:
            return place
    for m in _PLACE_AT.finditer(lead_clause(anchor, busy)):
        place = _valid_place(m["p"], ev)
        if place:
            return place
    before = text[: anchor.start]
    for pat in (_HOST_SUBJECT, _GATHERED):
        h = pat.search(before)
        if h and between_free(anchor, h.start(), anchor.start, busy):
            place = _valid_place(h["p"], ev)
            if place:
                return place
    return None


def split_place(place: str | None, ev: EventsSpec) -> tuple[str | None, str | None]:
    """(venue, city or district) of a place as written: "Chongqing's Yuelai Center" gives
    ("Yuelai Center", "Chongqing"), "Liangjiang New Area" gives (None, "Liangjiang New Area")."""
    if not place:
        return None, None
    owner, _, rest = place.partition("'s ")
    if not rest:
        owner, _, rest = place.partition("’s ")
    head = (rest or place).split()[-1].lower()
    if head in _CITY_HEADS or head not in ev.place_heads:
        # A locality, or a bare name ("Chongqing", "Wanzhou"): a city or district.
        return None, place
    return (rest, owner) if rest else (place, None)
