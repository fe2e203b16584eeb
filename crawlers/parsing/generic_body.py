"""The generic path for the body: trafilatura finds the article's text where the site path found
none, under the same boilerplate rules.

The page is first pruned with the site path's own cleaning rules (photos and captions, scripts,
ad frames, related-stories, share and newsletter boxes, cookie and consent bars), so they hold on
this path too; an element holding most of the page's paragraph text is never pruned whole (some
sites wrap everything in a ``<form>`` or an ``ad``-named column), only the boxes inside it. The
page's ``<header>`` and ``<footer>`` go too: a site's chrome, or an article's title and tag line.
trafilatura then extracts the main text in its precision mode, without comments, tables kept
(options chosen on one half of ``../shared/extraction-benchmark`` and reported on the other, see
``benchmarks/extraction.py``); when that finds nothing, the ``articleBody`` the publisher
embedded. Not its recall mode: on a page whose text is gone it reads the footer as the story.
Its lines become paragraphs under the site path's paragraph rules: whitespace, captions, the
intern credit. Fewer than ``MIN_WORDS`` words found is no body.
"""

from __future__ import annotations

import re
from typing import Any

from pipelines.cleaning import CleanBody, body_from_paragraphs, clean_content, paragraph_text
from pipelines.core.text import normalise_space

from .generic import GenericPage, fallback

# Whole-page boxes the content rules never meet (they sit outside the article's text).
_PAGE_BOXES = re.compile(r"cookie|consent|gdpr", re.IGNORECASE)
_PAGE_CHROME = frozenset(("header", "footer"))
# An element holding this share of the page's paragraph text is the article, whatever its name.
_MOST_OF_THE_TEXT = 0.5
_BULLET = re.compile(r"^[-*\u2022]\s+")
# Fewer words than this is no article: a stray line of a page whose text is gone, not its body.
MIN_WORDS = 20
TRAFILATURA_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
}


def _paragraph_chars(element: Any) -> int:
    return sum(len(p.text_content()) for p in element.iter("p"))


def _page_box(element: Any) -> bool:
    if element.tag in _PAGE_CHROME:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return bool(_PAGE_BOXES.search(names))


def _boxes(element: Any, total: int, out: list[Any]) -> None:
    """The elements under ``element`` that the cleaning rules drop, less the article itself."""
    _, dropped = clean_content(element)
    for box in dropped:
        if total and _paragraph_chars(box) >= _MOST_OF_THE_TEXT * total:
            _boxes(box, total, out)
        else:
            out.append(box)


def prune(tree: Any) -> dict[str, int]:
    """Drop the boilerplate boxes from ``tree`` in place; how many of each tag were dropped."""
    body = tree.find("body") if tree.tag != "body" else tree
    if body is None:
        return {}
    total = _paragraph_chars(body)
    boxes: list[Any] = []
    _boxes(body, total, boxes)
    boxes.extend(
        e
        for e in body.iter()
        if isinstance(e.tag, str)
        and _page_box(e)
        and not (total and _paragraph_chars(e) >= _MOST_OF_THE_TEXT * total)
    )
    removed: dict[str, int] = {}
    for box in boxes:
        if box.getparent() is None or any(a in boxes for a in box.iterancestors()):
            continue
        removed[str(box.tag)] = removed.get(str(box.tag), 0) + 1
        box.drop_tree()
    return removed


def _paragraphs(text: str | None, title: str | None) -> list[str]:
    lines = [paragraph_text(_BULLET.sub("", line)) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    # trafilatura keeps a headline that sits inside the article's element; it is no body text.
    if lines and title and normalise_space(lines[0]).casefold() == title.casefold():
        lines = lines[1:]
    return lines


def _enough(paragraphs: list[str]) -> bool:
    return sum(len(p.split()) for p in paragraphs) >= MIN_WORDS


def generic_body(page: GenericPage, title: str | None) -> tuple[CleanBody, str | None]:
    """The body read on the generic path, and its provenance (None: nothing found)."""
    import trafilatura
    from trafilatura.utils import load_html

    tree = page.guarded("trafilatura", lambda: load_html(page.html), None)
    if tree is None:
        return CleanBody(paragraphs=[]), None
    captions = [normalise_space(c.text_content()) for c in tree.iter("figcaption")]
    removed = prune(tree)
    text = page.guarded(
        "trafilatura",
        lambda: trafilatura.extract(tree, url=page.url, **TRAFILATURA_OPTIONS),
        None,
    )
    paragraphs = _paragraphs(text, title)
    if _enough(paragraphs):
        body = body_from_paragraphs(paragraphs, captions=captions, removed=removed)
        return body, fallback("trafilatura")
    embedded = page.article_body()
    paragraphs = _paragraphs(embedded, title)
    if _enough(paragraphs):
        return body_from_paragraphs(paragraphs, captions=captions), fallback("extruct")
    return CleanBody(paragraphs=[], captions=captions, removed=removed), None
