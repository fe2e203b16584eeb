"""Event extraction: conferences, alliances, formal proposals (and any kind the taxonomy
declares) that an article reports as news.

The method, in four steps, each in its own module:

1. **Candidates** (:mod:`~pipelines.events.candidates`, :mod:`~pipelines.events.proposals`):
   names whose head noun is a trigger of a kind (title-case, quoted, edition-led or described
   forms) and "proposal / motion / suggestion on <subject>" phrases, with subject boundaries cut
   at the first finite verb (:mod:`~pipelines.events.names`, :mod:`~pipelines.events.lexicon`).
2. **Features** (:mod:`~pipelines.events.features`): where and how the candidate is named
   (title, lead, repeats, quotes, edition), what the sentence says of it (the kind's reporting
   cues, announced ahead, a source of quotes, someone's affiliation, a past edition, a formal
   context, a proposer).
3. **Acceptance** (:mod:`~pipelines.events.acceptance`): a logistic regression per shape,
   trained on the project's labeled sets (``python -m pipelines.events.train``), decides; the
   evidence stored with an event lists its probability and the features that weighed most.
4. **Slots** (:mod:`~pipelines.events.slots`): date (:mod:`~pipelines.events.timing`), place,
   venue and city (:mod:`~pipelines.events.places`), organisers, status, the umbrella event
   (:mod:`~pipelines.events.umbrella`) and proposers with their roles
   (:mod:`~pipelines.events.proposers`), only where the text ties them to this event
   (:mod:`~pipelines.events.anchors`). Method and figures: ``docs/extraction.md``.

Mentions of one event are merged by :func:`event_key` (:mod:`~pipelines.events.keys`).
"""

from pipelines.events.acceptance import AcceptanceModel, load_model
from pipelines.events.extract import extract_candidates, extract_events
from pipelines.events.keys import event_key, names_match
from pipelines.events.records import Candidate, ExtractedEvent
from pipelines.events.sentences import split_sentences

__all__ = [
    "AcceptanceModel",
    "Candidate",
    "ExtractedEvent",
    "event_key",
    "extract_candidates",
    "extract_events",
    "load_model",
    "names_match",
    "split_sentences",
]
