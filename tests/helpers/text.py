"""Comparing a stored body with the text it should hold: words, overlap, boilerplate lines."""

from __future__ import annotations

import re

# Lines of the site's chrome that are never article text, in either theme of the copy.
BOILERPLATE = (
    "By continuing to browse",
    "For any inquiries",
    "iChongqing Title",
    "About Us",
    "Leaving a message",
    "ICP",
    "A Tour in Chongqing",
    "A Land of Natural Beauty",
    "Internet illegal",
    "I Agree",
    "Our Privacy Statement",
)
# The redesign's own: consent bar, newsletter box, "Read more" list, share bar, tag line.
REDESIGN_BOILERPLATE = (
    "uses cookies",
    "Chongqing Daily Brief",
    "inbox every morning",
    "Email Address",
    "Subscribe",
    "Read more",
    "Share this story",
    "Posted in",
    "Tagged",
    "international portal",
)
# Photo captions are not article text (the site profile says so).
CAPTION = re.compile(r"\(Photo ?/ ?[^)]*\)\s*$")


def words(text: str) -> list[str]:
    return re.findall(r"[\w']+", text.lower())


def overlap(found: str, truth: str) -> tuple[float, float]:
    """Word precision and recall of ``found`` against ``truth`` (multisets of words)."""
    got, want = words(found), words(truth)
    common = sum(min(got.count(w), want.count(w)) for w in set(got))
    return common / max(len(got), 1), common / max(len(want), 1)
