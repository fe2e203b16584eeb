"""Where a proposal's subject ends: "proposal on <subject>" named in the labels' style.

A subject written in title case is a title: all of it is the name, verbs included ("Suggestions on
Strengthening the ... Corridor Coordination to Promote Development of Western Region and Form a
New Pattern"). A lower-case subject runs until the clause goes on to something else: a stop from
the taxonomy (", ", " during ", " to the "), a date or time ("on March 5", "this week"), or a
finite verb (:func:`pipelines.events.lexicon.is_finite_verb`; an inflected form also used as an
adjective counts when an article or preposition follows it: "... *submitted* to the session").
"""

from __future__ import annotations

import re

from pipelines.events.dates import MONTH, WEEKDAY
from pipelines.events.lexicon import is_finite_verb, is_verb_form
from pipelines.events.sentences import word_set
from pipelines.taxonomy import EventKindSpec

__all__ = ["MAX_SUBJECT_WORDS", "cut_subject", "title_span"]

MAX_SUBJECT_WORDS = 18

_TIME_STOP = re.compile(
    rf"\s(?:on|in|from|by|since|until|before|after)\s+(?:the\s+)?(?:{MONTH}\s|{WEEKDAY}\b|"
    rf"(?:19|20)\d\d\b)|\s(?:this|last|next)\s+(?:week|month|year|{WEEKDAY})\b"
)
# Lower-case words allowed between the capitalised words of a title.
_TITLE_GLUE = word_set(
    "of on and for the to a an in with as by at from into its their our between among through via"
)
_FOLLOWERS = word_set("the a an to by on at in for of with from that this these")
_WORD = re.compile(r"[\"'‘’“”]?[A-Za-z0-9][\w'’\-]*[\"'‘’“”]?|[^\s]")


def title_span(text: str) -> str | None:
    """The title at the start of ``text``, when it is in title case (two capitalised words at
    least, lower-case glue words between them), else None."""
    words = text.split()
    out: list[str] = []
    caps = 0
    quote_open = False
    for w in words:
        core = w.strip("\"'‘’“”")
        ends = w.rstrip("\"'‘’“”")
        if not core:
            break
        if w[0] in "'‘\"“":
            quote_open = True
        if core[0].isupper() or core[0].isdigit() or quote_open:
            out.append(w)
            caps += 1
        elif core.lower() in _TITLE_GLUE and out:
            out.append(w)
        else:
            break
        if w[-1] in "'’\"”" and len(w) > 1:
            quote_open = False
        if ends and ends[-1] in ",;:.()" and not quote_open:
            break
    while out and out[-1].strip("\"'‘’“”,;:.").lower() in _TITLE_GLUE:
        out.pop()
    if caps < 2 or not out:
        return None
    name = " ".join(out).rstrip(",;:.")
    return name if re.match(r"[\"'‘“]?[A-Z0-9]", name) else None


def cut_subject(text: str, spec: EventKindSpec) -> str:
    """The subject at the start of ``text`` (the words after "proposal on")."""
    if text[:1].isupper() and not re.match(MONTH + r"\b", text):
        title = title_span(text)
        if title:
            return title
    cut = len(text)
    padded = f"{text} "
    for stop in spec.subject_stops:
        pos = padded.find(stop)
        if 0 <= pos < cut:
            cut = pos
    m = _TIME_STOP.search(padded[:cut])
    if m:
        cut = m.start()
    words = text[:cut].split()
    kept: list[str] = []
    for i, w in enumerate(words):
        bare = w.strip("\"'‘’“”()")
        if kept and is_finite_verb(bare):
            break
        nxt = words[i + 1].lower() if i + 1 < len(words) else ""
        if (
            kept
            and bare.islower()
            and nxt in _FOLLOWERS
            and bare.endswith("ed")  # a participle: "elderly care *submitted* to ..."
            and is_verb_form(bare)
        ):
            break
        kept.append(w)
        if len(kept) >= MAX_SUBJECT_WORDS:  # an unbounded clause is not a name
            break
    return " ".join(kept).strip(" \"'“”‘’")
