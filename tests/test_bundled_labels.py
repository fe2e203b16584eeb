"""The classifier and extractor on the bundled site copy's own labels: a labeled set written apart
from the taxonomy and not used to train the shipped event model, held to the bars of the labeled
sets that existed before issue 11."""

from __future__ import annotations

from pathlib import Path

from crawlers.sitecopy import load_bundled_articles
from pipelines.evaluation import evaluate, format_report
from tests.helpers.events import bundled_labeled
from tests.test_evaluation import assert_existing_bars


def test_bundled_copy_meets_the_bars(tmp_path: Path) -> None:
    report = evaluate(bundled_labeled(tmp_path))
    assert report.articles == len(load_bundled_articles())
    assert_existing_bars(report, format_report(report))
