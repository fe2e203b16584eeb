"""Where a sentence speaks of *this* event, and which words keep a slot in its clause.

An anchor is a span standing for the event: one of its mentions, or a back-reference that opens
its sentence ("It ran from ...", "The forum was held ..."). A slot phrase belongs to the event
when only verbs, auxiliaries, adverbs, dates and a few function words stand between it and an
anchor (:func:`gap_ok`), and no other event is named between them (:func:`between_free`).

A sub-event written with its umbrella in apposition ("The Talent Forum, a session of the 2025
Western Conference, took place ...") is anchored past the apposition, so the forum gets the
date and place; the umbrella's mention inside the apposition is marked ``subordinate`` and gets
nothing from that sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipelines.events.dates import TIME_WORDS
from pipelines.events.lexicon import is_base_verb, is_verb_form, verb_lemmas
from pipelines.events.records import Candidate
from pipelines.events.sentences import Sentence, word_set
from pipelines.taxonomy import EventsSpec

__all__ = [
    "APPOSED",
    "Anchor",
    "Busy",
    "anchors",
    "between_free",
    "gap_ok",
    "lead_clause",
    "verb_gap",
]

#: sentence index -> spans (start, end, name) of the *other* events named in it
Busy = dict[int, list[tuple[int, int, str]]]

# "It", "The forum", "The three-day event", "This year's expo", "The 2024 edition".
_MODIFIER = r"(?:(?:[a-z]+-day|week-long|annual|latest|(?:19|20)\d\d)\s+)?"
_SUBJECT_REF = rf"(?:It|(?:The|This year's)\s+{_MODIFIER}(?:event|edition|{{t}})(?:'s)?)"
# Words allowed between an anchor and its slot: auxiliaries, adverbs, dates, particles.
_GAP_WORDS = word_set(
    "on from to until through till under way off place up the this last next week year"
    " afternoon morning evening night day days officially formally jointly also recently"
    " successfully grandly which will be been being was were is are has have had here there"
    " once again both in at between"
)
# Lower-case words of a place phrase: "the southwestern city of Chongqing".
_PLACE_WORDS = word_set(
    "and & of city municipality province county district town southwest southwestern northwest"
    " northwestern southeast southeastern northeast northeastern southern northern eastern"
    " western central inland coastal chinese"
)
_WORD = re.compile(r"[A-Za-z0-9][\w'’\-]*|[,()]")
_NUMBER = re.compile(r"\d{1,2}(?:st|nd|rd|th)?(?:-\d{1,2}(?:st|nd|rd|th)?)?|(?:19|20)\d\d")
# "was jointly launched by 30 carmakers in Chongqing on Monday": the organisers' phrase is part
# of the event's clause (and read by the organiser slot), not a break in it.
_BY_PARTY = re.compile(
    r"\b(?P<v>hosted|launched|organized|organised|sponsored|initiated|founded|convened)\s+by\s+"
    r"[^,;]{1,80}?(?=\s+(?:in|at|on|from)\s|\s*$)"
    r"|\b(?:scheduled|set|slated|planned)\s+for\b"
    # "launched at a ceremony in Chengdu": the occasion, not another event.
    r"|\bat\s+(?:a|an|the)\s+(?:[a-z\-]+\s+){0,2}?(?:ceremony|meeting|gathering|session)\b"
)
_ABBREVIATION = re.compile(r"\s*\([A-Z][A-Za-z0-9&\-]{1,12}\)")
#: ", a session of the " / ", part of the " / ", a sub-forum of the ": an umbrella follows.
APPOSED = re.compile(
    r"^\s*,\s+(?:(?:a|an|one|the)\s+)?(?:[\w\-]+\s+){0,3}?(?:session|sessions|sub-forum|"
    r"subforum|part|segment|component|sub-event|side event|highlight|activity|activities|"
    r"event|events|forum|forums)\s+(?:of|at|during|under|within)\s+(?:the\s+)?$"
)


# "Held in Chongqing from Nov 5 to 7, the X ...": a participle clause that opens the sentence
# and whose subject is the event right after it.
_LEAD_PARTICIPLE = re.compile(
    r"^(?:Held|Hosted|Staged|Taking place|Opening|Opened|Running|Launched|Convened)\b"
    r"(?P<c>[^;\"“”]{3,140}?),\s+(?:the\s+)?$"
)


def lead_clause(anchor: Anchor, busy: Busy) -> str:
    """The words of an opening participle clause that speaks of the event at ``anchor``
    ("Held in Chongqing on Friday, the X ..."); "" when there is none."""
    m = _LEAD_PARTICIPLE.match(anchor.sentence.text[: anchor.start])
    if (
        not m
        or anchor.subordinate
        or busy.get(anchor.sentence.index, ())
        and not between_free(anchor, 0, anchor.start, busy)
    ):
        return ""
    return m["c"]


@dataclass(frozen=True)
class Anchor:
    """A span of a sentence that stands for the event: its name or a subject back-reference."""

    sentence: Sentence
    start: int
    end: int
    subordinate: bool = False  # named inside another event's apposition: takes nothing here


@lru_cache(maxsize=256)
def _subject_re(trigger: str) -> re.Pattern[str]:
    return re.compile(_SUBJECT_REF.format(t=trigger) + r"\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def _inner_re(trigger: str) -> re.Pattern[str]:
    return re.compile(
        rf"\b(?:this year's|the upcoming|the)\s+{_MODIFIER}(?:edition|event|{trigger})\b"
    )


def _past_apposition(sent: Sentence, end: int, busy: Busy) -> tuple[int, str | None]:
    """Where the event's clause goes on after ``end`` when an umbrella is in apposition
    ("X, a session of the Y, took place ..."), and the umbrella's name; else (end, None)."""
    text = sent.text
    for s, e, name in sorted(busy.get(sent.index, ())):
        if s <= end:
            continue
        if not APPOSED.match(_ABBREVIATION.sub("", text[end:s])):
            continue
        rest = re.match(r"(?:\s*\([^)]{1,20}\))?\s*,", text[e:])
        return (e + rest.end() if rest else e), name
    return end, None


