"""Measuring on data the model was not fitted on: k-fold over the labeled articles.

The articles are dealt into ``k`` folds in an order fixed by a hash of their file name and id
(so a fold does not hold one file only, and a rerun gives the same folds). For each fold the
acceptance model is fitted on the other folds' articles and scored on this one; the pooled
figures add up the folds' counts. The taxonomy's rules are not fitted, so topic figures are the
same with or without folds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.evaluation.labeled import LabeledArticle
from pipelines.evaluation.metrics import EvalReport, evaluate
from pipelines.events import AcceptanceModel, extract_candidates, names_match
from pipelines.events.acceptance import Example, fit_model
from pipelines.taxonomy import Taxonomy, load_taxonomy

__all__ = ["KFoldReport", "assign_folds", "kfold", "train_model", "training_examples"]


def training_examples(articles: Sequence[LabeledArticle], taxonomy: Taxonomy) -> list[Example]:
    """The candidates generated on ``articles``, labeled: positive when they match a labeled
    event of their kind, left out when they match only an acceptable extra, else negative."""
    out: list[Example] = []
    for art in articles:
        for c in extract_candidates(art.doc, taxonomy):
            if any(k == c.kind and names_match(c.name, n) for k, n in art.events):
                out.append((c.shape, dict(c.features), True))
            elif not any(k == c.kind and names_match(c.name, n) for k, n in art.acceptable_extra):
                out.append((c.shape, dict(c.features), False))
    return out


def train_model(
    articles: Sequence[LabeledArticle], taxonomy: Taxonomy, trained_on: str = ""
) -> AcceptanceModel:
    return fit_model(training_examples(articles, taxonomy), trained_on)


def _order(art: LabeledArticle, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{Path(art.source).name}:{art.id}".encode()).hexdigest()


def assign_folds(articles: Sequence[LabeledArticle], k: int, seed: int = 0) -> list[int]:
    """The fold of each article (0..k-1), in the order of ``articles``."""
    if k < 2:
        raise ValueError(f"k-fold needs k >= 2, got {k}")
    if len(articles) < k:
        raise ValueError(f"{len(articles)} articles cannot make {k} folds")
    ranked = sorted(range(len(articles)), key=lambda i: _order(articles[i], seed))
    folds = [0] * len(articles)
    for pos, i in enumerate(ranked):
        folds[i] = pos % k
    return folds


@dataclass
class KFoldReport:
    """Per-fold reports and their pooled sum."""

    k: int
    folds: list[EvalReport] = field(default_factory=list)
    pooled: EvalReport = field(default_factory=EvalReport)
    sources: dict[str, int] = field(default_factory=dict)  # file -> articles
    # The held-out figures of each file's articles, pooled over the folds.
    by_source: dict[str, EvalReport] = field(default_factory=dict)


def kfold(
    articles: Sequence[LabeledArticle],
    k: int = 5,
    taxonomy: Taxonomy | None = None,
    seed: int = 0,
) -> KFoldReport:
    """Fit on k-1 folds, score on the held-out one, for each fold."""
    tax = taxonomy or load_taxonomy()
    folds = assign_folds(articles, k, seed)
    report = KFoldReport(k)
    report.pooled = evaluate([], tax)
    for art in articles:
        name = _source(art)
        report.sources[name] = report.sources.get(name, 0) + 1
        report.by_source.setdefault(name, evaluate([], tax))
    for f in range(k):
        train = [a for a, g in zip(articles, folds, strict=True) if g != f]
        test = [a for a, g in zip(articles, folds, strict=True) if g == f]
        model = train_model(train, tax, f"fold {f + 1}/{k}: {len(train)} articles")
        fold_report = evaluate([], tax)
        for name in report.sources:
            part = evaluate([a for a in test if _source(a) == name], tax, model)
            report.by_source[name].add(part)
            fold_report.add(part)
        report.folds.append(fold_report)
        report.pooled.add(fold_report)
    return report


def _source(art: LabeledArticle) -> str:
    return Path(art.source).name or art.source
