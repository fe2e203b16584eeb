"""An event's date, place and organisers: right or empty.

A slot is taken only where the sentence ties it to *this* event. The anchors are the event's
own mentions and the back-references that are the subject of their sentence ("The forum was held
...", "It was hosted by ..."); a slot phrase is attached to an anchor when only verbs,
auxiliaries, adverbs, dates and a few function words stand between them ("The X Forum *was held
on June 26 in* Liangjiang New Area"), or when the sentence makes the place host the event
("Ba'nan District played host to the X", "met in Wanzhou on Saturday for the X"). A sentence
naming another event between the two gives nothing, so an umbrella event does not inherit its
sub-event's date or hall. A place is a capitalised phrase after "in" or "at" that is not an
organisation ("... Commission"), a month or an event; "from <country>" is never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from pipelines.events.dates import DATE_RE, TIME_WORDS, FoundDate, parse_date
from pipelines.events.lexicon import is_base_verb, is_verb_form, verb_lemmas
from pipelines.events.records import Candidate, Mention
from pipelines.events.sentences import Sentence, word_set
from pipelines.taxonomy import EventsSpec

__all__ = [
    "Anchor",
    "Slots",
    "anchors",
    "fill_slots",
    "find_proposers",
    "mention_proposer",
    "submitter",
    "verb_gap",
]

_CAP = r"[A-Z][\w'’\-]*"
_PLACE = rf"{_CAP}(?:\s+(?:(?:of|and|&|de)\s+(?:the\s+)?)?{_CAP})*"
_PLACE_AT = re.compile(rf"(?:in|at)\s+(?:the\s+)?(?P<p>{_PLACE})")
_HOST_SUBJECT = re.compile(
    rf"^(?:the\s+)?(?P<p>{_PLACE})\s+(?:played host to|plays host to|hosted|hosts|is hosting|"
    r"will host|was the venue for|welcomed)\s+(?:the\s+)?$"
)
_GATHERED = re.compile(
    r"\b(?:met|gathered|convened|assembled|came together|meet|gather|will meet|will gather)\s+"
    rf"(?:in|at)\s+(?:the\s+)?(?P<p>{_PLACE})(?P<d>\s+on\s+[A-Z][a-z]+\.?(?:\s+\d{{1,2}})?)?"
    r"(?:\s*,)?\s+(?:for|to attend|to take part in)\s+(?:the\s+)?$"
)
_DATE_BEFORE_OK = re.compile(r"^\s*(?:,\s*)?(?:(?:for|to attend|to take part in)\s+)?(?:the\s+)?$")
_ORGANISER = re.compile(
    r"(?:co-)?(?:hosted|organized|organised|sponsored|initiated|convened|launched|"
    r"jointly\s+(?:held|hosted|organized|organised|launched|initiated)|held|founded|"
    r"established|set\s+up)\s+by\s+(?P<o>[^.;:]+)",
    re.IGNORECASE,
)
_ORGANISER_FIRST = re.compile(
    r"^(?:Co-)?(?:Hosted|Organized|Organised|Sponsored|Initiated)\s+by\s+(?P<o>[^,]+),\s+"
    r"(?:the\s+)?$"
)
_PERSON = r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){1,2}"
_PERSON_RE = re.compile(rf"\b{_PERSON}\b")
# Capitalised words that make a two- or three-word span not a person's name.
_NOT_PERSON = word_set(
    "chongqing china chinese the this vice president director general manager deputy member"
    " members chief national municipal people science city district new area committee two"
    " sessions group university institute center centre company western sichuan beijing"
    " shanghai in at on for during his her their according meanwhile chairman secretary mayor"
    " professor dr mr ms"
)
_PRESENT = re.compile(r"\b(?:runs|opens|starts|begins|continues|lasts|closes|ends|is|are)\b")
_UNTIL = re.compile(
    r"\b(?:until|through|till|to|"
    r"(?:closes|closed|ends|ended|concludes|concluded|wraps up|wrapped up)(?: on)?)\s+$"
)
_SUBJECT_REF = "(?:It|The event|The {t}|This year's {t}|The {t}'s)"
# Words allowed between an anchor and its slot: auxiliaries, adverbs, dates, particles.
_GAP_WORDS = word_set(
    "on from to until through till under way off place up the this last next week year"
    " afternoon morning evening night day days officially formally jointly also recently"
    " successfully grandly which will be been being was were is are has have had here there"
    " once again both in at"
)
_WORD = re.compile(r"[A-Za-z0-9][\w'’\-]*|[,()]")
_NUMBER = re.compile(r"\d{1,2}(?:st|nd|rd|th)?(?:-\d{1,2}(?:st|nd|rd|th)?)?|(?:19|20)\d\d")


@dataclass(frozen=True)
class Anchor:
    """A span of a sentence that stands for the event: its name or a subject back-reference."""

    sentence: Sentence
    start: int
    end: int


@dataclass(frozen=True)
class Slots:
    date: FoundDate | None
    place: str | None
    organisers: tuple[str, ...]
    cues: tuple[str, ...]  # how each slot was attached, for the evidence


@lru_cache(maxsize=256)
def _subject_re(trigger: str) -> re.Pattern[str]:
    return re.compile(_SUBJECT_REF.format(t=trigger) + r"\b", re.IGNORECASE)


def anchors(cand: Candidate) -> list[Anchor]:
    """The event's mentions, then its back-references that open their sentence."""
    out = [Anchor(m.sentence, m.start, m.end) for m in cand.mentions]
    trig = re.escape(cand.first.trigger) if cand.first.trigger else "event"
    subject = _subject_re(trig)
    for sent in cand.backrefs:
        m = subject.match(sent.text)
        if m:
            out.append(Anchor(sent, m.start(), m.end()))
    return out


