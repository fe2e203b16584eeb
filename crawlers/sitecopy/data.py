"""Load the bundled article records (``articles.json``) shipped inside the package."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, timedelta
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


def folded_copy(articles: list[Article], *, first: str, days: int) -> list[Article]:
    """The articles with their publication days folded into ``days`` days from ``first``.

    Times of day (and so the near-midnight CST/UTC cases) and edit delays are kept, so a copy
    can be moved to any span (a short one for fast tests, the last month for benchmarks).
    """
    start = date.fromisoformat(first)
    out = []
    for n, article in enumerate(sorted(articles, key=lambda a: a["published"])):
        new = copy.deepcopy(article)
        published = datetime.fromisoformat(article["published"])
        target = datetime.combine(start + timedelta(days=n % days), published.timetz())
        delta = target - published
        new["published"] = target.isoformat()
        if article.get("modified"):
            new["modified"] = (datetime.fromisoformat(article["modified"]) + delta).isoformat()
        out.append(new)
    return out
