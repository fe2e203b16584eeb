"""Scoring the classifier and the event extractor against labeled articles.

:func:`evaluate` scores one model (the shipped one by default) on a set of labeled articles;
:func:`kfold` fits the event acceptance model on k-1 folds and scores the held-out fold, for
each fold, so that no figure comes from articles the model was fitted on. Definitions of every
figure are in :mod:`pipelines.evaluation.metrics`.
"""

from pipelines.evaluation.kfold import KFoldReport, assign_folds, kfold, train_model
from pipelines.evaluation.labeled import (
    LabeledArticle,
    SlotLabel,
    article_from_record,
    load_labeled,
)
from pipelines.evaluation.metrics import PRF, Difference, EvalReport, Miss, evaluate, place_matches
from pipelines.evaluation.report import format_kfold, format_report

__all__ = [
    "PRF",
    "Difference",
    "EvalReport",
    "KFoldReport",
    "LabeledArticle",
    "Miss",
    "SlotLabel",
    "article_from_record",
    "assign_folds",
    "evaluate",
    "format_kfold",
    "format_report",
    "kfold",
    "load_labeled",
    "place_matches",
    "train_model",
]
