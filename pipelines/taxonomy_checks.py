"""Validation helpers for the taxonomy file: every error names the file and the dotted key path.

Shared by the topic part (:mod:`pipelines.taxonomy`) and the event part
(:mod:`pipelines.taxonomy_events`) so both report problems the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pipelines.core.problems import InputError

__all__ = [
    "TaxonomyError",
    "check_keys",
    "compile_cues",
    "err",
    "mapping",
    "number",
    "string_list",
]


class TaxonomyError(InputError, ValueError):
    """The taxonomy file is missing, unreadable or invalid; the message names file and key."""


def err(path: str, key: str, problem: str) -> TaxonomyError:
    return TaxonomyError(f"{path}: {key}: {problem}")


def mapping(path: str, key: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise err(path, key, f"must be a mapping, got {type(value).__name__}")
    return value


def number(path: str, key: str, value: Any) -> float:
    # bool is an int subclass; "weight: yes" is a mistake, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise err(path, key, f"must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def string_list(path: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise err(path, key, f"must be a list of strings, got {type(value).__name__}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise err(path, f"{key}[{i}]", f"must be a non-empty string, got {item!r}")
        out.append(item)
    return tuple(out)


def check_keys(path: str, key: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise err(
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
