"""Candidate events of the named shape (conferences, alliances, any kind declared so).

A mention is a name whose head noun is a trigger of a kind, in one of four forms:

* **title-case**: capitalised words around a capitalised trigger, with connectors between them
  and an "on / of / for ..." tail ("2021 Forum on Bashu Culture & Tourism ...");
* **quoted**: a short quoted phrase holding a trigger and no finite verb
  ('the "Academic seminar on biomedical sciences"');
* **edition-led**: a lower-case trigger after an edition marker and modifiers with a proper
  name among them ("the 6th Han Hong forum", "the 2024 annual meeting of the China Auto Society");
* **described**: a kind's report cue, "a/an", modifiers with a proper name (or a "for ..."
  purpose) and a lower-case trigger ("will build a Chengdu-Chongqing university alliance",
  "set up an industry-education alliance for the low-altitude economy").

A trigger that is a modifier ("Expo Center"), follows an excluded word ("press conference") or
sits in an institution's name ("Political Consultative Conference") gives nothing; a weak trigger
("fair", "meeting") needs an edition marker or quotes. Mentions are then grouped into candidates
by key and edition year, and back-references ("the forum", "It was hosted by ...") attached.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from pipelines.events.dates import TIME_WORDS
from pipelines.events.keys import EDITION_WORDS, contains, edition_year, event_key
from pipelines.events.lexicon import is_finite_verb
from pipelines.events.records import Candidate, Form, Mention
from pipelines.events.sentences import Sentence, Token
from pipelines.taxonomy import EventKindSpec, EventShape, EventsSpec

__all__ = ["attach_backrefs", "group_mentions", "named_mentions", "quote_spans"]

_YEAR = re.compile(r"(?:19|20)\d\d")
_EDITION_TOKEN = re.compile(r"(?:19|20)\d\d|\d+(?:st|nd|rd|th)")
_QUOTES = re.compile(
    r"[“\"]([^”\"]{3,160})[”\"]|(?:(?<=\s)|^)[‘']([^’']{3,120})[’'](?=[\s,.;:!?)]|$)"
)
_DETERMINERS = frozenset({"a", "an"})
_WORD = re.compile(r"[A-Za-z0-9][\w'’\-]*")


def quote_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the insides of quoted phrases."""
    out = []
    for m in _QUOTES.finditer(text):
        g = 1 if m.group(1) is not None else 2
        out.append((m.start(g), m.end(g)))
    return out


def _is_cap(tok: str) -> bool:
    if tok.startswith("("):
        return any(c.isupper() for c in tok)
    c = tok[0]
    return c.isupper() or c.isdigit()


def _is_edition(tok: str) -> bool:
    return tok.lower() in EDITION_WORDS or bool(_EDITION_TOKEN.fullmatch(tok))


def _title_case(
    toks: list[Token], i: int, spec: EventKindSpec, ev: EventsSpec
) -> tuple[int, int] | None:
    """Token span (start, end inclusive) of a capitalised name headed by ``toks[i]``."""
    conns = ev.name_connectors
    n = len(toks)
    triggers = ev.trigger_index
    end = i
    j = i + 1
    if j < n:
        nxt = toks[j][0]
        if _YEAR.fullmatch(nxt):
            end = j
        elif (
            nxt.lower() in ("on", "of", "for")
            and j + 1 < n
            and _is_cap(toks[j + 1][0])
            and toks[j + 1][0].lower() not in ev.venue_words
            and toks[j + 1][0].lower().rstrip(".") not in TIME_WORDS
        ):
            k = j + 1
            end = k
            while k + 1 < n:
                t = toks[k + 1][0]
                if _is_cap(t) and t.lower() not in triggers:
                    k += 1
                    end = k
                elif (
                    t.lower() in conns
                    and t.lower() != "in"
                    and k + 2 < n
                    and _is_cap(toks[k + 2][0])
                ):
                    k += 2
                    end = k
                else:
                    break
        elif nxt[0].isupper() and nxt.isalpha() and nxt.lower() not in triggers:
            return None  # "Expo Center", "Union Hospital": the trigger is a modifier
    # Backward over capitalised words and single connectors between them.
    start = i
    k = i - 1
    while k >= 0:
        t = toks[k][0]
        if _is_cap(t):  # a trigger may be inside a name ("... Summit Forum")
            start = k
            k -= 1
        elif (
            t.lower() in conns
            and k - 1 >= 0
            and _is_cap(toks[k - 1][0])
            and not _is_edition(toks[k - 1][0])  # "since 2018 the Expo": the year is not in it
        ):
            start = k - 1
            k -= 2
        else:
            break
    # Trim sentence openers and connectors that are not part of the name.
    while start < i and (
        toks[start][0].lower() in ev.leading_stopwords or toks[start][0].lower() in conns
    ):
        start += 1
    # A name starting the sentence with a connector inside ("Organizers of the X Forum"):
    # the first capitalised word is an ordinary sentence opener.
    words = [t[0] for t in toks[start:i]]
    if start == 0 and any(w.lower() in conns for w in words):
        while start < i and toks[start][0].lower() not in conns:
            start += 1
        while start < i and toks[start][0].lower() in conns:
            start += 1
    core = [t[0] for t in toks[start:i]] + [t[0] for t in toks[i + 1 : end + 1]]
    if not any(w[0].isupper() and not _is_edition(w) and w.lower() not in conns for w in core):
        return None  # "the Forum", "2024 Expo": no proper name
    return start, end


