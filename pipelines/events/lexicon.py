"""Which words are finite verbs: the English lemma tables of ``spacy-lookups-data``.

Subject boundaries ("proposal on reforming vocational education ... *calls for*") and quoted
names ("the "Autumn forum for young scholars"" is a name; "the forum helps us" is speech) need to
know where a clause's verb is. The tables that package ships (WordNet-derived, by part of speech:
``en_lemma_index`` base forms, ``en_lemma_exc`` irregular forms, ``en_lemma_rules`` suffix
rules, ``en_lemma_lookup`` form -> lemma) answer it without a tagger:

* a form of *be*, *have* or *do*, or a modal, is a finite verb;
* an inflected verb form ("submitted", "held", "suggests") is one unless the same spelling is
  also a noun or an adjective ("advanced", "connected", "calls"): those stay in the name, which
  is the safe side for a name.

Base forms are never cut ("form", "build" are nouns as often as verbs). The tables are read once,
on first use.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["is_base_verb", "is_finite_verb", "is_verb_form", "verb_lemmas"]

# Modal auxiliaries are a closed word class of English, not part of the lemma tables.
_MODALS = frozenset({"will", "would", "can", "could", "shall", "should", "may", "might", "must"})
_AUX_LEMMAS = ("be", "have", "do")


def _table(name: str) -> Any:
    ref = resources.files("spacy_lookups_data").joinpath("data", f"en_{name}.json.gz")
    with ref.open("rb") as fh:
        return json.loads(gzip.decompress(fh.read()))


class _Lexicon:
    def __init__(self) -> None:
        index = _table("lemma_index")
        self.exc: dict[str, dict[str, list[str]]] = _table("lemma_exc")
        self.rules: dict[str, list[list[str]]] = _table("lemma_rules")
        lookup: dict[str, str] = _table("lemma_lookup")
        self.base = {pos: frozenset(words) for pos, words in index.items()}
        self.aux = frozenset(
            {w for w, lemma in lookup.items() if lemma in _AUX_LEMMAS and w.isalpha()}
            | set(_AUX_LEMMAS)
            | _MODALS
        )

    def lemmas(self, word: str, pos: str) -> set[str]:
        """Lemmas of ``word`` as part of speech ``pos`` (empty when it is none)."""
        base = self.base.get(pos, frozenset())
        out = set(self.exc.get(pos, {}).get(word, ()))
        for suffix, repl in self.rules.get(pos, ()):
            if suffix and word.endswith(suffix):
                cand = word[: len(word) - len(suffix)] + repl
                if cand in base:
                    out.add(cand)
        return out

    def is_other_pos(self, word: str) -> bool:
        return (
            word in self.base["noun"]
            or word in self.base["adj"]
            or bool(self.lemmas(word, "noun"))
            or bool(self.lemmas(word, "adj"))
        )


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    return _Lexicon()


@lru_cache(maxsize=32768)
def is_verb_form(word: str) -> bool:
    """Whether lower-case ``word`` is an inflected form of a verb (not its base form)."""
    lex = _lexicon()
    return word not in lex.base["verb"] and bool(lex.lemmas(word, "verb"))


@lru_cache(maxsize=32768)
def is_finite_verb(word: str) -> bool:
    """Whether ``word`` (as written) can only be read as a verb that heads a clause."""
    if not word.islower() or not word.isalpha():
        return False
    lex = _lexicon()
    if word in lex.aux:
        return True
    if word.endswith("ing"):
        return False  # a gerund starts a subject ("proposal on *reforming* ...")
    return is_verb_form(word) and not lex.is_other_pos(word)


@lru_cache(maxsize=32768)
def is_base_verb(word: str) -> bool:
    """Whether lower-case ``word`` is the base form of a verb ("develop", "build")."""
    return word in _lexicon().base["verb"]


@lru_cache(maxsize=32768)
def verb_lemmas(word: str) -> frozenset[str]:
    """The verb lemmas ``word`` can be a form of ("said" -> {"say"}; a base form -> itself)."""
    lex = _lexicon()
    found = lex.lemmas(word, "verb")
    if word in lex.base["verb"]:
        found.add(word)
    return frozenset(found)
