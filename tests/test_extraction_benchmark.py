"""The extraction benchmark's metric, and its targets on the real pages of ../shared.

The metric (``benchmarks/extraction.py``) follows the benchmark's README; the real pages are read
from ``../shared/extraction-benchmark`` at run time and the test skips without them.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import PROJECT_ROOT


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    path = PROJECT_ROOT / "benchmarks" / "extraction.py"
    spec = importlib.util.spec_from_file_location("extraction_benchmark", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up by name.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_metric_compares_shingles_per_page_and_averages_over_pages(bench: ModuleType) -> None:
    truth = "one two three four five six"
    assert bench.page_counts(truth, truth) == (1.0, 0.0, 0.0)
    # Half the predicted shingles are right, all true ones found: precision 1/2, recall 1.
    tp, fp, fn = bench.page_counts(truth, truth + " seven eight nine")
    assert (tp, fp, fn) == (0.5, 0.5, 0.0)
    assert bench.page_counts(truth, "") == (0.0, 0.0, 1.0)
    # An empty prediction counts against recall only; each page weighs the same.
    scores = bench.scores([(1.0, 0.0, 0.0), (0.5, 0.5, 0.0), (0.0, 0.0, 1.0)])
    assert (scores.precision, scores.recall) == (0.75, round(2 / 3, 4))
    assert scores.f1 == round(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3), 4)


def test_real_pages_of_other_sites_meet_the_targets(bench: ModuleType, shared_dir: Path) -> None:
    folder = shared_dir / "extraction-benchmark"
    if not (folder / "ground-truth.json").is_file():
        pytest.skip("../shared/extraction-benchmark is absent: test skipped")
    pages = bench.load_pages(folder)
    assert len(pages) >= 90
    ours = bench.measure(bench.ours, pages)
    plain = bench.measure(bench.plain_trafilatura, pages)
    assert ours.scores.f1 >= 0.97, ours
    assert ours.scores.f1 >= plain.scores.f1, (ours, plain)
    assert ours.empty_with_truth == 0
