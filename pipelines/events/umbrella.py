"""Events held at another event: an alliance launched at a conference, a forum during an expo.

"The X Alliance was launched at the 2024 Y Conference", "At the 2024 Y Expo, the X Forum
...", "The event saw the founding of the X Alliance": the sub-event gets the umbrella as its
``parent`` and, where the text gives it none, the umbrella's place, and its day when the
umbrella lasts one day (the labels' rule: a sub-event held during a one-day event takes its day
and place). The umbrella takes nothing from its sub-events.
"""

from __future__ import annotations

import re
from dataclasses import replace

from pipelines.events.records import Candidate, ExtractedEvent, Mention

__all__ = ["link_subevents"]

_AT_BEFORE = re.compile(
    r"\b(?:launched|founded|established|unveiled|inaugurated|set up|formed|released|announced|"
    r"held|opened|kicked off|took place)\s+(?:[^,;]{0,40}?\s+)?(?:at|during|on the sidelines of|"
    r"as part of)\s+(?:the\s+)?$"
)
_AT_LEAD = re.compile(r"^(?:At|During|On the sidelines of)\s+(?:the\s+)?$")
_SAW = re.compile(
    r"^(?:The|This year's)\s+(?:[\w\-]+\s+){0,2}?(?:event|conference|forum|expo|summit|fair|"
    r"congress|meeting|convention)\s+(?:also\s+)?(?:saw|witnessed|featured)\s+the\s+(?:official\s+)?"
    r"(?:founding|launch|establishment|unveiling|inauguration|opening)\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)


def _umbrella_of(m: Mention, others: list[Candidate]) -> Candidate | None:
    text = m.sentence.text
    for other in others:
        for om in other.mentions:
            if om.sentence.index != m.sentence.index:
                continue
            # "X was launched at the Y".
            if m.end <= om.start and _AT_BEFORE.search(text[m.end : om.start]):
                return other
            # "At the Y (in Z), the X ...".
            if (
                om.end <= m.start
                and _AT_LEAD.match(text[: om.start])
                and re.fullmatch(
                    r"(?:\s*\([^)]{1,20}\))?(?:\s+in\s+[^,]{1,40})?\s*,\s+(?:the\s+)?",
                    text[om.end : m.start],
                )
            ):
                return other
        if m.sentence in other.backrefs and _SAW.match(text[: m.start]):
            return other
    return None


def link_subevents(
    pairs: list[tuple[ExtractedEvent, Candidate]],
) -> list[tuple[ExtractedEvent, Candidate]]:
    """The events of one article with each sub-event's umbrella, place and day filled in."""
    cands = [c for _e, c in pairs]
    by_cand = {id(c): e for e, c in pairs}
    out = []
    for ev, c in pairs:
        if ev.parent is None:
            others = [o for o in cands if o is not c]
            umbrella = next(
                (u for m in c.mentions if (u := _umbrella_of(m, others)) is not None), None
            )
            if umbrella is not None:
                up = by_cand[id(umbrella)]
                changes: dict[str, object] = {"parent": up.name}
                if ev.place is None and up.place is not None:
                    changes.update(place=up.place, venue=up.venue, city=up.city)
                one_day = up.start_date is not None and up.end_date == up.start_date
                if ev.start_date is None and one_day:
                    changes.update(
                        start_date=up.start_date,
                        end_date=up.end_date,
                        date_text=up.date_text,
                        status=ev.status or up.status,
                    )
                ev = replace(ev, **changes)  # type: ignore[arg-type]
        out.append((ev, c))
    return out
