"""Throughput of topic classification plus event extraction on one core, with no network.

Repeats the project's labeled articles (tests/data/labeled) to a few thousand documents,
classifies them and extracts their events, and prints articles per second and ms per article.
Run: ``python benchmarks/classify.py [--articles N]``. Exits non-zero below 500 articles/second.
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
from pipelines.events import extract_events  # noqa: E402
from pipelines.taxonomy import load_taxonomy  # noqa: E402

MIN_RATE = 500.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="documents to process")
    args = parser.parse_args(argv)

    labeled = load_labeled([ROOT / "tests" / "data" / "labeled"])
    docs = [a.doc for a in labeled]
    work = [docs[i % len(docs)] for i in range(args.articles)]
    taxonomy = load_taxonomy()
    # Warm-up: compiled patterns and caches are built once per taxonomy, not per article.
    for doc in docs:
        classify(doc, taxonomy)
        extract_events(doc, taxonomy)

    topics = events = 0
    start = time.perf_counter()
    for doc in work:
        topics += len(classify(doc, taxonomy))
        events += len(extract_events(doc, taxonomy))
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
