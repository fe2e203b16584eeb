"""Turn an article's content HTML into its own text: paragraphs separated by a blank line.

What is not the article's own text is dropped: photos and their captions, scripts, ad frames,
"Related Stories" boxes, share bars. The trailing "(X, an intern, also contributed to this
report.)" credit is the article's own last line and stays; it is also noted apart. Entities are
decoded and every kind of whitespace collapsed.

Pages are parsed with libxml2 through lxml. The rules were first written against
``BeautifulSoup(html, "lxml")`` (the same parser) and the helpers here read text exactly the way
BeautifulSoup's ``get_text()`` did, so stored texts and fingerprints do not change: one string per
text node, text inside ``script``/``style``/``template``/``rt``/``rp`` only read from that element
itself, comments skipped, and a text node of nothing but ASCII whitespace read as one space (or one
newline if it held one) outside ``pre``/``textarea``. Nothing is removed from the tree: elements
to leave out are passed as ``skip``, which keeps the text nodes on both sides of them apart, as
BeautifulSoup's ``decompose()`` did.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, Tag
from bs4.dammit import EncodingDetector
from bs4.exceptions import ParserRejectedMarkup
from lxml import etree

from pipelines.core.text import normalise_space

# Elements whose content is never article text.
_DROP_TAGS = frozenset(
    (
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
)
_DROP_CLASS = re.compile(
    r"related|share|sharedaddy|jp-relatedposts|advert|\bads?\b|sponsor|post-tags|newsletter",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "div"))
_HEADING_TAGS = frozenset(("h2", "h3", "h4", "p", "strong"))
_CREDIT = re.compile(
    r"^\(?[^()]{2,80},\s*an? intern,?\s+also contributed to this (?:report|story)\.?\)?$",
    re.IGNORECASE,
)
_CAPTION = re.compile(r"\(\s*Photo\s*/\s*[^)]*\)\s*$", re.IGNORECASE)
_RELATED_HEADING = re.compile(
    r"^\s*(related (stories|news|articles|reading)|read more|see also)\b", re.IGNORECASE
)
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.;:!?])")

# BeautifulSoup's string classes for text inside these elements (Script, Stylesheet, ...): such
# text is only part of the get_text() of the element that holds it, never of its ancestors.
_STRING_CONTAINERS = frozenset(("rt", "rp", "style", "script", "template"))
# Inside these BeautifulSoup keeps whitespace-only text as it is.
_PRESERVE_WHITESPACE = frozenset(("pre", "textarea"))
_ASCII_SPACES = " \n\t\x0c\r"
_NOTHING: frozenset[etree._Element] = frozenset()


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


# --------------------------------------------------------------------------- parsing and text


def parse_html(markup: str | bytes) -> etree._Element | None:
    """The root element of an HTML document, or ``None`` when there is no element at all.

    Parser, options and choice of encoding are those of ``BeautifulSoup(markup, "lxml")``, so the
    tree is the one the extraction rules were written against: a ``str`` as it is (less a
    byte-order mark), bytes in the first encoding of bs4's detector (byte-order mark, declared
    charset, detection, UTF-8, windows-1252) that libxml2 accepts.
    """
    attempts: Iterable[tuple[str | bytes, str | None]]
    if isinstance(markup, str):
        text = markup[1:] if markup.startswith("\ufeff") else markup
        attempts = ((text, None), (markup.encode("utf8"), "utf8"))
    else:
        detector = EncodingDetector(markup, is_html=True)
        attempts = ((detector.markup, encoding) for encoding in detector.encodings)
    errors: list[str] = []
    for data, encoding in attempts:
        try:
            # A feed parser, as bs4 used: libxml2's push parser, whose recovery may differ from
            # a whole-document parse on broken markup. An unknown encoding fails right here.
            parser = etree.HTMLParser(recover=True, encoding=encoding)
            parser.feed(data)
            return parser.close()
        except etree.XMLSyntaxError:
            # Nothing readable at all (bytes invalid in the encoding): bs4's parser target saw
            # no element and kept an empty document, without trying another encoding.
            return None
        except (UnicodeDecodeError, LookupError, etree.ParserError) as exc:
            errors.append(str(exc))
    raise ParserRejectedMarkup("The markup was rejected by the parser: " + "; ".join(errors))


def top_elements(root: etree._Element) -> list[etree._Element]:
    """``root`` and the elements after it: markup after ``</html>`` can start another tree."""
    return [root, *(node for node in root.itersiblings() if _is_element(node))]


def _is_element(node: etree._Element) -> bool:
    # Comments and processing instructions are nodes too; their tag is a factory function.
    return isinstance(node.tag, str)


def _collapsed(text: str) -> str:
    if text.strip(_ASCII_SPACES):
        return text
    return "\n" if "\n" in text else " "


def _context(element: etree._Element) -> tuple[str | None, bool]:
    """The string container around ``element``'s own text, and whether whitespace is kept."""
    container: str | None = None
    preserve = False
    node: etree._Element | None = element
    while node is not None:
        tag = node.tag
        if container is None and tag in _STRING_CONTAINERS:
            container = tag
        if tag in _PRESERVE_WHITESPACE:
            preserve = True
        node = node.getparent()
    return container, preserve


