"""The classifier on the bundled site copy's own labels: a third labeled set, written apart from
the taxonomy, held to the same bars as eval-dev."""

from __future__ import annotations

import json
from pathlib import Path

from crawlers.sitecopy import load_bundled_articles, to_eval_record
from pipelines.evaluation import evaluate, format_report, load_labeled
from tests.test_evaluation import EVENT_KIND_F1, NAME_MATCH_RATE, TOPIC_MICRO_F1


def test_bundled_copy_meets_the_bars(tmp_path: Path) -> None:
    path = tmp_path / "bundled.json"
    path.write_text(json.dumps([to_eval_record(a) for a in load_bundled_articles()]))
    report = evaluate(load_labeled([path]))
    text = format_report(report)
    assert report.articles == len(load_bundled_articles())
    assert report.topic_micro.f1 >= TOPIC_MICRO_F1, text
    assert report.kind_micro.f1 >= EVENT_KIND_F1, text
    assert report.name_match_rate >= NAME_MATCH_RATE, text
