"""Fit the shipped acceptance model from the project's own labeled sets.

Run ``python -m pipelines.events.train`` from a checkout: it reads every labeled file of
``tests/data/labeled`` (stories written for this project, none copied from elsewhere), fits one
logistic regression per shape and writes ``pipelines/events/model.json``. The fit is
deterministic, so a rerun on the same data and taxonomy writes the same file (a test checks
that the shipped file is what this produces). ``--check`` only compares.

Readers' corrections are data too: ``cqmonitor corrections --export corrections.json`` writes them
in the same format, and ``python -m pipelines.events.train tests/data/labeled corrections.json``
fits on both.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from pipelines.evaluation import load_labeled, train_model
from pipelines.events.acceptance import MODEL_FILE, AcceptanceModel, save_model
from pipelines.taxonomy import load_taxonomy

__all__ = ["DEFAULT_DATA", "DEFAULT_OUT", "main", "train"]

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT / "tests" / "data" / "labeled"
DEFAULT_OUT = Path(__file__).resolve().parent / MODEL_FILE


def train(paths: list[Path], taxonomy: str | None = None) -> AcceptanceModel:
    articles = load_labeled(paths)
    if not articles:
        raise ValueError("no labeled article found in " + " ".join(map(str, paths)))
    names = sorted({Path(a.source).name for a in articles})
    described = f"{len(articles)} articles of {', '.join(names)}"
    return train_model(articles, load_taxonomy(taxonomy), described)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_DATA])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="model file to write")
    parser.add_argument("--taxonomy", help="taxonomy YAML (default: the packaged one)")
    parser.add_argument("--check", action="store_true", help="compare with --out, write nothing")
    args = parser.parse_args(argv)
    try:
        model = train(args.paths, args.taxonomy)
    except (OSError, ValueError) as exc:
        print(f"train: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else None
        if current != json.loads(json.dumps(model.to_json())):
            print(f"train: {args.out} is not what the labeled data gives; rerun", file=sys.stderr)
            return 1
        print(f"{args.out} is up to date ({model.trained_on})")
        return 0
    save_model(model, args.out)
    for shape, m in model.shapes.items():
        weights = ", ".join(f"{n} {c:+.2f}" for n, c in zip(m.features, m.coef, strict=True))
        print(
            f"{shape}: {m.examples} candidates, {m.positives} events; intercept "
            f"{m.intercept:+.2f}; {weights}"
        )
    print(f"wrote {args.out} ({model.trained_on})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
