"""An event's date, place, organisers, umbrella and status: right or empty.

A slot is taken only where the sentence ties it to *this* event (:mod:`~pipelines.events.anchors`):
the date by :mod:`~pipelines.events.timing`, the place by :mod:`~pipelines.events.places`, the
organisers from "hosted / organised / jointly launched by ..." in the event's clause, "Hosted by
X, the ..." before it, or "Its organizers include ..." right after it. A sentence naming another
event between the two gives nothing, so an umbrella event does not inherit its sub-event's date
or hall; a sub-event written "X, a session of the Y, ..." gets Y as its ``parent``.

The status is what the text says (postponed, cancelled) or, failing that, what its dates say
against the publication: announced (ahead), under way (on the day, or opened within two days
with no end), held (over); without dates, future wording ("will be held") says announced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from pipelines.core.instants import CST
from pipelines.core.statuses import EventStatus
from pipelines.events.anchors import Anchor, Busy, anchors, between_free, gap_ok, verb_gap
from pipelines.events.dates import DATE_RE, FoundDate, parse_date
from pipelines.events.places import find_place, split_place
from pipelines.events.records import Candidate
from pipelines.events.timing import find_date, find_end, from_end, opening_only
from pipelines.taxonomy import EventsSpec

__all__ = ["Slots", "fill_slots", "verb_gap"]

_ORGANISER = re.compile(
    r"(?:co-)?(?:hosted|organized|organised|sponsored|initiated|convened|launched|undertaken|"
    r"jointly\s+(?:held|hosted|organized|organised|launched|initiated|sponsored)|held|founded|"
    r"established|set\s+up)\s+by\s+(?P<o>[^.;:]+)",
    re.IGNORECASE,
)
_ORGANISER_FIRST = re.compile(
    r"^(?:Co-)?(?:Hosted|Organized|Organised|Sponsored|Initiated)\s+by\s+(?P<o>[^,]+),\s+"
    r"(?:the\s+)?$"
)
_MORE_BY = re.compile(
    r"\s*,?\s*(?:and|while|with)\s+(?:co-)?(?:hosted|organized|organised|sponsored|undertaken|"
    r"supported|co-organized|co-organised)\s+by\s+",
    re.IGNORECASE,
)
_ORGANISERS_ARE = re.compile(
    r"^(?:Its|The (?:event|[a-z]+)['’]s)\s+(?:co-)?(?:organi[sz]ers|hosts|sponsors)\s+"
    r"(?:include|includes|included|are|were)\s+(?P<o>[^.;]+)"
)
_CHANGE_WORDS = re.compile(r"postpon|delay|reschedul|put off|cancel|called off|scrapped")
_POSTPONED = re.compile(r"\b(?:postponed|delayed|rescheduled|put off)\b", re.IGNORECASE)
_CANCELLED = re.compile(r"\b(?:cancelled|canceled|called off|scrapped)\b", re.IGNORECASE)
_HELD = re.compile(
    r"\b(?:was|were) held\b|\b(?:concluded|closed|wrapped up|ended|took place)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Slots:
    date: FoundDate | None
    place: str | None
    organisers: tuple[str, ...]
    cues: tuple[str, ...]  # how each slot was attached, for the evidence
    venue: str | None = None
    city: str | None = None
    parent: str | None = None
    status: EventStatus | None = None
    end_known: bool = True  # False: only the opening day is given


def _split_parties(text: str, ev: EventsSpec) -> list[str]:
    """The parties of "A, B and the C": a plain "and" inside a name ("Commission of Economy and
    Information Technology") splits only after an organisation's head word."""
    text = re.split(r"\s+(?:on|in|at|to|with|from|during|which|who|that)\s+", text)[0]
    pieces: list[str] = []
    for chunk in re.split(r",\s*(?:and\s+)?|\s+and\s+(?=the\s)", text):
        parts = chunk.split(" and ")
        merged = [parts[0]]
        for p in parts[1:]:
            last = merged[-1].split()[-1].lower() if merged[-1].split() else ""
            if last in ev.organisation_heads:
                merged.append(p)
            else:
                merged[-1] = f"{merged[-1]} and {p}"
        pieces.extend(merged)
    parties = []
    for part in pieces:
        part = re.sub(r"^(?:the|a|an)\s+", "", part.strip(), flags=re.IGNORECASE)
        if part and part[0].isupper():
            parties.append(part)
    return parties


def _organisers(anchor: Anchor, ev: EventsSpec, busy: Busy) -> list[str]:
    text = anchor.sentence.text
    if " by " not in anchor.sentence.lower:
        return []  # most sentences: no "hosted by" to read
    first = _ORGANISER_FIRST.match(text[: anchor.start])
    if first and between_free(anchor, 0, anchor.start, busy):
        return _split_parties(first["o"], ev)
    m = _ORGANISER.search(text, anchor.end)
    if not (
        m
        and gap_ok(text[anchor.end : m.start()], ev, True)
        and between_free(anchor, anchor.end, m.start(), busy)
    ):
        return []
    out: list[str] = []
    # "hosted by A and organized by B": each "by" phrase of the clause gives parties.
    for part in _MORE_BY.split(m["o"]):
        out.extend(p for p in _split_parties(part, ev) if p not in out)
    return out


def _organisers_after(cand: Candidate, anchors_: list[Anchor], ev: EventsSpec) -> list[str]:
    """ "Its organizers include A, B and C" in a sentence that goes on about the event."""
    out: list[str] = []
    for sent in cand.backrefs:
        m = _ORGANISERS_ARE.match(sent.text)
        if m:
            out.extend(_split_parties(m["o"], ev))
    return out


def _status(
    cand: Candidate,
    anchors_: list[Anchor],
    date: FoundDate | None,
    end_known: bool,
    ev: EventsSpec,
    published: datetime | None,
) -> EventStatus | None:
    texts = [a.sentence.text for a in anchors_ if not a.subordinate]
    # Said of the event itself: "The X, scheduled for May, has been postponed".
    for a in anchors_:
        if a.subordinate or not _CHANGE_WORDS.search(a.sentence.lower):
            continue
        clause = a.sentence.text[a.start :]
        if _CANCELLED.search(clause[:160]):
            return EventStatus.CANCELLED
        if _POSTPONED.search(clause[:160]):
            return EventStatus.POSTPONED
    if date is not None and published is not None:
        pub = published.astimezone(CST).date()
        if date.start > pub:
            return EventStatus.ANNOUNCED
        if not end_known:
            return EventStatus.UNDER_WAY if pub - date.start <= timedelta(days=2) else None
        return EventStatus.UNDER_WAY if date.end >= pub else EventStatus.HELD
    if any(ev.future_cues and ev.future_cues.search(t) for t in texts):
        return EventStatus.ANNOUNCED
    if any(_HELD.search(t) for t in texts):
        return EventStatus.HELD
    return None


_MOVED_TO = re.compile(
    r"\b(?:postponed|moved|rescheduled|put off|pushed back)\s+(?:to|until|till)\s+(?:the\s+)?$"
)


def _moved_to(anchors_: list[Anchor], published: datetime | None) -> FoundDate | None:
    for a in anchors_:
        text = a.sentence.text
        for m in DATE_RE.finditer(text, a.end):
            if _MOVED_TO.search(text[max(0, m.start() - 30) : m.start()]):
                return parse_date(m, published, True)
    return None


def fill_slots(
    cand: Candidate,
    ev: EventsSpec,
    busy: Busy,
    published: datetime | None,
    *,
    places: bool = True,
) -> Slots:
    """The slots attached to ``cand``; ``busy`` maps a sentence index to the spans naming
    *other* events in it. ``places`` False (a proposal) reads only the date."""
    found_anchors, parent = anchors(cand, busy)
    date = place = None
    clause = ""
    cues: list[str] = []
    organisers: list[str] = []
    for a in found_anchors:
        if date is None:
            tied = find_date(a, ev, busy, published)
            if tied is not None:
                date, clause = tied
                cues.append(f'date "{date.text}" attached in sentence {a.sentence.index + 1}')
        if not places or a.subordinate:
            continue
        if place is None:
            place = find_place(a, ev, busy)
            if place is not None:
                cues.append(f'place "{place}" attached in sentence {a.sentence.index + 1}')
        for o in _organisers(a, ev, busy):
            if o not in organisers:
                organisers.append(o)
    if places:
        for o in _organisers_after(cand, found_anchors, ev):
            if o not in organisers:
                organisers.append(o)
    if date is None:
        date = from_end(found_anchors, ev, busy, published, cand.backrefs)
        if date is not None:
            cues.append(f'date "{date.text}" from its end and length')
    end_known = True
    if date is not None and date.start == date.end:
        longer = find_end(found_anchors, date, ev, busy, published, cand.backrefs)
        if longer is not None:
            date = longer
        elif opening_only(clause):
            end_known = False
    venue, city = split_place(place, ev)
    status = _status(cand, found_anchors, date, end_known, ev, published) if places else None
    if status is EventStatus.POSTPONED:
        # The date it was scheduled for is no longer its date; "postponed to June 5" is.
        date, end_known = _moved_to(found_anchors, published), True
    if parent:
        cues.append(f'part of "{parent}"')
    return Slots(
        date, place, tuple(organisers), tuple(cues), venue, city, parent, status, end_known
    )