def _gap_ok(gap: str, ev: EventsSpec, allow_places: bool) -> bool:
    """Whether ``gap`` holds only auxiliaries, adverbs, dates and particles (and, with
    ``allow_places``, place names): words that keep a slot in the event's own clause. A verb of
    saying ends the clause: "organizers *said* on Tuesday" dates the statement."""
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
            or (allow_places and (w[0].isupper() or low in ev.place_heads or low in ("and", "&")))
        )
        if not ok:
            return False
        prev = low
    return True


def verb_gap(gap: str, ev: EventsSpec) -> bool:
    """Whether only auxiliaries, adverbs, dates and particles stand in ``gap``."""
    return _gap_ok(gap, ev, allow_places=False)


def _between_free(anchor: Anchor, a: int, b: int, busy: dict[int, list[tuple[int, int]]]) -> bool:
    """No other event is named between offsets ``a`` and ``b`` of the anchor's sentence."""
    if ";" in anchor.sentence.text[a:b]:
        return False
    return not any(a < e and s < b for s, e in busy.get(anchor.sentence.index, ()))


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


def _place(anchor: Anchor, ev: EventsSpec, busy: dict[int, list[tuple[int, int]]]) -> str | None:
    text = anchor.sentence.text
    for m in _PLACE_AT.finditer(text, anchor.end):
        gap = text[anchor.end : m.start()]
        if not _gap_ok(gap, ev, allow_places=False) or not _between_free(
            anchor, anchor.end, m.start(), busy
        ):
            break
        place = _valid_place(m["p"], ev)
        if place:
            return place
    before = text[: anchor.start]
    for pat in (_HOST_SUBJECT, _GATHERED):
        h = pat.search(before)
        if h and _between_free(anchor, h.start(), anchor.start, busy):
            place = _valid_place(h["p"], ev)
            if place:
                return place
    return None


def _ahead(clause: str, ev: EventsSpec) -> bool:
    """Whether the words tying an event to a weekday announce it ("will open on", "is set to
    open on", "opens on") rather than report it ("opened on", "was held on")."""
    if ev.future_cues and ev.future_cues.search(clause):
        return True
    return bool(_PRESENT.search(clause))


def _date(
    anchor: Anchor, ev: EventsSpec, busy: dict[int, list[tuple[int, int]]], pub: datetime | None
) -> FoundDate | None:
    text = anchor.sentence.text
    for m in DATE_RE.finditer(text):
        if m.start() >= anchor.end:
            gap = text[anchor.end : m.start()]
            ok = _gap_ok(gap, ev, True) and _between_free(anchor, anchor.end, m.start(), busy)
            if not ok:
                break
        elif m.end() <= anchor.start:
            between = text[m.end() : anchor.start]
            attached = _DATE_BEFORE_OK.match(between) or (
                len(between.split()) <= 4 and _gap_ok(between, ev, allow_places=False)
            )
            if not attached and not _GATHERED.search(text[: anchor.start]):
                continue
            if not _between_free(anchor, m.end(), anchor.start, busy):
                continue
        else:
            continue  # a date inside the name ("the May 4th Forum")
        clause = (
            text[anchor.end : m.start()]
            if m.start() >= anchor.end
            else text[m.end() : anchor.start]
        )
        found = parse_date(m, pub, _ahead(clause, ev))
        if found is None:
            continue
        if found.start == found.end and _UNTIL.search(text[max(0, m.start() - 16) : m.start()]):
            continue  # "runs until Thursday" is an end, not a start
        return found
    return None


def _end_date(
    anchors_: list[Anchor], found: FoundDate, ev: EventsSpec, pub: datetime | None
) -> FoundDate:
    """Extend a one-day date with "runs until <date>" said of the same event."""
    for a in anchors_:
        text = a.sentence.text
        for m in DATE_RE.finditer(text, a.end):
            # "runs until <date>" ties the end to the sentence's subject whatever lies between.
            if not _UNTIL.search(text[max(0, m.start() - 16) : m.start()]):
                continue
            if a.start > 0 and not _gap_ok(text[a.end : m.start()], ev, True):
                break
            end = parse_date(m, pub, True)
            if end and end.end > found.start and (end.end - found.start).days <= 366:
                return FoundDate(f"{found.text} to {end.text}", found.start, end.end)
    return found


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


