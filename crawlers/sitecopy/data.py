"""Load the bundled article records (``articles.json``) shipped inside the package."""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from importlib import resources
from typing import Any

Article = dict[str, Any]


@lru_cache(maxsize=1)
def _bundled() -> tuple[Article, ...]:
    text = resources.files(__package__).joinpath("articles.json").read_text(encoding="utf-8")
    return tuple(json.loads(text))


def load_bundled_articles() -> list[Article]:
    """The hand-written article records of the offline copy (fresh copies, safe to mutate)."""
    return copy.deepcopy(list(_bundled()))
