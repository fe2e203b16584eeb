"""Throughput of topic classification plus event extraction on one core, with no network.

Repeats the project's labeled articles (tests/data/labeled) to a few thousand documents,
classifies them and extracts their events (candidates, features, the acceptance model, slots),
and prints articles per second and ms per article. Run: ``python benchmarks/classify.py
[--articles N] [--data PATH]``. Exits non-zero below 1,000 articles/second.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

from pipelines.classify import classify  # noqa: E402
from pipelines.evaluation import load_labeled  # noqa: E402
from pipelines.events import extract_events, load_model  # noqa: E402
from pipelines.taxonomy import load_taxonomy  # noqa: E402

MIN_RATE = 1000.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="documents to process")
    parser.add_argument(
        "--data",
        type=Path,
        default=ROOT / "tests" / "data" / "labeled",
        help="labeled files or folder to repeat (e.g. ../shared/eval-dev: longer real stories)",
    )
    args = parser.parse_args(argv)

    labeled = load_labeled([args.data])
    docs = [a.doc for a in labeled]
    work = [docs[i % len(docs)] for i in range(args.articles)]
    taxonomy = load_taxonomy()
    model = load_model()
    # Warm-up: compiled patterns, the lemma tables and caches are built once, not per article.
    for doc in docs:
        classify(doc, taxonomy)
        extract_events(doc, taxonomy, model)

    topics = events = 0
    start = time.perf_counter()
    for doc in work:
        topics += len(classify(doc, taxonomy))
        events += len(extract_events(doc, taxonomy, model))
    elapsed = time.perf_counter() - start

    rate = len(work) / elapsed
    words = sum(len(d.body_text.split()) for d in docs) / len(docs)
    print(f"articles:          {len(work)} ({len(docs)} distinct, {words:.0f} words on average)")
    print(f"topics selected:   {topics}, events extracted: {events}")
    print(f"elapsed:           {elapsed:.3f} s")
    print(f"throughput:        {rate:,.0f} articles/second ({1000 / rate:.3f} ms/article)")
    if rate < MIN_RATE:
        print(f"FAIL: below {MIN_RATE:.0f} articles/second", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