def _tail(toks: list[Token], i: int) -> int | None:
    """End of an "of / on / for (the) <Capitalised Name>" tail after a lower-case trigger."""
    if i + 2 >= len(toks) or toks[i + 1][0] not in ("of", "on", "for"):
        return None
    k = i + 2
    if toks[k][0] == "the" and k + 1 < len(toks):
        k += 1
    tail, end, caps = k, None, 0
    while tail < len(toks):
        t = toks[tail][0]
        if _is_cap(t) and t.isalpha():
            caps += 1
            end = tail
        elif not (t in ("and", "&", "of", "for") and end == tail - 1):
            break
        tail += 1
    return end if end is not None and caps >= 2 else None


def _purpose(toks: list[Token], i: int) -> int | None:
    """End of a lower-case "for / on (the) <two to six words>" tail that says what a described
    event is for, up to punctuation, a verb or a clause."""
    if i + 2 >= len(toks) or toks[i + 1][0] not in ("for", "on"):
        return None
    k = i + 2
    words = 0
    while k < len(toks) and words < 6:
        t = toks[k][0]
        if not _WORD.fullmatch(t) or is_finite_verb(t) or t in ("to", "that", "which", "and"):
            break
        if t not in ("the", "a", "an"):
            words += 1
        k += 1
    return k - 1 if words >= 2 else None


def _has_cap(words: list[str]) -> bool:
    return any(w[0].isupper() and not _is_edition(w) for w in words)


def _lower_case(
    toks: list[Token], i: int, spec: EventKindSpec, ev: EventsSpec, sent: Sentence
) -> tuple[int, int, str] | None:
    """Token span and form of an edition-led or described name with a lower-case head."""
    tail = _tail(toks, i)
    end = tail if tail is not None else i
    # Edition-led: an edition marker, then modifiers with a proper name among them ("the third
    # Yangtze River ports forum", "the 6th Han Hong forum").
    k = i - 1
    edition = None
    while k >= 0 and i - k <= 6:
        t = toks[k][0]
        if not _WORD.fullmatch(t) or t.lower() in ev.leading_stopwords or is_finite_verb(t):
            break
        if _is_edition(t):
            edition = k
        k -= 1
    if edition is not None:
        span = [t[0] for t in toks[edition:i]]
        if _has_cap(span) or tail is not None:
            return edition, end, Form.EDITION
    # Described: "<report cue> a/an <modifiers> <trigger>", one modifier a proper name.
    det = i - 1
    while det >= 0 and toks[det][0].lower() not in _DETERMINERS:
        t = toks[det][0]
        if i - det > 5 or not _WORD.fullmatch(t) or t.lower() in ev.leading_stopwords:
            return None
        if is_finite_verb(t):
            return None
        det -= 1
    if det < 1 or det == i - 1 or spec.report_cues is None:
        return None
    if not _has_cap([t[0] for t in toks[det + 1 : i]]) and tail is None:
        purpose = _purpose(toks, i)  # "an industry-education alliance for the X economy"
        if purpose is None:
            return None
        end = purpose
    before = sent.text[max(0, toks[det][1] - 30) : toks[det][1]]
    cues = list(spec.report_cues.finditer(before))
    if cues and not before[cues[-1].end() :].strip():
        return det + 1, end, Form.DESCRIBED
    return None


def _quoted(
    sent: Sentence, toks: list[Token], i: int, spans: list[tuple[int, int]]
) -> tuple[int, int] | None:
    s, e = toks[i][1], toks[i][2]
    for qs, qe in spans:
        if qs <= s and e <= qe:
            words = sent.text[qs:qe].split()
            if len(words) > 14 or any(is_finite_verb(w.strip(",.;:!?")) for w in words):
                return None  # reported speech, not a name
            return qs, qe
    return None


