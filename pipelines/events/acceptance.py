"""The acceptance model: is a candidate an event the article reports as news?

One logistic regression per shape (``named``, ``proposal``) over the features of
:mod:`pipelines.events.features`. Kinds of a shape share its model, so a kind added to the
taxonomy is decided like the others. Applying it is a dot product in plain Python (no
scikit-learn import on the hot path); fitting it uses scikit-learn and is done by
``python -m pipelines.events.train`` (the shipped ``model.json``) and by the k-fold evaluation
(one model per fold, never scored on the articles it was fitted on).

Training examples are the candidates the extractor generates on labeled articles: a candidate
matching a labeled event of its kind is positive, one matching only an ``acceptable_extra`` is
left out, any other is negative.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pipelines.events.features import FEATURES, describe
from pipelines.events.records import Candidate
from pipelines.taxonomy import EventShape

__all__ = [
    "AcceptanceModel",
    "Example",
    "ShapeModel",
    "decide",
    "fit_model",
    "load_model",
    "save_model",
]

#: (shape, features, is an event)
Example = tuple[EventShape, Mapping[str, float], bool]

# Inverse L2 strengths tried by the inner cross-validation of each fit (the labeled sets are
# small: the fit picks how far to trust them), and the one used when there is too little data.
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0)
DEFAULT_C = 1.0


@dataclass(frozen=True)
class ShapeModel:
    """Coefficients of one shape's logistic regression."""

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float = 0.5
    examples: int = 0
    positives: int = 0

    def contributions(self, features: Mapping[str, float]) -> list[tuple[str, float]]:
        return [
            (name, w * features.get(name, 0.0))
            for name, w in zip(self.features, self.coef, strict=True)
            if features.get(name, 0.0)
        ]

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(v for _n, v in self.contributions(features))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class AcceptanceModel:
    """A model per shape, and what it was trained on."""

    shapes: Mapping[EventShape, ShapeModel]
    trained_on: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "trained_on": self.trained_on,
            "shapes": {
                shape.value: {
                    "features": list(m.features),
                    "coef": [round(c, 6) for c in m.coef],
                    "intercept": round(m.intercept, 6),
                    "threshold": m.threshold,
                    "examples": m.examples,
                    "positives": m.positives,
                }
                for shape, m in self.shapes.items()
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AcceptanceModel:
        shapes = {}
        for name, m in data["shapes"].items():
            shape = EventShape(name)
            features = tuple(m["features"])
            if features != FEATURES[shape]:
                raise ValueError(f"model for {name}: features {features} are not {FEATURES[shape]}")
            shapes[shape] = ShapeModel(
                features=features,
                coef=tuple(float(c) for c in m["coef"]),
                intercept=float(m["intercept"]),
                threshold=float(m.get("threshold", 0.5)),
                examples=int(m.get("examples", 0)),
                positives=int(m.get("positives", 0)),
            )
        return cls(shapes, str(data.get("trained_on", "")))


MODEL_FILE = "model.json"
# Features that rule a candidate out whatever the model says: an edition of an earlier year is
# background, never the news (the labels' definition of an event).
# A kind that declares ``cue_required`` (alliances) is an event only where its report cue
# fires: in the labeled sets every alliance has one, and "Singer Zhang of the Chongqing Music
# Association" does not.
VETOES = ("past", "uncued")


def save_model(model: AcceptanceModel, path: Path) -> None:
    path.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> AcceptanceModel:
    """The shipped model (``pipelines/events/model.json``) or the one at ``path``."""
    if path is None:
        text = resources.files("pipelines.events").joinpath(MODEL_FILE).read_text("utf-8")
        where = "pipelines/events/model.json"
    else:
        text = Path(path).read_text(encoding="utf-8")
        where = path
    try:
        return AcceptanceModel.from_json(json.loads(text))
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{where}: not an acceptance model: {exc}") from exc


# A proposal with none of these in sight is the everyday sense (residents, parents, a research
# team): the labels' definition asks for deputies, members or an official body. The labeled sets
# hold too few such negatives for the fit to learn it reliably (k-fold: folds without them
# accepted every one), so it is a rule.
FORMAL = ("formal_sentence", "formal_article", "formal_before", "by_party")


def _veto(c: Candidate) -> str | None:
    veto = next((f for f in VETOES if c.features.get(f)), None)
    if (
        veto is None
        and c.shape is EventShape.PROPOSAL
        and not any(c.features.get(f) for f in FORMAL)
    ):
        return "informal"
    return veto


def decide(c: Candidate, model: AcceptanceModel) -> str:
    """Set ``c.probability`` and ``c.accepted``; return the evidence of the decision."""
    m = model.shapes[c.shape]
    c.probability = m.probability(c.features)
    veto = _veto(c)
    c.accepted = c.probability >= m.threshold and veto is None
    if veto == "informal":
        return f"p={c.probability:.2f}, vetoed: no deputy, member or official body in sight"
    if veto is not None:
        return f"p={c.probability:.2f}, vetoed: {describe(veto)}"
    parts = []
    for name, v in sorted(m.contributions(c.features), key=lambda nv: -abs(nv[1]))[:5]:
        cue = c.cues.get(name)
        label = f'{describe(name)} "{cue}"' if cue else describe(name)
        parts.append(f"{label} {v:+.1f}")
    return f"p={c.probability:.2f} ({'; '.join(parts) or 'no feature fired'}; {c.first.form} name)"


def _choose_c(x: list[list[float]], y: list[int]) -> float:
    """The C of :data:`C_GRID` with the best log-loss in a 3-fold cross-validation of the
    training examples alone (nested inside any outer k-fold)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    if min(sum(y), len(y) - sum(y)) < 3:
        return DEFAULT_C
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = {
        c: cross_val_score(
            LogisticRegression(C=c, solver="lbfgs", max_iter=2000),
            x,
            y,
            cv=cv,
            scoring="neg_log_loss",
        ).mean()
        for c in C_GRID
    }
    return max(C_GRID, key=lambda c: (scores[c], -c))


def fit_model(examples: Iterable[Example], trained_on: str = "") -> AcceptanceModel:
    """Fit one logistic regression per shape on ``examples`` (scikit-learn, deterministic)."""
    from sklearn.linear_model import LogisticRegression

    by_shape: dict[EventShape, list[tuple[Mapping[str, float], bool]]] = {}
    for shape, feats, label in examples:
        by_shape.setdefault(shape, []).append((feats, label))
    shapes: dict[EventShape, ShapeModel] = {}
    for shape in EventShape:
        rows = by_shape.get(shape, [])
        names = FEATURES[shape]
        labels = [int(y) for _f, y in rows]
        if len(set(labels)) < 2:
            # Nothing to learn from: accept every candidate of this shape (or none, when all
            # examples were negatives); the k-fold figures show what that costs.
            bias = 2.0 if not labels or labels[0] else -2.0
            shapes[shape] = ShapeModel(
                names, (0.0,) * len(names), bias, 0.5, len(rows), sum(labels)
            )
            continue
        x = [[f.get(n, 0.0) for n in names] for f, _y in rows]
        lr = LogisticRegression(C=_choose_c(x, labels), solver="lbfgs", max_iter=2000)
        lr.fit(x, labels)
        shapes[shape] = ShapeModel(
            names,
            tuple(float(c) for c in lr.coef_[0]),
            float(lr.intercept_[0]),
            0.5,
            len(rows),
            sum(labels),
        )
    return AcceptanceModel(shapes, trained_on)
