"""Which edition of an event series a report is about, and one event per real event in an article.

An event's identity is its kind, its series (the name without edition markers,
:func:`~pipelines.events.keys.series_key`) and its edition:

1. the year the name writes ("the 2025 Smart China Expo" -> ``2025``);
2. else the year of the dates the text gives (a report of "the Smart China Expo, which opens on
   Thursday" published in August 2025 -> ``2025``);
3. else the edition already stored that is nearest in time, if it is within
   :data:`SAME_EDITION_DAYS` of the publication (reports of one edition cluster around it);
4. else the ordinal the name writes ("5th"), else the publication year (made unique with its
   month when that year's label is taken by an edition far away).

An annual conference reported 11 months apart, with no year and no dates, is so a new edition.
Kinds in :data:`SINGLE_EDITION_KINDS` (an alliance is founded once, a proposal followed up)
have editions only where the name or the dates say so; otherwise every report joins the nearest
stored edition.
Pure functions: storage feeds them what is stored (``pipelines.storage.editions``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from pipelines.events.keys import name_edition, part_of
from pipelines.events.records import ExtractedEvent

__all__ = [
    "SAME_EDITION_DAYS",
    "SINGLE_EDITION_KINDS",
    "KnownEdition",
    "merge_parts",
    "resolve_edition",
]

#: Reports of one edition, none of which names its year or gives its dates, lie within this
#: many days of each other (conferences are reported from announcement to wrap-up: weeks to a
#: few months); an annual event reported again after this is its next edition.
SAME_EDITION_DAYS = 180
#: Kinds whose events happen once: a later report with no year joins the stored edition. An
#: alliance is founded once; a proposal is followed up (adopted, answered) long after it is made.
SINGLE_EDITION_KINDS = frozenset({"alliance", "proposal"})


@dataclass(frozen=True)
class KnownEdition:
    """An edition of the series already stored: its label, dates and the days it was reported."""

    edition: str
    start: date | None
    first_reported: date
    last_reported: date

    def distance(self, day: date) -> int:
        """Days from ``day`` to this edition: to its start, else to its reports."""
        if self.start is not None:
            return abs((day - self.start).days)
        if self.first_reported <= day <= self.last_reported:
            return 0
        return min(abs((day - self.first_reported).days), abs((day - self.last_reported).days))


def resolve_edition(
    kind: str,
    name: str,
    start: date | None,
    published: date,
    known: Sequence[KnownEdition],
) -> str:
    """The edition label of a report of event ``name`` (see the module's rules)."""
    written = name_edition(name)
    if written is not None and written.isdigit():
        return written
    if start is not None:
        return str(start.year)
    if known:
        nearest = min(known, key=lambda k: (k.distance(published), k.edition))
        if kind in SINGLE_EDITION_KINDS or nearest.distance(published) <= SAME_EDITION_DAYS:
            return nearest.edition
    if written is not None:
        return written
    if kind in SINGLE_EDITION_KINDS:
        return ""
    label = str(published.year)
    if any(k.edition == label for k in known):
        label = f"{published:%Y-%m}"
    return label


def _fill(kept: ExtractedEvent, part: ExtractedEvent) -> ExtractedEvent:
    """``kept`` with the slots it lacks taken from ``part`` (a mention of the same event)."""
    values = {}
    for slot in ("date_text", "start_date", "end_date", "place", "venue", "city", "status"):
        if getattr(kept, slot) is None and getattr(part, slot) is not None:
            values[slot] = getattr(part, slot)
    if not kept.organisers and part.organisers:
        values["organisers"] = part.organisers
    if not kept.proposers and part.proposers:
        values["proposers"] = part.proposers
        values["proposer_roles"] = part.proposer_roles
    return replace(kept, **values) if values else kept


def merge_parts(events: Sequence[ExtractedEvent]) -> list[ExtractedEvent]:
    """One event per real event of an article: a mention naming a part of another event of the
    same kind ("first meeting of the Joint Conference" beside "Joint Conference on Talent
    Coordinated Development") is merged into it, its slots filling the other's gaps. A
    sub-event (its ``parent`` names the other) stays its own event."""
    kept: list[tuple[int, ExtractedEvent]] = []
    # Fullest names first: a part merges into the longest event it is part of.
    for pos, event in sorted(enumerate(events), key=lambda pe: -len(pe[1].key.split())):
        whole = next(
            (
                i
                for i, (_, k) in enumerate(kept)
                if k.kind == event.kind
                and not _is_parent(k, event)
                and not _years_differ(k, event)
                and (k.key == event.key or part_of(event.name, k.name))
            ),
            None,
        )
        if whole is None:
            kept.append((pos, event))
        else:
            first, k = kept[whole]
            kept[whole] = (min(first, pos), _fill(k, event))
    # In the article's order (where each real event is first mentioned).
    return [event for _, event in sorted(kept, key=lambda pe: pe[0])]


def _years_differ(a: ExtractedEvent, b: ExtractedEvent) -> bool:
    """Two editions named in one article ("the 2024 ... and the 2025 ...") stay two."""
    ea, eb = name_edition(a.name), name_edition(b.name)
    return ea is not None and eb is not None and ea.isdigit() and eb.isdigit() and ea != eb


def _is_parent(whole: ExtractedEvent, part: ExtractedEvent) -> bool:
    return bool(part.parent) and part_of(part.parent or "", whole.name)
