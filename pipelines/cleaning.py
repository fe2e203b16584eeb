"""Turn an article's content HTML into its own text: paragraphs separated by a blank line.

What is not the article's own text is dropped: photos and their captions, scripts, ad frames,
"Related Stories" boxes, share bars. The trailing "(X, an intern, also contributed to this
report.)" credit is the article's own last line and stays; it is also noted apart. Entities are
decoded and every kind of whitespace collapsed.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Comment, Tag

# Elements whose content is never article text.
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "ins",
    "figure",
    "figcaption",
    "img",
    "picture",
    "video",
    "audio",
    "svg",
    "form",
    "button",
    "aside",
    "nav",
    "template",
    "object",
    "embed",
)
_DROP_CLASS = re.compile(
    r"related|share|sharedaddy|jp-relatedposts|advert|\bads?\b|sponsor|post-tags|newsletter",
    re.IGNORECASE,
)
_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div")
_CREDIT = re.compile(
    r"^\(?[^()]{2,80},\s*an? intern,?\s+also contributed to this (?:report|story)\.?\)?$",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"\(\s*Photo\s*/\s*[^)]*\)\s*$", re.IGNORECASE)
_RELATED_HEADING = re.compile(
    r"^\s*(related (stories|news|articles|reading)|read more|see also)\b", re.IGNORECASE
)
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def normalise_space(text: str) -> str:
    """Collapse every kind of whitespace (non-breaking and zero-width included) to one space."""
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    return _SPACES.sub(" ", text.replace("\n", " ")).strip()


@dataclass
class CleanBody:
    """The article's own paragraphs, and what was removed from them (for the record)."""

    paragraphs: list[str]
    credit: str | None = None
    captions: list[str] = field(default_factory=list)
    removed: dict[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def _is_dropped(tag: Tag) -> bool:
    if tag.name in _DROP_TAGS:
        return True
    classes = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
    return bool(classes.strip()) and bool(_DROP_CLASS.search(classes))


def clean_body(html: str | Tag) -> CleanBody:
    """Extract the article's paragraphs from its content element (``div.entry-content``)."""
    root = html if isinstance(html, Tag) else BeautifulSoup(html or "", "lxml")
    removed: dict[str, int] = {}
    captions = [normalise_space(c.get_text(" ")) for c in root.find_all("figcaption")]
    for comment in root.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in list(root.find_all(True)):
        if tag.decomposed or tag.parent is None:
            continue
        if _is_dropped(tag):
            removed[tag.name] = removed.get(tag.name, 0) + 1
            tag.decompose()
    # A "Related Stories" heading takes its list with it, whatever the markup.
    for heading in list(root.find_all(["h2", "h3", "h4", "p", "strong"])):
        if heading.decomposed or heading.parent is None:
            continue
        if _RELATED_HEADING.match(heading.get_text(" ")) and len(heading.get_text()) < 40:
            sibling = heading.find_next_sibling()
            if sibling is not None and sibling.name in ("ul", "ol"):
                sibling.decompose()
            heading.decompose()
            removed["related"] = removed.get("related", 0) + 1

    paragraphs: list[str] = []
    for block in root.find_all(_BLOCK_TAGS):
        # Only innermost blocks: a div holding paragraphs is read through its paragraphs.
        if block.find(_BLOCK_TAGS):
            continue
        text = normalise_space(block.get_text(" "))
        text = re.sub(r"\s+([,.;:!?])", r"\1", text)
        if text:
            paragraphs.append(text)
    if not paragraphs:
        text = normalise_space(root.get_text(" "))
        if text:
            paragraphs.append(text)

    credit = paragraphs[-1] if paragraphs and _CREDIT.match(paragraphs[-1]) else None
    paragraphs = [p for p in paragraphs if not _CAPTION.search(p) or len(p) > 400]
    return CleanBody(paragraphs=paragraphs, credit=credit, captions=captions, removed=removed)


def clean_text(text: str) -> str:
    """Normalise an already-extracted body text: trimmed paragraphs, one blank line between."""
    paragraphs = [normalise_space(p) for p in re.split(r"\n\s*\n", text or "")]
    return "\n\n".join(p for p in paragraphs if p)


def content_hash(*parts: str) -> str:
    """A stable fingerprint of an article's stored content, to tell an edit from a re-visit."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()
