"""The topic and event taxonomy: loading, validation and the compiled form used by the classifier.

The taxonomy lives in ``taxonomy.yaml`` beside this module so that an operator can add terms,
negative cues and event kinds, triggers and cues without touching code (the event part is
parsed by :mod:`pipelines.taxonomy_events`). ``load_taxonomy`` reads and validates a
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

from pipelines.taxonomy_checks import (
    TaxonomyError,
    check_keys,
    compile_cues,
    err,
    mapping,
    number,
    string_list,
)
from pipelines.taxonomy_events import EventKindSpec, EventShape, EventsSpec, parse_events

__all__ = [
    "FIELDS",
    "EventKindSpec",
    "EventShape",
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

_TOKEN_RE = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")


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


def _parse_terms(
    path: str, key: str, value: Any, default_fields: Mapping[str, float], negative: bool
) -> tuple[Term, ...]:
    data = mapping(path, key, value)
    terms = []
    for phrase, spec in data.items():
        tkey = f"{key}.{phrase}"
        if not isinstance(phrase, str) or not tokenize(phrase):
            raise err(path, tkey, "a term must be a phrase with at least one word")
        case_sensitive = False
        fields = dict(default_fields)
        if isinstance(spec, Mapping):
            check_keys(path, tkey, spec, {"weight", "fields", "case_sensitive"})
            if "weight" not in spec:
                raise err(path, f"{tkey}.weight", "missing")
            weight = number(path, f"{tkey}.weight", spec["weight"])
            if "case_sensitive" in spec:
                if not isinstance(spec["case_sensitive"], bool):
                    raise err(path, f"{tkey}.case_sensitive", "must be true or false")
                case_sensitive = spec["case_sensitive"]
            if "fields" in spec:
                fields = _parse_fields(path, f"{tkey}.fields", spec["fields"], default_fields)
        else:
            weight = number(path, tkey, spec)
        if negative and weight > 0:
            raise err(path, tkey, f"a negative cue needs a weight <= 0, got {weight}")
        if not negative and weight <= 0:
            raise err(path, tkey, f"a term needs a weight > 0 (use negatives), got {weight}")
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
        names = string_list(path, key, value)
        for i, name in enumerate(names):
            if name not in FIELDS:
                raise err(path, f"{key}[{i}]", f"unknown field {name!r} (fields: {FIELDS})")
        return {f: (default_fields[f] if f in names else 0.0) for f in FIELDS}
    data = mapping(path, key, value)
    out = {f: 0.0 for f in FIELDS}
    for name, mult in data.items():
        if name not in FIELDS:
            raise err(path, f"{key}.{name}", f"unknown field {name!r} (fields: {FIELDS})")
        out[name] = number(path, f"{key}.{name}", mult)
    return out


def _parse_scoring(path: str, value: Any) -> Scoring:
    data = mapping(path, "scoring", value)
    allowed = {
        "field_weights",
        "lead_multiplier",
        "repeat_decay",
        "max_body_hits",
        "reference_tokens",
        "length_exponent",
    }
    check_keys(path, "scoring", data, allowed)
    if "field_weights" not in data:
        raise err(path, "scoring.field_weights", "missing")
    fw = mapping(path, "scoring.field_weights", data["field_weights"])
    weights: dict[str, float] = {}
    for name in FIELDS:
        if name not in fw:
            raise err(path, f"scoring.field_weights.{name}", "missing")
    for name, v in fw.items():
        if name not in FIELDS:
            raise err(path, f"scoring.field_weights.{name}", f"unknown field (fields: {FIELDS})")
        weights[name] = number(path, f"scoring.field_weights.{name}", v)
    kwargs: dict[str, Any] = {}
    for k in sorted(allowed - {"field_weights"}):
        if k in data:
            num = number(path, f"scoring.{k}", data[k])
            if num < 0:
                raise err(path, f"scoring.{k}", f"must be >= 0, got {num}")
            kwargs[k] = int(num) if k in ("max_body_hits", "reference_tokens") else num
    return Scoring(field_weights=weights, **kwargs)


def _parse_topic(path: str, name: str, value: Any, scoring: Scoring) -> TopicSpec:
    key = f"topics.{name}"
    data = mapping(path, key, value)
    check_keys(path, key, data, {"label", "threshold", "min_places", "terms", "negatives"})
    if "threshold" not in data:
        raise err(path, f"{key}.threshold", "missing")
    if "terms" not in data:
        raise err(path, f"{key}.terms", "missing")
    threshold = number(path, f"{key}.threshold", data["threshold"])
    min_places = data.get("min_places", 1)
    if isinstance(min_places, bool) or not isinstance(min_places, int) or min_places < 1:
        raise err(path, f"{key}.min_places", f"must be an integer >= 1, got {min_places!r}")
    label = data.get("label", name)
    if not isinstance(label, str):
        raise err(path, f"{key}.label", "must be a string")
    terms = _parse_terms(path, f"{key}.terms", data["terms"], scoring.field_weights, False)
    if not terms:
        raise err(path, f"{key}.terms", "needs at least one term")
    negatives = _parse_terms(
        path, f"{key}.negatives", data.get("negatives") or {}, scoring.field_weights, True
    )
    return TopicSpec(name, label, threshold, min_places, terms, negatives)


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
    root = mapping(path, "(root)", data)
    check_keys(path, "", root, {"version", "scoring", "topics", "events"})
    for k in ("scoring", "topics", "events"):
        if k not in root:
            raise err(path, k, "missing")
    declared = root.get("version", 0)
    if isinstance(declared, bool) or not isinstance(declared, int | str):
        raise err(path, "version", "must be an integer or a string")
    scoring = _parse_scoring(path, root["scoring"])
    topics_data = mapping(path, "topics", root["topics"])
    if not topics_data:
        raise err(path, "topics", "needs at least one topic")
    topics = {str(n): _parse_topic(path, str(n), v, scoring) for n, v in topics_data.items()}
    events = parse_events(path, root["events"])
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