def _subordinate(sent: Sentence, start: int, busy: Busy) -> bool:
    return any(
        e <= start and APPOSED.match(_ABBREVIATION.sub("", sent.text[e:start]))
        for _s, e, _n in busy.get(sent.index, ())
    )


def anchors(cand: Candidate, busy: Busy) -> tuple[list[Anchor], str | None]:
    """The event's mentions, then its back-references that open their sentence; and the
    umbrella event's name when a mention has one in apposition."""
    out = []
    parent = None
    for m in cand.mentions:
        end, umbrella = _past_apposition(m.sentence, m.end, busy)
        parent = parent or umbrella
        out.append(Anchor(m.sentence, m.start, end, _subordinate(m.sentence, m.start, busy)))
    trig = re.escape(cand.first.trigger) if cand.first.trigger else "event"
    subject = _subject_re(trig)
    for sent in cand.backrefs:
        sm = subject.match(sent.text)
        if sm:
            out.append(Anchor(sent, sm.start(), sm.end()))
    # "Organizers of the X said that this year's edition, to be held from ...": a
    # back-reference later in a sentence naming the event, with no other event between.
    inner = _inner_re(trig)
    for m in cand.mentions:
        for r in inner.finditer(m.sentence.text, m.end):
            a = Anchor(m.sentence, r.start(), r.end())
            if between_free(a, m.end, r.start(), busy):
                out.append(a)
            break
    return out, parent


def gap_ok(gap: str, ev: EventsSpec, allow_places: bool) -> bool:
    """Whether ``gap`` holds only auxiliaries, adverbs, dates and particles (and, with
    ``allow_places``, place names): words that keep a slot in the event's own clause. A verb of
    saying ends the clause: "organizers *said* on Tuesday" dates the statement."""
    gap = _BY_PARTY.sub(lambda m: f" {m['v'] or ''} ", _ABBREVIATION.sub("", gap))
    words = _WORD.findall(gap)
    if len(words) > 14:
        return False
    prev = ""
    for w in words:
        low = w.lower().rstrip(".")
        if w.islower() and ev.speech_verbs and verb_lemmas(low) & ev.speech_verbs:
            return False
        ok = (
            low in _GAP_WORDS
            or low in TIME_WORDS
            or w == ","
            or (w.isdigit() and prev in TIME_WORDS)
            or bool(_NUMBER.fullmatch(w) and prev)
            or low.endswith("ly")
            or (w.islower() and (is_verb_form(low) or is_base_verb(low)))
            or (allow_places and (w[0].isupper() or low in ev.place_heads or low in _PLACE_WORDS))
        )
        if not ok:
            return False
        prev = low
    return True


def verb_gap(gap: str, ev: EventsSpec) -> bool:
    """Whether only auxiliaries, adverbs, dates and particles stand in ``gap``."""
    return gap_ok(gap, ev, allow_places=False)


def between_free(anchor: Anchor, a: int, b: int, busy: Busy) -> bool:
    """No other event is named between offsets ``a`` and ``b`` of the anchor's sentence."""
    if ";" in anchor.sentence.text[a:b]:
        return False
    return not any(a < e and s < b for s, e, _n in busy.get(anchor.sentence.index, ()))
