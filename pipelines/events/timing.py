"""When an event takes place: the date words the text ties to it, resolved to days.

Ties, in order of trust:

* a date in the event's own clause after an anchor ("The X was held on June 26", "It ran from
  Monday to Tuesday");
* a date right before the name ("On Saturday, the X opened", "Monday's opening of the X");
* a sentence that opens with "On <date>," and goes on to hold, open, launch or submit the event
  ("On March 5, the delegations jointly submitted a suggestion on ...");
* then an end: "runs until <date>" said of the same event, or a duration ("over four days",
  "a three-day forum") from a single start day.

A day is resolved against the publication date by :mod:`pipelines.events.dates` (weekdays by
tense: "opened on Thursday" is on or before publication, "will open on Thursday" the next one).
An event given only its opening day ("opened on", "got under way on") keeps ``end`` None.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from pipelines.events.anchors import Anchor, Busy, between_free, gap_ok, lead_clause
from pipelines.events.dates import DATE_RE, DURATION_RE, FoundDate, duration_days, parse_date
from pipelines.events.lexicon import verb_lemmas
from pipelines.events.sentences import Sentence
from pipelines.taxonomy import EventsSpec

__all__ = ["find_date", "find_end", "from_end", "gap_free_of_speech", "opening_only"]

_PRESENT = re.compile(r"\b(?:runs|opens|starts|begins|continues|lasts|closes|ends|is|are)\b")
_UNTIL = re.compile(
    r"\b(?:until|through|till|to|"
    r"(?:closes|closed|ends|ended|concludes|concluded|wraps up|wrapped up)(?: on)?)\s+$"
)
_DATE_BEFORE_OK = re.compile(
    r"^\s*(?:,\s*)?(?:(?:for|to attend|to take part in)\s+)?(?:the\s+)?$"
    r"|^['’]s\s+(?:official\s+|grand\s+)?(?:opening|launch|start|kick-?off|unveiling)"
    r"(?:\s+ceremony)?\s+of\s+(?:the\s+)?$"
)
_GATHERED_BEFORE = re.compile(
    r"\b(?:met|gathered|convened|assembled|came together|meet|gather|will meet|will gather)\s+"
    r"(?:in|at)\s+[^,;]{0,60}?\s+(?:for|to attend|to take part in)\s+(?:the\s+)?$"
)
# "On March 5, ..." at the head of the sentence (after an optional short phrase).
_LEAD_ON = re.compile(r"^(?:[^,;]{0,50},\s*)?[Oo]n\s+$")
# The main verb that makes a lead date the event's own: held, opened, launched, submitted ...
_EVENT_VERB = re.compile(
    r"\b(?:held|hold|holds|opened|open|opens|launched|launch|launches|kicked off|kicks off|"
    r"got under way|gets under way|began|begins|started|starts|staged|hosted|convened|"
    r"inaugurated|unveiled|founded|established|set up|submitted|submit|tabled|filed|"
    r"put forward|brought|proposed|handed in|took place|takes place|will be held)\b"
)
_OPENING = re.compile(
    r"\b(?:open|opens|opened|opening|kick(?:ed|s)? off|kick-off|(?:got|gets|get) under way|"
    r"began|begins|begin|started|starts|start)\b",
    re.IGNORECASE,
)


def _ahead(clause: str, ev: EventsSpec) -> bool:
    """Whether the words tying an event to a weekday announce it ("will open on", "is set to
    open on", "opens on") rather than report it ("opened on", "was held on")."""
    if ev.future_cues and ev.future_cues.search(clause):
        return True
    return bool(_PRESENT.search(clause))


def _lead_tie(text: str, m: re.Match[str], anchor: Anchor, ev: EventsSpec) -> bool:
    """ "On <date>, <subject> <event verb> ... the X": the date is the event's."""
    if not _LEAD_ON.match(text[: m.start()]) or not text[m.end() :].lstrip().startswith(","):
        return False
    between = text[m.end() : anchor.start]
    if len(between.split()) > 30 or not _EVENT_VERB.search(between):
        return False
    return gap_free_of_speech(between, ev)


def gap_free_of_speech(text: str, ev: EventsSpec) -> bool:
    """No verb of saying in ``text``: "officials said on Monday" dates a statement."""
    return not any(
        w.islower() and verb_lemmas(w) & ev.speech_verbs for w in re.findall(r"[a-z]+", text)
    )


def find_date(
    anchor: Anchor, ev: EventsSpec, busy: Busy, pub: datetime | None
) -> tuple[FoundDate, str] | None:
    """The date tied to the event at ``anchor`` (a start, or a range) and the words that tie
    it, or None."""
    if anchor.subordinate:
        return None
    lead = lead_clause(anchor, busy)
    for m in DATE_RE.finditer(lead):
        found = parse_date(m, pub, _ahead(lead, ev))
        if found is not None and not _UNTIL.search(lead[max(0, m.start() - 16) : m.start()]):
            return found, lead
    text = anchor.sentence.text
    for m in DATE_RE.finditer(text):
        if m.start() >= anchor.end:
            gap = text[anchor.end : m.start()]
            ok = gap_ok(gap, ev, True) and between_free(anchor, anchor.end, m.start(), busy)
            if not ok:
                break
            clause = gap
        elif m.end() <= anchor.start:
            between = text[m.end() : anchor.start]
            attached = (
                _DATE_BEFORE_OK.match(between)
                or (len(between.split()) <= 4 and gap_ok(between, ev, allow_places=False))
                or _GATHERED_BEFORE.search(text[: anchor.start])
                or _lead_tie(text, m, anchor, ev)
            )
            if not attached or not between_free(anchor, m.end(), anchor.start, busy):
                continue
            clause = between
        else:
            continue  # a date inside the name ("the May 4th Forum")
        found = parse_date(m, pub, _ahead(clause, ev))
        if found is None:
            continue
        if found.start == found.end and _UNTIL.search(text[max(0, m.start() - 16) : m.start()]):
            continue  # "runs until Thursday" is an end, not a start
        return found, clause
    return None


def find_end(
    anchors: list[Anchor],
    found: FoundDate,
    ev: EventsSpec,
    busy: Busy,
    pub: datetime | None,
    followers: Sequence[Sentence] = (),
) -> FoundDate | None:
    """A one-day date extended by "runs until <date>" or a duration said of the same event (in
    its sentences or those that go on about it, ``followers``); None when nothing extends it."""
    for a in anchors:
        if a.subordinate:
            continue
        text = a.sentence.text
        for m in DATE_RE.finditer(text, a.end):
            # "runs until <date>" ties the end to the sentence's subject whatever lies between.
            if not _UNTIL.search(text[max(0, m.start() - 16) : m.start()]):
                continue
            if a.start > 0 and not gap_ok(text[a.end : m.start()], ev, True):
                break
            end = parse_date(m, pub, True)
            if end and end.end > found.start and (end.end - found.start).days <= 366:
                return FoundDate(f"{found.text} to {end.text}", found.start, end.end)
    own = [a.sentence for a in anchors if not a.subordinate] + list(followers)
    for sent in own:
        if busy.get(sent.index):
            continue  # another event in the sentence: whose duration is it?
        d = DURATION_RE.search(sent.text)
        if d:
            days = duration_days(d)
            return replace(
                found,
                text=f"{found.text} ({d.group(0)})",
                end=found.start + timedelta(days=days - 1),
            )
    return None


def opening_only(anchor_text: str) -> bool:
    """Whether the words that gave a one-day date speak of an opening ("opened on",
    "got under way on", "Monday's opening of"): the event may run on, its end is unknown."""
    return bool(_OPENING.search(anchor_text))


def from_end(
    anchors: list[Anchor],
    ev: EventsSpec,
    busy: Busy,
    pub: datetime | None,
    followers: Sequence[Sentence] = (),
) -> FoundDate | None:
    """ "The two-day conference, which ended on Thursday": an end and a duration of the same
    event give its start."""
    own = [a.sentence for a in anchors if not a.subordinate] + list(followers)
    days = next(
        (
            duration_days(d)
            for s in own
            if not busy.get(s.index)
            for d in [DURATION_RE.search(s.text)]
            if d
        ),
        None,
    )
    if days is None:
        return None
    for a in anchors:
        if a.subordinate:
            continue
        text = a.sentence.text
        for m in DATE_RE.finditer(text, a.end):
            if not gap_ok(text[a.end : m.start()], ev, True):
                break
            if not _UNTIL.search(text[max(0, m.start() - 16) : m.start()]):
                continue
            end = parse_date(m, pub, False)
            if end is not None and end.start == end.end:
                start = end.end - timedelta(days=days - 1)
                return FoundDate(f"{days} days to {end.text}", start, end.end)
    return None
