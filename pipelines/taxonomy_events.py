"""The ``events`` section of the taxonomy: which kinds of event exist and how each is recognised.

Every key of ``events`` that is not a shared setting declares a kind. A kind has a *shape*, the
only thing code knows about it:

* ``named`` (the default): an event with a name whose head noun is one of the kind's triggers
  ("... Development Forum", "... Industry Alliance"); conferences, alliances, and any kind an
  operator adds (an ``exhibition`` kind needs only a name, triggers and cues).
* ``proposal``: a formal submission, "proposal / motion / suggestion on <subject>".

Triggers are single words. ``weak_triggers`` are head nouns too generic to count on their own
("fair", "meeting", "event"): a name with one counts only with an edition marker (a year, an
ordinal, "annual") or when quoted. A word may be the trigger of one kind only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pipelines.taxonomy_checks import check_keys, compile_cues, err, mapping, string_list

__all__ = ["EventKindSpec", "EventShape", "EventsSpec", "parse_events"]


class EventShape(StrEnum):
    """How events of a kind are found: the only part of a kind that lives in code."""

    NAMED = "named"
    PROPOSAL = "proposal"


@dataclass(frozen=True)
class EventKindSpec:
    """Triggers and cues of one event kind, cue lists compiled to regular expressions."""

    kind: str
    triggers: tuple[str, ...]
    shape: EventShape = EventShape.NAMED
    weak_triggers: tuple[str, ...] = ()
    excluded_modifiers: frozenset[str] = frozenset()
    excluded_names: tuple[str, ...] = ()
    report_cues: re.Pattern[str] | None = None
    # A named candidate of this kind is an event only where a report cue fires (an alliance:
    # launched, founded, joined ...); a name alone is someone's affiliation or background.
    cue_required: bool = False
    excluded_context: re.Pattern[str] | None = None
    # Proposal shape only.
    subject_introducers: tuple[str, ...] = ()
    subject_stops: tuple[str, ...] = ()
    submit_cues: re.Pattern[str] | None = None
    formal_context: re.Pattern[str] | None = None
    everyday_context: re.Pattern[str] | None = None


@dataclass(frozen=True)
class EventsSpec:
    """Event extraction settings shared by all kinds, and the kinds themselves (in file order)."""

    leading_stopwords: frozenset[str]
    name_connectors: frozenset[str]
    venue_words: frozenset[str]
    source_cues: re.Pattern[str] | None
    kinds: Mapping[str, EventKindSpec]
    future_cues: re.Pattern[str] | None = None
    affiliation_cues: re.Pattern[str] | None = None
    subevent_cues: re.Pattern[str] | None = None
    speech_verbs: frozenset[str] = frozenset()
    place_heads: frozenset[str] = frozenset()
    organisation_heads: frozenset[str] = frozenset()
    # Per kind, a regex finding any trigger word: sentences without one are skipped cheaply.
    trigger_filters: Mapping[str, re.Pattern[str]] = field(default_factory=dict)
    # Lower-case trigger word -> (kind, weak) for the named kinds.
    trigger_index: Mapping[str, tuple[str, bool]] = field(default_factory=dict)
    # Any trigger of a named kind, on lower-cased text.
    named_filter: re.Pattern[str] | None = None

    def of_shape(self, shape: EventShape) -> list[EventKindSpec]:
        return [k for k in self.kinds.values() if k.shape is shape]


_SHARED = {
    "leading_stopwords",
    "name_connectors",
    "venue_words",
    "source_cues",
    "future_cues",
    "affiliation_cues",
    "subevent_cues",
    "speech_verbs",
    "place_heads",
    "organisation_heads",
}
_NAMED_KEYS = {
    "shape",
    "triggers",
    "weak_triggers",
    "excluded_modifiers",
    "excluded_names",
    "report_cues",
    "cue_required",
    "excluded_context",
}
_PROPOSAL_KEYS = {
    "shape",
    "triggers",
    "excluded_context",
    "subject_introducers",
    "subject_stops",
    "submit_cues",
    "formal_context",
    "everyday_context",
}
# Stored in events.kind (16 characters): a short lower-case identifier.
_KIND_NAME = re.compile(r"[a-z][a-z_]{1,15}")
_TRIGGER = re.compile(r"[a-z][a-z\-]*")


def _lower(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.lower() for w in words)


def _flag(path: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise err(path, key, f"expected true or false, got {value!r}")
    return value


def _parse_kind(path: str, kind: str, value: Any) -> EventKindSpec:
    key = f"events.{kind}"
    if not _KIND_NAME.fullmatch(kind):
        raise err(path, key, "a kind name must be 2-16 lower-case letters or '_'")
    kd = mapping(path, key, value)
    raw_shape = kd.get("shape", EventShape.NAMED.value)
    try:
        shape = EventShape(raw_shape)
    except ValueError:
        shapes = ", ".join(s.value for s in EventShape)
        raise err(path, f"{key}.shape", f"unknown shape {raw_shape!r} (shapes: {shapes})") from None
    check_keys(path, key, kd, _NAMED_KEYS if shape is EventShape.NAMED else _PROPOSAL_KEYS)

    def lst(k: str) -> tuple[str, ...]:
        return string_list(path, f"{key}.{k}", kd[k]) if k in kd else ()

    if "triggers" not in kd:
        raise err(path, f"{key}.triggers", "missing")
    triggers = tuple(t.lower() for t in lst("triggers"))
    weak = tuple(t.lower() for t in lst("weak_triggers"))
    if not triggers:
        raise err(path, f"{key}.triggers", "needs at least one trigger")
    for i, t in enumerate((*triggers, *weak)):
        if not _TRIGGER.fullmatch(t):
            raise err(path, f"{key}.triggers[{i}]", f"a trigger is one word, got {t!r}")
    return EventKindSpec(
        kind=kind,
        triggers=triggers,
        shape=shape,
        weak_triggers=weak,
        excluded_modifiers=_lower(lst("excluded_modifiers")),
        excluded_names=tuple(n.lower().replace("\u2019", "'") for n in lst("excluded_names")),
        report_cues=compile_cues(lst("report_cues")),
        cue_required=_flag(path, f"{key}.cue_required", kd.get("cue_required", False)),
        excluded_context=compile_cues(lst("excluded_context")),
        subject_introducers=lst("subject_introducers"),
        subject_stops=lst("subject_stops"),
        submit_cues=compile_cues(lst("submit_cues")),
        formal_context=compile_cues(lst("formal_context")),
        everyday_context=compile_cues(lst("everyday_context")),
    )


def parse_events(path: str, value: Any) -> EventsSpec:
    """Validate the ``events`` section and build an :class:`EventsSpec`."""
    data = mapping(path, "events", value)
    kinds: dict[str, EventKindSpec] = {}
    owner: dict[str, str] = {}
    for name, kd in data.items():
        if name in _SHARED:
            continue
        spec = _parse_kind(path, str(name), kd)
        for t in (*spec.triggers, *spec.weak_triggers):
            if t in owner:
                raise err(path, f"events.{name}.triggers", f"{t!r} is already a {owner[t]} trigger")
            owner[t] = spec.kind
        kinds[spec.kind] = spec
    if not kinds:
        raise err(path, "events", "needs at least one event kind")

    def shared(k: str) -> tuple[str, ...]:
        return string_list(path, f"events.{k}", data[k]) if k in data else ()

    index = {
        t: (s.kind, t in s.weak_triggers)
        for s in kinds.values()
        if s.shape is EventShape.NAMED
        for t in (*s.triggers, *s.weak_triggers)
    }
    words = sorted(index, key=len, reverse=True)
    return EventsSpec(
        leading_stopwords=_lower(shared("leading_stopwords")),
        name_connectors=_lower(shared("name_connectors")),
        venue_words=_lower(shared("venue_words")),
        source_cues=compile_cues(shared("source_cues")),
        kinds=kinds,
        future_cues=compile_cues(shared("future_cues")),
        affiliation_cues=compile_cues(shared("affiliation_cues")),
        subevent_cues=compile_cues(shared("subevent_cues")),
        speech_verbs=_lower(shared("speech_verbs")),
        place_heads=_lower(shared("place_heads")),
        organisation_heads=_lower(shared("organisation_heads")),
        trigger_filters={
            # Applied to lower-cased text: a case-sensitive literal alternation is much faster.
            kind: re.compile(
                r"\b(?:" + "|".join(re.escape(t) for t in (*s.triggers, *s.weak_triggers)) + r")"
            )
            for kind, s in kinds.items()
        },
        trigger_index=index,
        named_filter=(
            re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b") if words else None
        ),
    )
