"""Evaluation: loading labeled files, the metrics, and the quality bars on both labeled sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.evaluation import (
    PRF,
    EvalReport,
    evaluate,
    format_report,
    load_labeled,
)

OWN_SET = Path(__file__).resolve().parent / "data" / "labeled"
EVAL_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval-dev"

TOPIC_MICRO_F1 = 0.92
EVENT_KIND_F1 = 0.88
NAME_MATCH_RATE = 0.80


def assert_bars(report: EvalReport) -> None:
    text = format_report(report)
    assert report.topic_micro.f1 >= TOPIC_MICRO_F1, text
    assert report.kind_micro.f1 >= EVENT_KIND_F1, text
    assert report.name_match_rate >= NAME_MATCH_RATE, text


def test_own_labeled_set_meets_the_bars() -> None:
    articles = load_labeled([OWN_SET])
    assert len(articles) >= 45
    assert_bars(evaluate(articles))


def test_eval_dev_meets_the_bars() -> None:
    if not EVAL_DEV.is_dir():
        pytest.skip(f"{EVAL_DEV} not found: the shared eval-dev set is not part of the project")
    articles = load_labeled([EVAL_DEV])
    assert articles
    assert_bars(evaluate(articles))


def test_own_set_is_well_formed() -> None:
    for art in load_labeled([OWN_SET]):
        assert art.doc.body_text.startswith("Chongqing - "), art.id
        assert 4 <= len(art.doc.body_text.split("\n\n")) <= 6, art.id
        assert art.topics <= {"talent", "aerospace_information", "nev_icv"}, art.id
        assert {k for k, _ in art.events} <= {"conference", "alliance", "proposal"}, art.id
        assert art.note, art.id
        assert art.doc.published_at is not None and art.doc.published_at.utcoffset() is not None


def _write(tmp_path: Path, articles: list[dict]) -> Path:
    path = tmp_path / "set.json"
    path.write_text(json.dumps(articles), encoding="utf-8")
    return path


def _article(**labels: object) -> dict:
    return {
        "id": "X1",
        "title": "Chongqing Hydrogen Alliance Launches",
        "published": "2022-08-02T10:50:00+08:00",
        "tags": ["hydrogen"],
        "categories": ["Business"],
        "paragraphs": [
            "Chongqing - Carmakers launched the Chongqing Hydrogen Vehicle Alliance on Monday.",
            "The alliance will build hydrogen fuel cell trucks and hydrogen refuelling stations.",
        ],
        "captions": ["A satellite dish and a BeiDou antenna drone show (Photo/X)"],
        "labels": {"topics": ["nev_icv"], "events": [], "acceptable_extra": [], **labels},
    }


def test_load_labeled_reads_files_and_directories_without_captions(tmp_path: Path) -> None:
    path = _write(tmp_path, [_article()])
    by_file = load_labeled([path])
    by_dir = load_labeled([tmp_path])
    assert [a.id for a in by_file] == [a.id for a in by_dir] == ["X1"]
    art = by_file[0]
    assert "Photo" not in art.doc.body_text and "satellite" not in art.doc.body_text
    assert art.doc.body_text.count("\n\n") == 1
    assert art.doc.published_at is not None and art.doc.published_at.hour == 2  # UTC
    with pytest.raises(FileNotFoundError):
        load_labeled([tmp_path / "missing.json"])


def test_acceptable_extra_is_not_a_false_positive(tmp_path: Path) -> None:
    extra = [{"kind": "alliance", "name": "Chongqing Hydrogen Vehicle Alliance"}]
    report = evaluate(load_labeled([_write(tmp_path, [_article(acceptable_extra=extra)])]))
    assert report.kinds["alliance"].fp == 0
    assert report.events_extra == 0
    strict = evaluate(load_labeled([_write(tmp_path, [_article()])]))
    assert strict.kinds["alliance"].fp == 1
    assert strict.misses and strict.misses[0].extra_events


def test_missed_events_and_topics_are_listed(tmp_path: Path) -> None:
    labels = {
        "topics": ["talent"],
        "events": [{"kind": "conference", "name": "Hydrogen Energy Summit"}],
    }
    report = evaluate(load_labeled([_write(tmp_path, [_article(**labels)])]))
    assert report.name_match_rate == 0.0
    assert report.kinds["conference"].fn == 1
    assert report.topics["talent"].fn == 1 and report.topics["nev_icv"].fp == 1
    text = format_report(report)
    assert "topics: expected talent; got nev_icv" in text
    assert "missed event  conference: Hydrogen Energy Summit" in text
    assert "Event kinds" in text and "micro" in text


def test_prf_edge_cases() -> None:
    assert PRF().f1 == 1.0
    prf = PRF(tp=2, fp=1, fn=1)
    assert round(prf.precision, 3) == 0.667 and round(prf.f1, 3) == 0.667
    assert PRF(fp=1).f1 == 0.0
