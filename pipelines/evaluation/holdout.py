"""The held-out part of the shared ``articles-3.json``: set aside before the slot readers of
issue 17 were built, read once at the end (see ``docs/extraction.md``).

The split is a fixed seeded draw of 12 of its 25 story ids (``random.Random(17).sample``), so
anyone can re-derive it; tests and k-fold runs leave these stories out:
``python -m pipelines.evaluation.holdout tests/data/labeled ../shared/eval-dev`` prints the
k-fold figures without them, and ``... --held-out`` scores them with the shipped model.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from pathlib import Path

from pipelines.evaluation.kfold import kfold
from pipelines.evaluation.labeled import LabeledArticle, load_labeled
from pipelines.evaluation.metrics import evaluate
from pipelines.evaluation.report import format_kfold, format_report

__all__ = ["HELD_OUT_FILE", "held_out_ids", "split_held_out"]

HELD_OUT_FILE = "articles-3.json"
_SEED, _HELD = 17, 12


def held_out_ids(ids: Sequence[str]) -> frozenset[str]:
    """The held-out ids among the ids of ``articles-3.json``."""
    ordered = sorted(ids)
    return (
        frozenset(random.Random(_SEED).sample(ordered, _HELD))
        if len(ordered) > _HELD
        else frozenset()
    )


def split_held_out(
    articles: Sequence[LabeledArticle],
) -> tuple[list[LabeledArticle], list[LabeledArticle]]:
    """(development, held out): the held-out stories of ``articles-3.json`` apart."""
    ids = [a.id for a in articles if Path(a.source).name == HELD_OUT_FILE]
    held = held_out_ids(ids)
    dev = [a for a in articles if Path(a.source).name != HELD_OUT_FILE or a.id not in held]
    out = [a for a in articles if Path(a.source).name == HELD_OUT_FILE and a.id in held]
    return dev, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="k-fold over labeled sets without the held-out part of articles-3.json, "
        "or (--held-out) the shipped model on that part"
    )
    parser.add_argument("paths", nargs="+", type=Path, help="labeled files or folders")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--held-out", action="store_true", help="score only the held-out part")
    args = parser.parse_args(argv)
    dev, held = split_held_out(load_labeled(args.paths))
    if args.held_out:
        print(f"held out: {' '.join(sorted(a.id for a in held))}")
        print(format_report(evaluate(held)))
    else:
        print(format_kfold(kfold(dev, args.folds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