def _collect(
    nodes: Iterable[etree._Element],
    container: str | None,
    preserve: bool,
    wanted: str | None,
    skip: Collection[etree._Element],
    out: list[str],
) -> None:
    """Append the wanted strings under ``nodes`` (the children of a node in ``container``)."""
    mine = container == wanted
    for node in nodes:
        tag = node.tag
        if isinstance(tag, str) and node not in skip:
            inner = tag if tag in _STRING_CONTAINERS else container
            # Below a container no string is plain text again: nothing to read there.
            if wanted is not None or inner is None:
                keep = preserve or tag in _PRESERVE_WHITESPACE
                if inner == wanted and node.text:
                    out.append(node.text if keep else _collapsed(node.text))
                _collect(node, inner, keep, wanted, skip, out)
        if mine and node.tail:
            out.append(node.tail if preserve else _collapsed(node.tail))


def _strings(
    element: etree._Element,
    container: str | None,
    preserve: bool,
    skip: Collection[etree._Element],
) -> list[str]:
    """``element``'s strings, given the context ``_context(element)`` would compute."""
    wanted = element.tag if element.tag in _STRING_CONTAINERS else None
    out: list[str] = []
    if container == wanted and element.text:
        out.append(element.text if preserve else _collapsed(element.text))
    _collect(element, container, preserve, wanted, skip, out)
    return out


def element_strings(
    element: etree._Element, skip: Collection[etree._Element] = _NOTHING
) -> list[str]:
    """The strings BeautifulSoup's ``Tag.get_text()`` joins, in document order.

    Elements in ``skip`` are left out with their content, their tails are not.
    """
    container, preserve = _context(element)
    return _strings(element, container, preserve, skip)


def element_text(
    element: etree._Element,
    separator: str = "",
    *,
    strip: bool = False,
    skip: Collection[etree._Element] = _NOTHING,
) -> str:
    """BeautifulSoup's ``Tag.get_text(separator, strip=strip)`` of ``element``."""
    strings = element_strings(element, skip)
    if strip:
        return separator.join(s for s in (s.strip() for s in strings) if s)
    return separator.join(strings)


def element_string(
    element: etree._Element, skip: Collection[etree._Element] = _NOTHING
) -> str | None:
    """BeautifulSoup's ``Tag.string``: the only child string, or that of the only child element."""
    children = [child for child in element if child not in skip]
    count = (1 if element.text else 0) + len(children) + sum(1 for c in children if c.tail)
    if count != 1:
        return None
    if element.text:
        text = element.text
    elif _is_element(children[0]):
        return element_string(children[0], skip)
    else:
        # A comment: bs4 keeps it as a string too (an empty one reads as a space).
        text = children[0].text or ""
    return text if _context(element)[1] else _collapsed(text)


# --------------------------------------------------------------------------- cleaning


def _is_dropped(element: etree._Element) -> bool:
    if element.tag in _DROP_TAGS:
        return True
    value = element.get("class")
    # bs4 split class on any whitespace and joined the words with one space.
    classes = " ".join(value.split()) if value else ""
    classes += " " + (element.get("id") or "")
    return bool(classes.strip()) and bool(_DROP_CLASS.search(classes))


def _drop_boxes(
    nodes: Iterable[etree._Element], dropped: set[etree._Element], removed: dict[str, int]
) -> None:
    """Mark the outermost non-text elements under ``nodes``, in document order."""
    for node in nodes:
        if not _is_element(node):
            continue
        if _is_dropped(node):
            tag = str(node.tag)
            removed[tag] = removed.get(tag, 0) + 1
            dropped.add(node)
        else:
            _drop_boxes(node, dropped, removed)


def _next_element(element: etree._Element, dropped: set[etree._Element]) -> etree._Element | None:
    for sibling in element.itersiblings():
        if _is_element(sibling) and sibling not in dropped:
            return sibling
    return None