def _organisers(
    anchor: Anchor, ev: EventsSpec, busy: dict[int, list[tuple[int, int]]]
) -> list[str]:
    text = anchor.sentence.text
    first = _ORGANISER_FIRST.match(text[: anchor.start])
    if first and _between_free(anchor, 0, anchor.start, busy):
        return _split_parties(first["o"], ev)
    m = _ORGANISER.search(text, anchor.end)
    if (
        m
        and _gap_ok(text[anchor.end : m.start()], ev, True)
        and _between_free(anchor, anchor.end, m.start(), busy)
    ):
        return _split_parties(m["o"], ev)
    return []


def fill_slots(
    cand: Candidate,
    ev: EventsSpec,
    busy: dict[int, list[tuple[int, int]]],
    published: datetime | None,
) -> Slots:
    """The date, place and organisers attached to ``cand``; ``busy`` maps a sentence index to
    the spans naming *other* events in it."""
    found_anchors = anchors(cand)
    date = place = None
    cues: list[str] = []
    organisers: list[str] = []
    for a in found_anchors:
        if date is None:
            date = _date(a, ev, busy, published)
            if date is not None:
                cues.append(f'date "{date.text}" attached in sentence {a.sentence.index + 1}')
        if place is None:
            place = _place(a, ev, busy)
            if place is not None:
                cues.append(f'place "{place}" attached in sentence {a.sentence.index + 1}')
        for o in _organisers(a, ev, busy):
            if o not in organisers:
                organisers.append(o)
    if date is not None and date.start == date.end:
        date = _end_date(found_anchors, date, ev, published)
    return Slots(date, place, tuple(organisers), tuple(cues))


def _person_names(text: str) -> list[str]:
    out = []
    for m in _PERSON_RE.finditer(text):
        words = m.group(0).replace("-", " ").split()
        if any(w.lower() in _NOT_PERSON for w in words):
            continue
        out.append(m.group(0))
    return out


_ROLE = (
    r"(?:member|deputy|adviser|advisor|lawmaker|legislator|delegate|chairman|chairwoman|"
    r"president|director|head|dean|professor|principal|secretary|doctor|engineer|teacher|founder)"
)
# "Luo Jing, a deputy to ...", "Ming, who ...": a person named with a role.
_APPOSITIVE = re.compile(rf"\b({_PERSON}),\s+(?:a|an|the|who)\b[^,;]{{0,80}}?\b{_ROLE}")
_SUBJECT = re.compile(rf"^(?:Chongqing\s*-\s*)?({_PERSON})$")
_ROLE_NAME = re.compile(rf"\b{_ROLE}\s+({_PERSON})\b")


def submitter(sentence: str) -> str | None:
    """The person submitting in ``sentence``: "member/deputy NAME" or "NAME, a deputy ..."
    before the submitting verb (a capitalised phrase alone may be a title, not a person)."""
    head = re.split(
        r"\b(?:has|have|had)?\s*(?:submitted|tabled|filed|put forward|proposed)", sentence
    )[0]
    for pattern in (_ROLE_NAME, _APPOSITIVE):
        for m in pattern.finditer(head):
            if _person_names(m.group(1)):
                return m.group(1)
    # The subject right before the verb: "Chu Wenbo has submitted ...".
    m = _SUBJECT.match(head.strip())
    return m.group(1) if m and _person_names(m.group(1)) else None


_POSSESSIVE = re.compile(r"\b(?:his|her|their)\s+(?:\w+\s+)?$", re.IGNORECASE)


def mention_proposer(m: Mention) -> str | None:
    """Who submits the proposal of mention ``m``: the person of its sentence, or, for "his /
    her proposal", the person of the sentence before."""
    who = submitter(m.sentence.text)
    prev = m.sentence.previous
    if who is None and prev is not None and _POSSESSIVE.search(m.sentence.text[: m.start]):
        who = submitter(prev.text)
    return who


def find_proposers(
    sentences: list[str], all_sentences: list[str], first: tuple[str | None, ...] = ()
) -> tuple[str, ...]:
    """Who submitted a proposal: the subject of its sentences, then co-proposers listed in
    sentences saying "jointly proposed / submitted" or "together with"."""
    out: list[str] = [p for p in first if p]
    for sent in sentences:
        who = submitter(sent)
        if who and who not in out:
            out.append(who)
    surnames = {n.split()[0] for n in out}
    for sent in all_sentences:
        if not re.search(r"\b(?:jointly|together with|co-?propos|co-?submit|along with)", sent):
            continue
        if not re.search(r"propos|submit|suggest|motion", sent, re.IGNORECASE):
            continue
        first_word = sent.split()[0] if sent.split() else ""
        if out and first_word not in surnames and not any(n in sent for n in out):
            continue  # a joint proposal by someone else
        for m in re.finditer(rf"(?:including|:|;|,|\band)\s+({_PERSON}),", sent):
            name = m.group(1)
            if name not in out and _person_names(name):
                out.append(name)
    return tuple(out)
