"""The topic and event taxonomy: loading, validation and the compiled form used by the classifier.

The taxonomy lives in ``taxonomy.yaml`` beside this module so that an operator can add terms,
negative cues and event triggers without touching code. ``load_taxonomy`` reads and validates a
file (the packaged one by default) and returns a :class:`Taxonomy`, whose ``version`` combines the
file's declared version with a hash of its content: stored decisions record it, so that a
reclassification can tell which taxonomy made them.

Matching is word based: text is split into tokens by :func:`tokenize` and each token is reduced by
:func:`normalise_token` (lower case, no possessive, no plural), so "self-driving", "Self Driving"
and "self-driving's" all match the phrase ``self-driving``. Doing it on tokens instead of with one
big regular expression keeps classification fast (a dictionary lookup per token).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "FIELDS",
    "EventKindSpec",
    "EventsSpec",
    "Scoring",
    "Taxonomy",
    "TaxonomyError",
    "Term",
    "TopicSpec",
    "compile_cues",
    "load_taxonomy",
    "normalise_token",
    "tokenize",
]

#: The fields a term can count in. "tags" covers an article's tags and categories.
FIELDS: tuple[str, ...] = ("title", "tags", "body")
EVENT_KINDS: tuple[str, ...] = ("conference", "alliance", "proposal")

_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


class TaxonomyError(ValueError):
    """The taxonomy file is missing, unreadable or invalid; the message names file and key."""


def tokenize(text: str) -> list[str]:
    """Split text into word tokens (letters and digits, keeping an inner apostrophe)."""
    return _TOKEN_RE.findall(text)


@lru_cache(maxsize=65536)
def normalise_token(token: str) -> str:
    """Lower-case a token and strip a possessive and a plural ending.

    Crude on purpose: the same reduction is applied to taxonomy phrases and to article text, so
    it only has to be consistent, not linguistically right ("news" -> "new" on both sides).
    """
    if len(token) > 2 and token.endswith("s") and token[:-1].isupper():
        return token[:-1].lower()  # an acronym's plural: "EVs", "UAVs"
    t = token.lower().replace("’", "'")
    if t.endswith("'s"):
        t = t[:-2]
    elif t.endswith("'"):
        t = t[:-1]
    n = len(t)
    if n > 4 and t.endswith("ies"):
        return t[:-3] + "y"
    if n > 4 and t.endswith(("ches", "shes", "xes", "sses")):
        return t[:-2]
    if n > 3 and t.endswith("s") and not t.endswith(("ss", "us", "is")):
        return t[:-1]
    return t


@dataclass(frozen=True, eq=False)  # identity hash: terms are dictionary keys when scoring
class Term:
    """A weighted phrase of a topic (positive or negative)."""

    phrase: str
    tokens: tuple[str, ...]  # normalised
    surface: tuple[str, ...]  # as written in the taxonomy, for case-sensitive terms
    weight: float
    field_weights: Mapping[str, float]  # effective multiplier per field; 0 = does not count
    case_sensitive: bool = False
    negative: bool = False


@dataclass(frozen=True)
class TopicSpec:
    """One topic: its terms, negative cues and decision rule."""

    name: str
    label: str
    threshold: float
    min_places: int
    terms: tuple[Term, ...]
    negatives: tuple[Term, ...]


@dataclass(frozen=True)
class Scoring:
    """Global scoring parameters (see taxonomy.yaml for their meaning)."""

    field_weights: Mapping[str, float]
    lead_multiplier: float = 1.5
    repeat_decay: float = 0.6
    max_body_hits: int = 5
    reference_tokens: int = 450
    length_exponent: float = 0.5


@dataclass(frozen=True)
class EventKindSpec:
    """Triggers and exclusions of one event kind, cue lists compiled to regular expressions."""

    kind: str
    triggers: tuple[str, ...]
    excluded_modifiers: frozenset[str] = frozenset()
    excluded_names: tuple[str, ...] = ()
    report_cues: re.Pattern[str] | None = None
    excluded_context: re.Pattern[str] | None = None
    subject_introducers: tuple[str, ...] = ()
    subject_stops: tuple[str, ...] = ()
    submit_cues: re.Pattern[str] | None = None
    formal_context: re.Pattern[str] | None = None


@dataclass(frozen=True)
class EventsSpec:
    """Event extraction settings shared by all kinds, and the kinds themselves."""

    leading_stopwords: frozenset[str]
    name_connectors: frozenset[str]
    venue_words: frozenset[str]
    source_cues: re.Pattern[str] | None
    kinds: Mapping[str, EventKindSpec]
    # Per kind, a regex finding any trigger word: sentences without one are skipped cheaply.
    trigger_filters: Mapping[str, re.Pattern[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Taxonomy:
    """A validated taxonomy. ``version`` identifies it in stored decisions."""

    path: str
    declared_version: str
    digest: str  # sha256 of the canonical JSON of the parsed file
    scoring: Scoring
    topics: Mapping[str, TopicSpec]
    events: EventsSpec
    # Compiled phrase index: first normalised token -> candidate terms (longest first), with the
    # topic each belongs to. Built once here so classification does no per-call compilation.
    index: Mapping[str, tuple[tuple[str, Term], ...]] = field(repr=False, default_factory=dict)

    @property
    def version(self) -> str:
        """Declared version plus the first 12 hex digits of the content hash, e.g. ``1-3fa2...``."""
        return f"{self.declared_version}-{self.digest[:12]}"


# --------------------------------------------------------------------------------------------
# Validation helpers: each names the file and the dotted key path of the offending value.


def _err(path: str, key: str, problem: str) -> TaxonomyError:
    return TaxonomyError(f"{path}: {key}: {problem}")


def _mapping(path: str, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _err(path, key, f"must be a mapping, got {type(value).__name__}")
    return value


def _number(path: str, key: str, value: Any) -> float:
    # bool is an int subclass; "weight: yes" is a mistake, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _err(path, key, f"must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def _string_list(path: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise _err(path, key, f"must be a list of strings, got {type(value).__name__}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _err(path, f"{key}[{i}]", f"must be a non-empty string, got {item!r}")
        out.append(item)
    return tuple(out)


def _check_keys(path: str, key: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _err(
            path,
            f"{key}.{unknown[0]}" if key else unknown[0],
            f"unknown key (allowed: {', '.join(sorted(allowed))})",
        )


def compile_cues(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """Compile a cue list into one case-insensitive word-bounded alternation.

    An entry starting with ``re:`` is taken as a raw regular expression; others are literal
    phrases whose spaces match any whitespace or hyphen.
    """
    if not phrases:
        return None
    parts = []
    for p in sorted(phrases, key=len, reverse=True):
        if p.startswith("re:"):
            parts.append(f"(?:{p[3:]})")
            continue
        words = [re.escape(w) for w in p.split()]
        body = r"[\s\-]+".join(words)
        # Word boundaries only where the phrase starts/ends with a word character, so that
        # punctuation cues such as "," still work.
        left = r"\b" if re.match(r"\w", p) else ""
        right = r"\b" if re.search(r"\w$", p) else ""
        parts.append(f"{left}{body}{right}")
    return re.compile("|".join(parts), re.IGNORECASE)


def _parse_terms(
    path: str, key: str, value: Any, default_fields: Mapping[str, float], negative: bool
) -> tuple[Term, ...]:
    data = _mapping(path, key, value)
    terms = []
    for phrase, spec in data.items():
        tkey = f"{key}.{phrase}"
        if not isinstance(phrase, str) or not tokenize(phrase):
            raise _err(path, tkey, "a term must be a phrase with at least one word")
        case_sensitive = False
        fields = dict(default_fields)
        if isinstance(spec, Mapping):
            _check_keys(path, tkey, spec, {"weight", "fields", "case_sensitive"})
            if "weight" not in spec:
                raise _err(path, f"{tkey}.weight", "missing")
            weight = _number(path, f"{tkey}.weight", spec["weight"])
            if "case_sensitive" in spec:
                if not isinstance(spec["case_sensitive"], bool):
                    raise _err(path, f"{tkey}.case_sensitive", "must be true or false")
                case_sensitive = spec["case_sensitive"]
            if "fields" in spec:
                fields = _parse_fields(path, f"{tkey}.fields", spec["fields"], default_fields)
        else:
            weight = _number(path, tkey, spec)
        if negative and weight > 0:
            raise _err(path, tkey, f"a negative cue needs a weight <= 0, got {weight}")
        if not negative and weight <= 0:
            raise _err(path, tkey, f"a term needs a weight > 0 (use negatives), got {weight}")
        surface = tuple(tokenize(phrase))
        terms.append(
            Term(
                phrase=phrase,
                tokens=tuple(normalise_token(t) for t in surface),
                surface=surface,
                weight=weight,
                field_weights=fields,
                case_sensitive=case_sensitive,
                negative=negative,
            )
        )
    return tuple(terms)


def _parse_fields(
    path: str, key: str, value: Any, default_fields: Mapping[str, float]
) -> dict[str, float]:
    """``fields`` is a list of field names (default multipliers) or a field -> multiplier map."""
    if isinstance(value, list):
        names = _string_list(path, key, value)
        for i, name in enumerate(names):
            if name not in FIELDS:
                raise _err(path, f"{key}[{i}]", f"unknown field {name!r} (fields: {FIELDS})")
        return {f: (default_fields[f] if f in names else 0.0) for f in FIELDS}
    data = _mapping(path, key, value)
    out = {f: 0.0 for f in FIELDS}
    for name, mult in data.items():
        if name not in FIELDS:
            raise _err(path, f"{key}.{name}", f"unknown field {name!r} (fields: {FIELDS})")
        out[name] = _number(path, f"{key}.{name}", mult)
    return out


def _parse_scoring(path: str, value: Any) -> Scoring:
    data = _mapping(path, "scoring", value)
    allowed = {
        "field_weights",
        "lead_multiplier",
        "repeat_decay",
        "max_body_hits",
        "reference_tokens",
        "length_exponent",
    }
    _check_keys(path, "scoring", data, allowed)
    if "field_weights" not in data:
        raise _err(path, "scoring.field_weights", "missing")
    fw = _mapping(path, "scoring.field_weights", data["field_weights"])
    weights: dict[str, float] = {}
    for name in FIELDS:
        if name not in fw:
            raise _err(path, f"scoring.field_weights.{name}", "missing")
    for name, v in fw.items():
        if name not in FIELDS:
            raise _err(path, f"scoring.field_weights.{name}", f"unknown field (fields: {FIELDS})")
        weights[name] = _number(path, f"scoring.field_weights.{name}", v)
    kwargs: dict[str, Any] = {}
    for k in sorted(allowed - {"field_weights"}):
        if k in data:
            num = _number(path, f"scoring.{k}", data[k])
            if num < 0:
                raise _err(path, f"scoring.{k}", f"must be >= 0, got {num}")
            kwargs[k] = int(num) if k in ("max_body_hits", "reference_tokens") else num
    return Scoring(field_weights=weights, **kwargs)


def _parse_topic(path: str, name: str, value: Any, scoring: Scoring) -> TopicSpec:
    key = f"topics.{name}"
    data = _mapping(path, key, value)
    _check_keys(path, key, data, {"label", "threshold", "min_places", "terms", "negatives"})
    if "threshold" not in data:
        raise _err(path, f"{key}.threshold", "missing")
    if "terms" not in data:
        raise _err(path, f"{key}.terms", "missing")
    threshold = _number(path, f"{key}.threshold", data["threshold"])
    min_places = data.get("min_places", 1)
    if isinstance(min_places, bool) or not isinstance(min_places, int) or min_places < 1:
        raise _err(path, f"{key}.min_places", f"must be an integer >= 1, got {min_places!r}")
    label = data.get("label", name)
    if not isinstance(label, str):
        raise _err(path, f"{key}.label", "must be a string")
    terms = _parse_terms(path, f"{key}.terms", data["terms"], scoring.field_weights, False)
    if not terms:
        raise _err(path, f"{key}.terms", "needs at least one term")
    negatives = _parse_terms(
        path, f"{key}.negatives", data.get("negatives") or {}, scoring.field_weights, True
    )
    return TopicSpec(name, label, threshold, min_places, terms, negatives)


_KIND_KEYS = {
    "triggers",
    "excluded_modifiers",
    "excluded_names",
    "report_cues",
    "excluded_context",
    "subject_introducers",
    "subject_stops",
    "submit_cues",
    "formal_context",
}


def _parse_events(path: str, value: Any) -> EventsSpec:
    data = _mapping(path, "events", value)
    shared = {"leading_stopwords", "name_connectors", "venue_words", "source_cues"}
    _check_keys(path, "events", data, shared | set(EVENT_KINDS))
    kinds: dict[str, EventKindSpec] = {}
    for kind in EVENT_KINDS:
        key = f"events.{kind}"
        if kind not in data:
            raise _err(path, key, "missing")
        kd = _mapping(path, key, data[kind])
        _check_keys(path, key, kd, _KIND_KEYS)
        if "triggers" not in kd:
            raise _err(path, f"{key}.triggers", "missing")

        def lst(k: str, kd: Mapping[str, Any] = kd, key: str = key) -> tuple[str, ...]:
            return _string_list(path, f"{key}.{k}", kd[k]) if k in kd else ()

        triggers = tuple(t.lower() for t in lst("triggers"))
        if not triggers:
            raise _err(path, f"{key}.triggers", "needs at least one trigger")
        kinds[kind] = EventKindSpec(
            kind=kind,
            triggers=triggers,
            excluded_modifiers=frozenset(w.lower() for w in lst("excluded_modifiers")),
            excluded_names=tuple(n.lower().replace("\u2019", "'") for n in lst("excluded_names")),
            report_cues=compile_cues(lst("report_cues")),
            excluded_context=compile_cues(lst("excluded_context")),
            subject_introducers=lst("subject_introducers"),
            subject_stops=lst("subject_stops"),
            submit_cues=compile_cues(lst("submit_cues")),
            formal_context=compile_cues(lst("formal_context")),
        )

    def shared_list(k: str) -> tuple[str, ...]:
        return _string_list(path, f"events.{k}", data[k]) if k in data else ()

    return EventsSpec(
        leading_stopwords=frozenset(w.lower() for w in shared_list("leading_stopwords")),
        name_connectors=frozenset(w.lower() for w in shared_list("name_connectors")),
        venue_words=frozenset(w.lower() for w in shared_list("venue_words")),
        source_cues=compile_cues(shared_list("source_cues")),
        kinds=kinds,
        trigger_filters={
            # Applied to lower-cased text: a case-sensitive literal alternation is much faster.
            kind: re.compile("|".join(re.escape(t) for t in spec.triggers))
            for kind, spec in kinds.items()
        },
    )


def _build_index(topics: Mapping[str, TopicSpec]) -> dict[str, tuple[tuple[str, Term], ...]]:
    index: dict[str, list[tuple[str, Term]]] = {}
    for topic in topics.values():
        for term in (*topic.terms, *topic.negatives):
            index.setdefault(term.tokens[0], []).append((topic.name, term))
    # Longest phrase first, so the first hit at a position is the most specific one.
    return {
        k: tuple(sorted(v, key=lambda tt: len(tt[1].tokens), reverse=True))
        for k, v in index.items()
    }


def parse_taxonomy(data: Any, path: str = "<taxonomy>") -> Taxonomy:
    """Validate parsed YAML ``data`` and build a :class:`Taxonomy`; ``path`` is for messages."""
    root = _mapping(path, "(root)", data)
    _check_keys(path, "", root, {"version", "scoring", "topics", "events"})
    for k in ("scoring", "topics", "events"):
        if k not in root:
            raise _err(path, k, "missing")
    declared = root.get("version", 0)
    if isinstance(declared, bool) or not isinstance(declared, int | str):
        raise _err(path, "version", "must be an integer or a string")
    scoring = _parse_scoring(path, root["scoring"])
    topics_data = _mapping(path, "topics", root["topics"])
    if not topics_data:
        raise _err(path, "topics", "needs at least one topic")
    topics = {str(n): _parse_topic(path, str(n), v, scoring) for n, v in topics_data.items()}
    events = _parse_events(path, root["events"])
    digest = hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()
    return Taxonomy(
        path=path,
        declared_version=str(declared),
        digest=digest,
        scoring=scoring,
        topics=topics,
        events=events,
        index=_build_index(topics),
    )


def _read(path: str | Path | None) -> tuple[str, str]:
    if path is None:
        ref = resources.files("pipelines").joinpath("taxonomy.yaml")
        try:
            return str(ref), ref.read_text(encoding="utf-8")
        except OSError as exc:
            raise TaxonomyError(f"{ref}: cannot read the packaged taxonomy: {exc}") from exc
    p = Path(path)
    try:
        return str(p), p.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyError(f"{p}: cannot read: {exc.strerror or exc}") from exc


@lru_cache(maxsize=8)
def _load_cached(name: str, text: str) -> Taxonomy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TaxonomyError(f"{name}: (root): not valid YAML: {exc}") from exc
    return parse_taxonomy(data, name)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Load and validate a taxonomy file; the packaged ``taxonomy.yaml`` when ``path`` is None.

    The result is cached by path and content, so repeated calls are cheap and the compiled
    matchers are shared. Raises :class:`TaxonomyError` naming the file, key path and problem.
    """
    if path is None:
        return _load_default()
    name, text = _read(path)
    return _load_cached(name, text)


@lru_cache(maxsize=1)
def _load_default() -> Taxonomy:
    # The packaged file does not change while the process runs: read it once, so that callers
    # passing ``taxonomy=None`` on every article pay no I/O.
    name, text = _read(None)
    return _load_cached(name, text)