def _drop_related(
    nodes: Iterable[etree._Element],
    container: str | None,
    preserve: bool,
    dropped: set[etree._Element],
    removed: dict[str, int],
) -> None:
    """A "Related Stories" heading takes its list with it, whatever the markup."""
    for node in nodes:
        tag = node.tag
        if not isinstance(tag, str) or node in dropped:
            continue
        inner = tag if tag in _STRING_CONTAINERS else container
        keep = preserve or tag in _PRESERVE_WHITESPACE
        if tag in _HEADING_TAGS:
            strings = _strings(node, inner, keep, dropped)
            if _RELATED_HEADING.match(" ".join(strings)) and len("".join(strings)) < 40:
                sibling = _next_element(node, dropped)
                if sibling is not None and sibling.tag in ("ul", "ol"):
                    dropped.add(sibling)
                dropped.add(node)
                removed["related"] = removed.get("related", 0) + 1
                continue
        _drop_related(node, inner, keep, dropped, removed)


def _innermost_blocks(
    nodes: Iterable[etree._Element],
    container: str | None,
    preserve: bool,
    dropped: set[etree._Element],
    out: list[list[str]],
) -> bool:
    """Append the strings of every block holding no other block; True if any block was seen.

    Innermost blocks never nest, so finishing order is document order.
    """
    found = False
    for node in nodes:
        tag = node.tag
        if not isinstance(tag, str) or node in dropped:
            continue
        inner = tag if tag in _STRING_CONTAINERS else container
        keep = preserve or tag in _PRESERVE_WHITESPACE
        below = _innermost_blocks(node, inner, keep, dropped, out)
        if tag in _BLOCK_TAGS:
            if not below:
                out.append(_strings(node, inner, keep, dropped))
            found = True
        elif below:
            found = True
    return found


def clean_content(root: etree._Element | None) -> tuple[CleanBody, set[etree._Element]]:
    """Clean the content element ``root`` (``None``: there is none).

    Also returns the elements left out (each with all it holds), for a caller that reads the rest
    of the page as the earlier tree-editing implementation left it.
    """
    dropped: set[etree._Element] = set()
    if root is None:
        return CleanBody(paragraphs=[]), dropped
    container, preserve = _context(root)
    return _clean(list(root), container, preserve, root, dropped), dropped


def _clean(
    nodes: list[etree._Element],
    container: str | None,
    preserve: bool,
    scope: etree._Element | None,
    dropped: set[etree._Element],
) -> CleanBody:
    """The body in ``nodes``: the children of ``scope``, or a whole document's top nodes."""
    removed: dict[str, int] = {}
    captions = [
        normalise_space(" ".join(element_strings(caption)))
        for top in nodes
        if _is_element(top)
        for caption in top.iter("figcaption")
    ]
    _drop_boxes(nodes, dropped, removed)
    _drop_related(nodes, container, preserve, dropped, removed)

    blocks: list[list[str]] = []
    _innermost_blocks(nodes, container, preserve, dropped, blocks)
    paragraphs = [text for text in (paragraph_text(" ".join(s)) for s in blocks) if text]
    if not paragraphs:
        if scope is not None:
            strings = _strings(scope, container, preserve, dropped)
        else:
            strings = []
            _collect(nodes, container, preserve, None, dropped, strings)
        text = normalise_space(" ".join(strings))
        if text:
            paragraphs.append(text)
    return body_from_paragraphs(paragraphs, captions=captions, removed=removed)


def paragraph_text(text: str) -> str:
    """One paragraph's text as stored: whitespace collapsed, no space before punctuation."""
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", normalise_space(text))


def body_from_paragraphs(
    paragraphs: list[str],
    *,
    captions: list[str] | None = None,
    removed: dict[str, int] | None = None,
) -> CleanBody:
    """The body from its paragraphs, whoever found them: photo captions are no article text,
    and a closing intern credit is noted apart (it stays in the text)."""
    credit = paragraphs[-1] if paragraphs and _CREDIT.match(paragraphs[-1]) else None
    kept = [p for p in paragraphs if not _CAPTION.search(p) or len(p) > 400]
    return CleanBody(
        paragraphs=kept, credit=credit, captions=list(captions or []), removed=dict(removed or {})
    )


def clean_body(html: str | bytes | Tag | etree._Element) -> CleanBody:
    """Extract the article's paragraphs from its content element (``div.entry-content``).

    ``html`` is the content element (lxml; a BeautifulSoup tag is re-parsed from its markup) or
    markup, read as a whole document.
    """
    if isinstance(html, etree._Element):
        return clean_content(html)[0]
    if isinstance(html, BeautifulSoup):
        html = str(html)
    elif isinstance(html, Tag):
        document = parse_html(str(html))
        # The tag is the outermost element of its own markup: the first of its name.
        element = None if document is None else next(document.iter(html.name), None)
        return clean_content(element)[0] if element is not None else CleanBody(paragraphs=[])
    document = parse_html(html or "")
    if document is None:
        return CleanBody(paragraphs=[])
    return _clean(top_elements(document), None, False, None, set())
