"""An article as the extractor reads it: sentences with their paragraph, and name tokens.

The dateline ("Chongqing - ") is dropped from the lead, short lines without final punctuation
are subheadings (no names are taken from them), and sentences are not split after common
abbreviations ("Co., Ltd.", "Jan.").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.classify import ArticleDoc, split_paragraphs

__all__ = ["Sentence", "Token", "article_sentences", "split_sentences", "tokens", "word_set"]

_ABBREV = re.compile(
    r"(?:\b(?:Co|Ltd|Inc|Corp|No|Mr|Mrs|Ms|Dr|Prof|St|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct"
    r"|Nov|Dec|vs|etc|approx|Gov|Dept)|\b[A-Z]|\b(?:[A-Z]\.)+[A-Z])\.$"
)
# The end of a sentence: final punctuation, closing quotes or brackets (kept with the sentence),
# then the space before the next one.
_SENT_END = re.compile(r"[.!?][\"”’)]*(?=\s+[\"“‘'(]?[A-Z0-9])")
_DATELINE = re.compile(r"^\s*[A-Z][A-Za-z' ]{1,40}\s+[-–—]\s+")
# A word (with inner apostrophes and hyphens), a parenthesised aside, or one punctuation mark.
_TOKEN = re.compile(r"\([^()]{1,80}\)|[A-Za-z0-9](?:[A-Za-z0-9'’\-]*[A-Za-z0-9])?|&|[^\s\w]")

#: A token: its text and its character span in the sentence.
Token = tuple[str, int, int]


def word_set(text: str) -> frozenset[str]:
    """The space-separated words of ``text``: word lists kept compact in the source."""
    return frozenset(text.split())


def split_sentences(paragraph: str) -> list[str]:
    """Split a paragraph into sentences, not after common abbreviations ("Co., Ltd.")."""
    parts, start = [], 0
    for m in _SENT_END.finditer(paragraph):
        parts.append(paragraph[start : m.end()])
        start = m.end()
    parts.append(paragraph[start:])
    out: list[str] = []
    for part in parts:
        # Only the tail can end in an abbreviation: searching it alone is much faster.
        if out and _ABBREV.search(out[-1].rstrip('"”’)')[-14:]):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return [s.strip() for s in out if s.strip()]


def tokens(text: str) -> list[Token]:
    """Name tokens of ``text``: words, parenthesised asides and punctuation, with offsets."""
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


@dataclass
class Sentence:
    """One sentence of an article."""

    index: int  # sentence number in the article
    paragraph: int  # 0 = the lead
    text: str
    lower: str = ""
    previous: Sentence | None = field(default=None, repr=False)  # in the same paragraph
    _tokens: list[Token] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.lower = self.text.lower()

    @property
    def tokens(self) -> list[Token]:
        # Tokenised on demand: most sentences name no event and are never tokenised.
        if self._tokens is None:
            self._tokens = tokens(self.text)
        return self._tokens


def article_sentences(doc: ArticleDoc) -> list[Sentence]:
    """The sentences of ``doc``'s body in order, without the dateline and subheadings."""
    paragraphs = split_paragraphs(doc.body_text)
    if paragraphs:
        paragraphs[0] = _DATELINE.sub("", paragraphs[0], count=1)
    out: list[Sentence] = []
    for pi, para in enumerate(paragraphs):
        # A short line without final punctuation is a subheading in title case: no names there.
        if len(para.split()) < 9 and not para.rstrip().endswith((".", "!", "?", '"', "”")):
            continue
        previous = None
        for sent in split_sentences(para):
            previous = Sentence(len(out), pi, sent, previous=previous)
            out.append(previous)
    return out
