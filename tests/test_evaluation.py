"""Evaluation: loading labeled files, the metrics, k-fold, and the targets the figures must hold.

The targets are checked on figures from articles the acceptance model was not fitted on: k-fold
over every labeled set (the shared eval-dev stories included when ../shared is present), and the
shipped model on the sets it was not trained on (the bundled copy, eval-dev).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from dagster_project.cli import main as cli_main
from pipelines.evaluation import (
    PRF,
    EvalReport,
    assign_folds,
    evaluate,
    format_kfold,
    format_report,
    kfold,
    load_labeled,
)
from pipelines.evaluation.holdout import held_out_ids, split_held_out
from pipelines.taxonomy import load_taxonomy
from tests.helpers.events import OWN_SETS, bundled_labeled

# Targets on held-out figures (issue 11).
TOPIC_MICRO_F1 = 0.97
EVENT_KIND_F1 = 0.92
NAME_MATCH_RATE = 0.90
SLOT_PRECISION = 0.95
# No regression on the labeled sets that existed before: topics / kinds / names.
EXISTING_BARS = (0.97, 0.95, 0.95)
EXISTING_SETS = ("articles.json", "bundled.json", "mixed.json", "near_misses.json", "topics.json")


def assert_targets(report: EvalReport, text: str) -> None:
    assert report.topic_micro.f1 >= TOPIC_MICRO_F1, text
    assert report.kind_micro.f1 >= EVENT_KIND_F1, text
    assert report.name_match_rate >= NAME_MATCH_RATE, text
    assert report.date.precision >= SLOT_PRECISION, text
    assert report.place.precision >= SLOT_PRECISION, text


def assert_existing_bars(report: EvalReport, text: str) -> None:
    topics, kinds, names = EXISTING_BARS
    assert report.topic_micro.f1 >= topics, text
    assert report.kind_micro.f1 >= kinds, text
    assert report.name_match_rate >= names, text


def test_kfold_over_every_labeled_set_meets_the_targets(shared_dir: Path, tmp_path: Path) -> None:
    # The held-out half of articles-3.json stays out of every test (docs/extraction.md).
    shared, _held = split_held_out(load_labeled([shared_dir / "eval-dev"]))
    articles = load_labeled([OWN_SETS]) + shared + bundled_labeled(tmp_path)
    report = kfold(articles, k=5)
    text = format_kfold(report)
    assert report.pooled.articles == len(articles) and len(report.folds) == 5
    assert_targets(report.pooled, text)
    for name in EXISTING_SETS:
        assert_existing_bars(report.by_source[name], f"{name}\n{text}")
    # The stories labeled for issue 11, never used to write the rules before it was measured:
    # events and names held out hold the targets (its topic figure is in the README).
    new = report.by_source["articles-2.json"]
    assert new.kind_micro.f1 >= EVENT_KIND_F1 and new.name_match_rate >= NAME_MATCH_RATE, text


def test_kfold_over_the_projects_own_sets_meets_the_targets(tmp_path: Path) -> None:
    articles = load_labeled([OWN_SETS]) + bundled_labeled(tmp_path)
    report = kfold(articles, k=5)
    text = format_kfold(report)
    assert_targets(report.pooled, text)
    # Slots are labeled on the project's own stories: enough of them to measure.
    assert report.pooled.date.tp + report.pooled.date.fn >= 30, text
    assert report.pooled.place.tp + report.pooled.place.fn >= 25, text


def test_the_shipped_model_on_the_shared_stories_it_was_not_trained_on(shared_dir: Path) -> None:
    report = evaluate(split_held_out(load_labeled([shared_dir / "eval-dev"]))[0])
    text = format_report(report)
    assert report.kind_micro.f1 >= EVENT_KIND_F1, text
    assert report.name_match_rate >= NAME_MATCH_RATE, text
    assert report.event_precision >= 0.95, text


def test_own_sets_are_well_formed() -> None:
    kinds = set(load_taxonomy().events.kinds)
    ids: set[str] = set()
    for art in load_labeled([OWN_SETS]):
        assert art.doc.body_text.startswith("Chongqing - "), art.id
        assert 4 <= len(art.doc.body_text.split("\n\n")) <= 6, art.id
        assert art.topics <= {"talent", "aerospace_information", "nev_icv"}, art.id
        assert {k for k, _ in art.events} <= kinds, art.id
        assert art.note, art.id
        assert art.doc.published_at is not None and art.doc.published_at.utcoffset() is not None
        assert art.id not in ids, art.id
        ids.add(art.id)


def _write(tmp_path: Path, articles: list[dict]) -> Path:
    path = tmp_path / "set.json"
    path.write_text(json.dumps(articles), encoding="utf-8")
    return path


def _article(id: str = "X1", **labels: object) -> dict:
    return {
        "id": id,
        "title": "Chongqing Hydrogen Alliance Launches",
        "published": "2022-08-02T10:50:00+08:00",
        "tags": ["hydrogen"],
        "categories": ["Business"],
        "paragraphs": [
            "Chongqing - Carmakers launched the Chongqing Hydrogen Vehicle Alliance in Yubei "
            "District on Monday.",
            "The alliance will build hydrogen fuel cell trucks and hydrogen refuelling stations.",
        ],
        "captions": ["A satellite dish and a BeiDou antenna drone show (Photo/X)"],
        "labels": {"topics": ["nev_icv"], "events": [], "acceptable_extra": [], **labels},
    }


ALLIANCE = "Chongqing Hydrogen Vehicle Alliance"


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


def test_slot_labels_are_read_and_a_bad_date_is_named(tmp_path: Path) -> None:
    events = [{"kind": "alliance", "name": ALLIANCE, "date": "2022-08-01", "place": None}]
    (art,) = load_labeled([_write(tmp_path, [_article(events=events)])])
    slot = art.slot(0)
    assert slot.date_labeled and slot.start == slot.end == date(2022, 8, 1)
    assert slot.place_labeled and slot.place is None
    assert not art.slot(5).date_labeled
    events[0]["date"] = "August 1"
    with pytest.raises(ValueError, match=r"set.json\[0\]: date 'August 1'"):
        load_labeled([_write(tmp_path, [_article(events=events)])])


def test_slots_are_scored_and_wrong_ones_get_a_cause(tmp_path: Path) -> None:
    right = [{"kind": "alliance", "name": ALLIANCE, "date": "2022-08-01", "place": "Yubei"}]
    report = evaluate(load_labeled([_write(tmp_path, [_article(events=right)])]))
    assert (report.date.tp, report.place.tp) == (1, 1)
    assert report.date.precision == report.place.precision == 1.0
    wrong = [{"kind": "alliance", "name": ALLIANCE, "date": "2022-07-31", "place": None}]
    report = evaluate(load_labeled([_write(tmp_path, [_article(events=wrong)])]))
    assert (report.date.fp, report.date.fn, report.place.fp) == (1, 1, 1)
    assert report.causes["wrong date"] == 1 and report.causes["place where none"] == 1
    assert "wrong date" in format_report(report)


def test_start_date_labels_and_found_shares_as_the_issue_defines_them(tmp_path: Path) -> None:
    # eval-guide.md's keys: start_date / end_date (end null: only the opening day is given).
    labeled = [
        {"kind": "alliance", "name": ALLIANCE, "start_date": "2022-08-01", "end_date": None},
        {
            "kind": "conference",
            "name": "Yubei Hydrogen Forum",
            "start_date": "2022-08-03",
            "place": "Yubei",
        },
    ]
    arts = load_labeled([_write(tmp_path, [_article(events=labeled)])])
    assert arts[0].slot(0).start == date(2022, 8, 1) and arts[0].slot(0).end is None
    report = evaluate(arts)
    # The alliance is found with its start; the forum is not found at all, and still counts
    # among the events whose text gives a date and a place.
    assert (report.date.tp, report.date_given, report.place_given) == (1, 2, 1)
    assert report.date_found == 0.5 and report.place_found == 0.0
    assert report.span.tp == 0 and report.span.fn == 0  # no end labeled for the alliance
    assert "start date 1/2 (50.0%)" in format_report(report)
    with pytest.raises(ValueError, match=r"start_date 'Aug 1'"):
        labeled[0]["start_date"] = "Aug 1"
        load_labeled([_write(tmp_path, [_article(events=labeled)])])


def test_the_held_out_split_is_the_documented_one() -> None:
    ids = ["D01", "D02", "D03", "D04", "D05", "D06", "D09", "D10", "D12", "D13", "D14", "D21"]
    ids += ["D23", "D24", "D27", "D28", "D29", "D31", "D35", "D40", "D41", "D45", "D46", "D47"]
    ids += ["D49"]
    held = ["D01", "D04", "D06", "D09", "D12", "D13", "D21", "D24", "D29", "D31", "D46", "D49"]
    assert sorted(held_out_ids(ids)) == held
    docs = Path(__file__).resolve().parents[1] / "docs" / "extraction.md"
    assert " ".join(held) in docs.read_text(encoding="utf-8")


def test_acceptable_extra_is_not_a_false_positive(tmp_path: Path) -> None:
    extra = [{"kind": "alliance", "name": ALLIANCE}]
    report = evaluate(load_labeled([_write(tmp_path, [_article(acceptable_extra=extra)])]))
    assert report.kinds["alliance"].fp == 0
    assert report.events_extra == 0
    strict = evaluate(load_labeled([_write(tmp_path, [_article()])]))
    assert strict.kinds["alliance"].fp == 1
    assert strict.misses and strict.misses[0].extra_events
    assert strict.causes["accepted a non-event (title-case)"] == 1


def test_missed_events_and_topics_are_listed_by_cause(tmp_path: Path) -> None:
    labels = {
        "topics": ["talent"],
        "events": [{"kind": "conference", "name": "Hydrogen Energy Summit"}],
    }
    report = evaluate(load_labeled([_write(tmp_path, [_article(**labels)])]))
    assert report.name_match_rate == 0.0
    assert report.kinds["conference"].fn == 1
    assert report.topics["talent"].fn == 1 and report.topics["nev_icv"].fp == 1
    assert report.causes["no candidate"] == 1 and report.causes["topic talent missed"] == 1
    text = format_report(report)
    assert "topics: expected talent; got nev_icv" in text
    assert "missed event  conference: Hydrogen Energy Summit  [no candidate]" in text
    assert "Differences by cause" in text and "Event kinds" in text and "micro" in text


def test_topics_and_kinds_come_from_the_taxonomy(tmp_path: Path) -> None:
    report = evaluate(load_labeled([_write(tmp_path, [_article()])]))
    tax = load_taxonomy()
    assert list(report.topics) == list(tax.topics)
    assert list(report.kinds) == list(tax.events.kinds)


def test_folds_partition_the_articles_the_same_way_every_time(tmp_path: Path) -> None:
    arts = load_labeled([_write(tmp_path, [_article(id=f"X{i}") for i in range(11)])])
    folds = assign_folds(arts, 3)
    assert folds == assign_folds(arts, 3)
    assert sorted(folds.count(f) for f in range(3)) == [3, 4, 4]
    with pytest.raises(ValueError, match="cannot make 12 folds"):
        assign_folds(arts, 12)


def test_each_fold_is_scored_by_a_model_fitted_on_the_other_folds() -> None:
    articles = load_labeled([OWN_SETS])
    report = kfold(articles, k=4)
    assert sum(f.articles for f in report.folds) == report.pooled.articles == len(articles)
    pooled = PRF()
    for f in report.folds:
        pooled.add(f.kind_micro)
    assert (pooled.tp, pooled.fp, pooled.fn) == (
        report.pooled.kind_micro.tp,
        report.pooled.kind_micro.fp,
        report.pooled.kind_micro.fn,
    )
    text = format_kfold(report)
    assert "pooled" in text and "fitted on the other folds" in text
    assert text.count("\n  1 ") == 1 and "Held-out figures per labeled file" in text


def test_cli_evaluate_with_folds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["evaluate", "--folds", "3", str(OWN_SETS / "events.json")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3-fold evaluation of 40 labeled articles")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert cli_main(["evaluate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cqmonitor evaluate: ") and "not valid JSON" in err
    assert err.count("\n") == 1


def test_prf_edge_cases() -> None:
    assert PRF().f1 == 1.0
    prf = PRF(tp=2, fp=1, fn=1)
    assert round(prf.precision, 3) == 0.667 and round(prf.f1, 3) == 0.667
    assert PRF(fp=1).f1 == 0.0
