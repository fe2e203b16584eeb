"""Event identity: a normalised key per name, and whether two names denote the same event.

Mentions of one event are merged by :func:`event_key` (case, articles, years, ordinals,
punctuation, plurals); across articles the key lets the digest show one event once.
"""

from __future__ import annotations

import re

from pipelines.events.sentences import word_set
from pipelines.taxonomy import normalise_token

__all__ = ["EDITION_WORDS", "contains", "edition_year", "event_key", "names_match"]

#: Words that mark an edition, not a different event ("the 5th", "annual", "first").
EDITION_WORDS = word_set(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth annual"
    " inaugural"
)
_YEAR_OR_ORDINAL = re.compile(r"^(?:(?:19|20)\d\d|\d+(?:st|nd|rd|th))$")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")


def event_key(name: str) -> str:
    """Normalised identity of an event name.

    Lower case, "&" as "and", no possessive "'s", no punctuation, no leading article, no years or
    ordinals ("2020", "5th", "first", "annual"): "the 2020 Chongqing Talents Conference" and
    "Chongqing Talents Conference" have the same key.
    """
    s = name.lower().replace("&", " and ").replace("’", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    # Plurals folded too: "Talents Conference" and "Talent Conference" are one event.
    toks = [
        normalise_token(t)
        for t in s.split()
        if not _YEAR_OR_ORDINAL.match(t) and t not in EDITION_WORDS
    ]
    while toks and toks[0] in ("the", "a", "an"):
        toks.pop(0)
    return " ".join(toks)


def edition_year(name: str) -> int | None:
    """The year written in a name ("2021 Smart China Expo" -> 2021), if any."""
    years = _YEAR.findall(name)
    return int(years[-1]) if years else None


def contains(longer: str, shorter: str) -> bool:
    """Whether key ``shorter`` occurs in key ``longer`` on word boundaries."""
    return bool(shorter) and f" {shorter} " in f" {longer} "


def names_match(a: str, b: str, min_overlap: float = 0.6) -> bool:
    """Whether two event names denote the same event: equal keys, one key contained in the
    other (on word boundaries), or a token overlap of at least ``min_overlap`` (Jaccard)."""
    ka, kb = event_key(a), event_key(b)
    if not ka or not kb:
        return False
    if ka == kb or contains(ka, kb) or contains(kb, ka):
        return True
    sa, sb = set(ka.split()), set(kb.split())
    return len(sa & sb) / len(sa | sb) >= min_overlap
