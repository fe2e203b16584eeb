"""Event identity: a normalised key per name, and whether two names denote the same event.

Mentions of one event are merged by :func:`event_key` (case, articles, years, ordinals,
punctuation, plurals); across articles the key lets the digest show one event once.
"""

from __future__ import annotations

import re

from pipelines.events.sentences import word_set
from pipelines.taxonomy import normalise_token

__all__ = [
    "EDITION_WORDS",
    "contains",
    "edition_key",
    "edition_year",
    "event_key",
    "name_edition",
    "names_match",
    "part_of",
    "series_key",
]

#: Words that mark an edition, not a different event ("the 5th", "annual", "first").
EDITION_WORDS = word_set(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth annual"
    " inaugural"
)
_YEAR_OR_ORDINAL = re.compile(r"^(?:(?:19|20)\d\d|\d+(?:st|nd|rd|th))$")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_ORDINAL_NUMBER = re.compile(r"\b(\d{1,3})(?:st|nd|rd|th)\b", re.IGNORECASE)
_ORDINAL_WORDS = {
    word: n
    for n, word in enumerate(
        (
            "first",
            "second",
            "third",
            "fourth",
            "fifth",
            "sixth",
            "seventh",
            "eighth",
            "ninth",
            "tenth",
            "eleventh",
            "twelfth",
        ),  # fmt: skip
        start=1,
    )
}
# "first meeting of the X", "the opening ceremony of the X": a part named by its whole.
_PART_OF = re.compile(
    r"^(?:\w+ )?(?:meeting|session|plenary session|plenary meeting|opening ceremony|"
    r"closing ceremony|opening|ceremony|launch)\s+of\s+(?:the\s+)?"
)
#: Separates a series key from its edition in an edition key ("smart china expo|2024").
EDITION_SEPARATOR = "|"


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


def series_key(name: str) -> str:
    """The key of an event series: the name without edition markers (:func:`event_key`)."""
    return event_key(name)


def _ordinal_suffix(n: int) -> str:
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def name_edition(name: str) -> str | None:
    """The edition a name writes: its year ("2024"), else its ordinal ("5th"), else None.

    "the 2025 Smart China Expo" -> "2025"; "the Fifth Western China Expo" -> "5th".
    """
    year = edition_year(name)
    if year is not None:
        return str(year)
    number = _ORDINAL_NUMBER.search(name)
    if number:
        return _ordinal_suffix(int(number.group(1)))
    for word in re.findall(r"[a-z]+", name.lower()):
        if word in _ORDINAL_WORDS:
            return _ordinal_suffix(_ORDINAL_WORDS[word])
    return None


def edition_key(series: str, edition: str | None) -> str:
    """The identity of one edition: ``series|edition`` ("smart china expo|2024"), or the series
    alone for an event with no edition (an alliance is founded once)."""
    return f"{series}{EDITION_SEPARATOR}{edition}" if edition else series


def part_of(part: str, whole: str) -> bool:
    """Whether name ``part`` names a part of (or the same event as) name ``whole``, by key:
    "first meeting of the Joint Conference" is part of "Joint Conference on Talent Coordinated
    Development"; so is "Joint Conference" itself."""
    kp, kw = event_key(part), event_key(whole)
    if not kp or not kw or kp == kw:
        return bool(kp) and kp == kw
    core = _PART_OF.sub("", kp)
    return bool(core) and (contains(kw, core) or core == kw)


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
