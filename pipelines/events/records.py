"""What the extractor produces: candidate events while it decides, extracted events after."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from pipelines.core.statuses import EventStatus
from pipelines.events.sentences import Sentence
from pipelines.taxonomy import EventShape

__all__ = ["Candidate", "ExtractedEvent", "Form", "Mention"]


@dataclass(frozen=True)
class ExtractedEvent:
    """One event an article reports."""

    kind: str  # a kind of the taxonomy: conference | alliance | proposal | ...
    name: str  # as written in the article
    key: str  # normalised identity, to merge the same event across articles
    date_text: str | None  # as written, e.g. "November 23-24"
    start_date: date | None  # the year, when missing, comes from the publication date
    end_date: date | None
    place: str | None  # e.g. "Chongqing's Liangjiang New Area"
    organisers: tuple[str, ...]
    proposers: tuple[str, ...]
    summary: str  # the sentence that introduced it
    evidence: str  # why it was accepted: the model's probability, the cues that fired, the sentence
    # Filled by the slot readers where the text ties them to this event; empty otherwise.
    venue: str | None = None  # "Yuelai International Convention Center"
    city: str | None = None  # city or district: "Liangjiang New Area", "Chongqing"
    status: EventStatus | None = None
    parent: str | None = None  # the umbrella event's name, for a sub-event ("a session of the X")
    proposer_roles: tuple[str, ...] = ()  # one per proposer: "CPPCC member", "NPC deputy", ""


class Form:
    """How a mention's name was found (a feature of the candidate, and in the evidence)."""

    TITLE = "title-case"  # "the 2023 Smart China Expo"
    QUOTED = "quoted"  # 'the "Academic seminar on biomedical sciences"'
    EDITION = "edition-led"  # "the 6th Han Hong forum", "the 2024 annual meeting of the X"
    DESCRIBED = "described"  # "will build a Chengdu-Chongqing university alliance"
    SUBJECT = "subject"  # proposals: "proposal on <subject>"
    BARE = "bare"  # proposals with no subject: "proposal by <proposer>"


@dataclass
class Mention:
    """One place an event is named."""

    name: str
    sentence: Sentence
    start: int  # character span of the name in the sentence
    end: int
    form: str
    trigger: str
    weak: bool = False
    edition: bool = False  # a year, an ordinal or "annual" marks an edition


@dataclass
class Candidate:
    """A possible event: mentions of one name, the features the model weighs, its decision."""

    kind: str
    shape: EventShape
    key: str
    year: int | None  # the edition year written in the name
    mentions: list[Mention]
    backrefs: list[Sentence] = field(default_factory=list)
    features: dict[str, float] = field(default_factory=dict)
    cues: dict[str, str] = field(default_factory=dict)  # feature -> the text that fired it
    probability: float = 0.0
    accepted: bool = False

    @property
    def name(self) -> str:
        # The fullest form as written: most words, then the first seen.
        return max(
            self.mentions,
            key=lambda m: (len(m.name.split()), -m.sentence.index, -m.start),
        ).name

    @property
    def first(self) -> Mention:
        return min(self.mentions, key=lambda m: (m.sentence.index, m.start))

    def sentences(self) -> list[Sentence]:
        """Sentences naming it, in order, without repeats."""
        seen: dict[int, Sentence] = {}
        for m in sorted(self.mentions, key=lambda m: (m.sentence.index, m.start)):
            seen.setdefault(m.sentence.index, m.sentence)
        return list(seen.values())