def named_mentions(sent: Sentence, ev: EventsSpec) -> list[Mention]:
    """Every mention of a named-shape event in ``sent``."""
    toks = sent.tokens
    spans = quote_spans(sent.text) if any(q in sent.text for q in "\"“'‘") else []
    out: list[Mention] = []
    used_quotes: set[tuple[int, int]] = set()
    for i, (tok, _s, _e) in enumerate(toks):
        low = tok.lower()
        hit = ev.trigger_index.get(low)
        if hit is None:
            continue
        kind, weak = hit
        spec = ev.kinds[kind]
        if i > 0 and toks[i - 1][0].lower() in spec.excluded_modifiers:
            continue
        quoted = _quoted(sent, toks, i, spans) if spans else None
        if quoted is not None:
            if quoted in used_quotes:
                continue
            used_quotes.add(quoted)
            cs, ce = quoted
            name = sent.text[cs:ce].strip(" ,.;:")
            form = Form.QUOTED
        elif tok[0].isupper():
            span = _title_case(toks, i, spec, ev)
            if span is None:
                continue
            cs, ce = toks[span[0]][1], toks[span[1]][2]
            name = sent.text[cs:ce]
            form = Form.TITLE
        else:
            low_span = _lower_case(toks, i, spec, ev, sent)
            if low_span is None:
                continue
            cs, ce = toks[low_span[0]][1], toks[low_span[1]][2]
            name = sent.text[cs:ce]
            form = low_span[2]
        # Typographic apostrophes ("People’s Congress") must match the taxonomy's plain ones.
        name_low = name.lower().replace("\u2019", "'").replace("\u2018", "'")
        if any(x in name_low for x in spec.excluded_names):
            continue
        before = sent.text[max(0, cs - 12) : cs].split()
        edition = any(_is_edition(w) for w in name.split()) or bool(
            before and _is_edition(before[-1])
        )
        if weak and not edition and form != Form.QUOTED:
            continue
        if not event_key(name):
            continue
        out.append(Mention(name, sent, cs, ce, form, low, weak, edition))
    return out


def group_mentions(
    mentions: list[Mention], ev: EventsSpec, published: datetime | None
) -> list[Candidate]:
    """Candidates: mentions of one kind, key and edition year. A shorter name contained in a
    longer one is the same event; a name without a year joins the current edition."""
    kind_of = {t: k for t, (k, _w) in ev.trigger_index.items()}
    groups: list[Candidate] = []
    pub_year = published.year if published else None
    for m in sorted(mentions, key=lambda m: -len(event_key(m.name))):
        key = event_key(m.name)
        kind = kind_of[m.trigger]
        year = edition_year(m.name)
        same = [
            g
            for g in groups
            if g.kind == kind and (g.key == key or contains(g.key, key) or contains(key, g.key))
        ]
        if year is not None:
            same = [g for g in same if g.year in (None, year)]
        elif len(same) > 1:
            # The current (or next) edition, else the latest one.
            current = [g for g in same if g.year is None or pub_year is None or g.year >= pub_year]
            same = current or sorted(same, key=lambda g: g.year or 0, reverse=True)
        if same:
            g = same[0]
            g.mentions.append(m)
            if g.year is None:
                g.year = year
        else:
            groups.append(Candidate(kind, EventShape.NAMED, key, year, [m]))
    for g in groups:
        g.mentions.sort(key=lambda m: (m.sentence.index, m.start))
    groups.sort(key=lambda g: (g.first.sentence.index, g.first.start))
    return groups


@lru_cache(maxsize=256)
def _backref_re(trigger: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:the|this|this year's|that)\s+{re.escape(trigger)}\b")


@lru_cache(maxsize=256)
def _follower_re(trigger: str) -> re.Pattern[str]:
    t = re.escape(trigger)
    # "It was hosted by ...", "Its organizers include ...", "Over four days it drew ...".
    return re.compile(
        rf"(?i:It|Its|(?:The|This year's)\s+(?:(?:[a-z]+-day|week-long|annual)\s+)?"
        rf"(?:event|{t})(?:'s)?)\b"
        r"|(?:[A-Z][\w\s]{0,24}?,?\s+)?it\s+(?:is|was|will|has|had|drew|draws|ran|runs)\b"
    )


def attach_backrefs(groups: list[Candidate], sentences: list[Sentence]) -> None:
    """Attach "the forum" / "this year's expo" back-references to the latest candidate of that
    trigger before them, and a following "It was hosted by ..." sentence to each mention."""
    by_index = {s.index: s for s in sentences}
    for sent in sentences:
        low = sent.lower
        for g in groups:
            first = g.first
            if first.sentence.index >= sent.index:
                continue
            trig = first.trigger
            if trig not in low or any(m.sentence.index == sent.index for m in g.mentions):
                continue
            if not _backref_re(trig).search(low):
                continue
            later = [
                h
                for h in groups
                if h is not g
                and h.first.trigger == trig
                and first.sentence.index < h.first.sentence.index < sent.index
            ]
            if not later and sent not in g.backrefs:
                g.backrefs.append(sent)
    for g in groups:
        trig = g.first.trigger
        follows = _follower_re(trig)
        # A sentence right after a mention or a back-reference that goes on about the event
        # (and the one after that, when it goes on too).
        todo = sorted({m.sentence.index for m in g.mentions} | {s.index for s in g.backrefs})
        while todo:
            nxt = by_index.get(todo.pop(0) + 1)
            if (
                nxt
                and nxt not in g.backrefs
                and not any(x.sentence.index == nxt.index for x in g.mentions)
                and follows.match(nxt.text)
            ):
                g.backrefs.append(nxt)
                todo.append(nxt.index)
        g.backrefs.sort(key=lambda s: s.index)
