"""Candidate events of the proposal shape: "proposal / motion / suggestion on <subject>".

Names follow the labels' style, the noun and its subject ("proposal on elderly care"), in these
forms: a title ("the Suggestions on Supporting ..."), "titled "X"", "two proposals: one on X,
another on Y", "suggestions by deputies and members on X", "proposal to develop X" (a verb or an
official body after "to"), and, when no subject is written, "proposal by <proposer>". Whether a
candidate is a formal proposal (deputies, members, an official body) is the model's decision,
from the features of :mod:`pipelines.events.features`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipelines.events.keys import contains, event_key
from pipelines.events.lexicon import is_base_verb
from pipelines.events.names import cut_subject, title_span
from pipelines.events.proposers import submitter
from pipelines.events.records import Candidate, Form, Mention
from pipelines.events.sentences import Sentence
from pipelines.taxonomy import EventKindSpec, EventShape, EventsSpec

__all__ = ["proposal_candidates"]

_MULTI = re.compile(
    r"\b(?:one|another|the other|the first|the second|the third)\s+(on|about)\s+([^,;.]+)"
)
_TITLED = re.compile(r"\s*(?:titled|entitled|named|called)\s+[\"“‘']([^\"”’']{3,150})[\"”’']")
_BY = re.compile(r"\s+by\s+((?:[\w'’\-]+\s+){1,6}?)(?=(?:on|about|regarding|concerning|for)\s)")


@lru_cache(maxsize=32)
def _noun_re(triggers: tuple[str, ...]) -> re.Pattern[str]:
    alt = "|".join(re.escape(t) for t in triggers)
    return re.compile(rf"\b({alt})(s?)\b", re.IGNORECASE)


@lru_cache(maxsize=32)
def _intro_re(introducers: tuple[str, ...]) -> re.Pattern[str] | None:
    if not introducers:
        return None
    alt = "|".join(re.escape(x) for x in sorted(introducers, key=len, reverse=True))
    return re.compile(rf"\s+({alt})\s+")


def _to_subject_ok(subject: str, ev: EventsSpec) -> bool:
    """After "proposal to": a verb ("to develop ...") or an official body ("to the Ministry
    of ..."), not a destination ("to the session")."""
    words = subject.split()
    if not words:
        return False
    if is_base_verb(words[0]):
        return True
    body = [w for w in words[1:4] if w[:1].isupper()]
    return words[0] == "the" and any(w.lower() in ev.organisation_heads for w in body)


_COUNTED = re.compile(
    r"\b(?:a\s+)?(?:series of|two|three|four|five|six|seven|eight|several|[2-9])\s+"
    r"(?:proposals|suggestions|motions)\b",
    re.IGNORECASE,
)
_WH = frozenset(["how", "what", "why", "whether", "which", "who", "whom", "where", "when"])
_GENERIC = frozenset(
    [
        "subject",
        "subjects",
        "matter",
        "matters",
        "issue",
        "issues",
        "topic",
        "topics",
        "question",
        "questions",
    ]
)
_POSSESSIVE = frozenset(["their", "his", "her", "its", "our", "your", "my"])


def _subject_names_something(subject: str) -> bool:
    """Whether a cut subject names a matter, not a pronoun or a clause fragment: "the
    subject", "how the country" (a clause cut at its verb) and "to carry out their duties"
    (everyday wording) name nothing a reader could follow."""
    words = [w.strip("\"'‘’“”(),").lower() for w in subject.split()]
    words = [w for w in words if w]
    if not words:
        return False
    if words[0] in _WH:
        return len(words) > 2 and words[1] == "to"  # "how to cut costs" names a matter
    if len(words) <= 2 and words[-1] in _GENERIC:
        return False  # "the subject", "this issue"
    # "to carry out their duties": a verb (and particle) straight onto someone's own things.
    return not (len(words) <= 5 and any(w in _POSSESSIVE for w in words[1:3]))


def _names(sent: Sentence, spec: EventKindSpec, ev: EventsSpec) -> list[tuple[str, int, str]]:
    """(name, offset, form) of each proposal named in ``sent``."""
    text = sent.text
    out: list[tuple[str, int, str]] = []
    intro = _intro_re(spec.subject_introducers)
    for m in _noun_re(spec.triggers).finditer(text):
        noun = m.group(1)
        rest = text[m.end() :]
        if noun[0].isupper() and m.start() > 0:
            title = title_span(text[m.start() :])
            if title and len(title.split()) >= 4:
                out.append((title, m.start(), Form.TITLE))
                continue
        noun = noun.lower()
        if m.group(2):
            multi = _MULTI.findall(rest)
            if len(multi) > 1:
                for prep, subj in multi:
                    subj = cut_subject(subj, spec)
                    if subj:
                        out.append((f"{noun} {prep} {subj}", m.start(), Form.SUBJECT))
                continue
        q = _TITLED.match(rest)
        if q:
            out.append((f"{noun} {q.group(1).strip()}", m.start(), Form.QUOTED))
            continue
        by = ""
        b = _BY.match(rest)
        if b:
            by = f" by {b.group(1).strip()}"
            rest = rest[b.end() - 1 :]
        im = intro.match(rest) if intro else None
        if not im:
            continue
        prep = im.group(1)
        subj = cut_subject(rest[im.end() :], spec)
        if not subj or (prep == "to" and not _to_subject_ok(subj, ev)):
            continue
        if not _subject_names_something(subj):
            # "suggestions on the subject": context for another proposal, not one to name
            # by its proposer either.
            out.append(("", m.start(), ""))
            continue
        out.append((f"{noun}{by} {prep} {subj}", m.start(), Form.SUBJECT))
    return out


def proposal_candidates(sentences: list[Sentence], ev: EventsSpec) -> list[Candidate]:
    """Proposal candidates of every proposal-shape kind."""
    out: list[Candidate] = []
    for spec in ev.of_shape(EventShape.PROPOSAL):
        flt = ev.trigger_filters[spec.kind]
        found: list[Candidate] = []
        bare: list[Mention] = []
        for sent in sentences:
            if not flt.search(sent.lower):
                continue
            if spec.excluded_context and spec.excluded_context.search(sent.text):
                continue
            found_names = _names(sent, spec, ev)
            named = [n for n in found_names if n[0]]
            for name, off, form in named:
                key = event_key(name)
                mention = Mention(name, sent, off, off + len(name), form, spec.triggers[0])
                for c in found:
                    if c.key == key or contains(c.key, key) or contains(key, c.key):
                        c.mentions.append(mention)
                        break
                else:
                    found.append(Candidate(spec.kind, spec.shape, key, None, [mention]))
            if not found_names and spec.submit_cues and spec.submit_cues.search(sent.text):
                nm = _noun_re(spec.triggers).search(sent.text)
                if nm:
                    bare.append(Mention(nm.group(0), sent, nm.start(), nm.end(), Form.BARE, ""))
        if not found and bare:
            # A proposal whose subject is not written is named by its proposer; without a
            # person submitting it there is nothing to name ("the proposals submitted ...").
            first = bare[0]
            who = submitter(first.sentence.text)
            counted = _COUNTED.search(first.sentence.text)
            if who and counted:
                # "brought four suggestions": the stories' own name for them.
                first.name = re.sub(r"^a\s+", "", counted.group(0).lower())
                found.append(Candidate(spec.kind, spec.shape, event_key(first.name), None, [first]))
            elif who:
                first.name = f"{first.name.lower().rstrip('s')} by {who}"
                found.append(Candidate(spec.kind, spec.shape, event_key(first.name), None, [first]))
        out.extend(found)
    return out
