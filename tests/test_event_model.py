"""The acceptance model and kinds from the taxonomy: training, decisions, a kind added in YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from pipelines.evaluation import load_labeled, train_model
from pipelines.events import extract_candidates, load_model
from pipelines.events.acceptance import AcceptanceModel, decide, fit_model
from pipelines.events.features import FEATURES
from pipelines.events.train import DEFAULT_DATA, main
from pipelines.storage.db import make_engine, migrate, session_factory, session_scope
from pipelines.storage.decisions import replace_events
from pipelines.storage.models import Article, Event
from pipelines.taxonomy import EventShape, load_taxonomy
from tests.helpers.events import PUB, events, names

PACKAGED = Path(__file__).resolve().parents[1] / "pipelines" / "taxonomy.yaml"
EXHIBITION = (
    "Chongqing - The 2024 Chongqing Ceramics Exhibition opened on Thursday at the Three Gorges "
    "Museum, with 400 pieces from kilns in Rongchang and Jingdezhen.\n\n"
    "The exhibition runs until June 30."
)


def test_the_shipped_model_is_what_the_projects_labeled_sets_give(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The coefficients in model.json are reproducible from data in the repository.
    assert main(["--check"]) == 0, capsys.readouterr().err
    model = load_model()
    trained = json.loads(json.dumps(model.to_json()))
    assert trained["trained_on"].endswith(".json") and "events.json" in trained["trained_on"]
    assert {s for s in model.shapes} == set(EventShape)


def test_fitting_is_deterministic_and_learns_the_obvious() -> None:
    tax = load_taxonomy()
    articles = load_labeled([DEFAULT_DATA])
    a, b = train_model(articles, tax), train_model(articles, tax)
    assert a.to_json() == b.to_json()
    named = dict(zip(FEATURES[EventShape.NAMED], a.shapes[EventShape.NAMED].coef, strict=True))
    # A name reported with its own verb counts for it; only citing it counts against.
    assert named["cue_near"] > 0 and named["source"] < 0 and named["agent"] < 0


def test_a_shape_without_both_classes_accepts_or_rejects_all() -> None:
    model = fit_model([(EventShape.PROPOSAL, {"submit": 1.0}, True)])
    assert model.shapes[EventShape.PROPOSAL].probability({}) > 0.5
    assert model.shapes[EventShape.NAMED].probability({}) > 0.5  # no example: accept


def test_a_past_edition_is_vetoed_and_the_evidence_says_so() -> None:
    doc_events = events(
        "Chongqing - The startup first showed its drone at the 2022 Smart China Expo and has "
        "since sold 900 of them."
    )
    assert doc_events == []
    from pipelines.classify import ArticleDoc

    doc = ArticleDoc(
        "Drone Startup",
        "Chongqing - The startup first showed its drone at the 2022 Smart China Expo.",
        published_at=PUB,
    )
    (cand,) = extract_candidates(doc)
    assert "vetoed: a past edition" in decide(cand, load_model()) and not cand.accepted


def test_a_bad_model_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps({"shapes": {"named": {"features": ["x"], "coef": [1]}}}))
    with pytest.raises(ValueError, match=r"model.json: not an acceptance model"):
        load_model(str(bad))
    assert isinstance(load_model(), AcceptanceModel)


def exhibition_taxonomy(tmp_path: Path) -> Path:
    """The packaged taxonomy plus a kind declared in YAML only: a name, triggers and cues."""
    data = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    data["events"]["exhibition"] = {
        "triggers": ["exhibition"],
        "report_cues": ["opened", "opens", "held", "runs until", "on show", "displayed"],
    }
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_kind_declared_only_in_the_taxonomy_is_extracted(tmp_path: Path) -> None:
    assert events(EXHIBITION) == []  # the packaged taxonomy has no exhibitions
    tax = load_taxonomy(exhibition_taxonomy(tmp_path))
    assert tax.events.kinds["exhibition"].shape is EventShape.NAMED
    evs = events(EXHIBITION, taxonomy=tax)
    assert names(evs) == [("exhibition", "2024 Chongqing Ceramics Exhibition")]
    assert evs[0].place == "Three Gorges Museum"
    assert evs[0].end_date is not None and evs[0].end_date.isoformat() == "2024-06-30"
    assert evs[0].evidence.startswith("exhibition p=")


def test_a_kind_declared_only_in_the_taxonomy_is_stored(tmp_path: Path, database_url: str) -> None:
    tax = load_taxonomy(exhibition_taxonomy(tmp_path))
    found = events(EXHIBITION, taxonomy=tax)
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with session_scope(session_factory(engine)) as session:
            article = Article(
                url="https://www.ichongqing.info/2024/05/10/ceramics/",
                title="Ceramics Exhibition Opens",
                published_at=PUB,
                body_text=EXHIBITION,
                content_hash="0" * 64,
            )
            session.add(article)
            session.flush()
            assert replace_events(session, article, found, tax.version) == 1
        with session_scope(session_factory(engine)) as session:
            row = session.scalars(select(Event)).one()
            assert (row.kind, row.name, row.place) == (
                "exhibition",
                "2024 Chongqing Ceramics Exhibition",
                "Three Gorges Museum",
            )
            assert row.evidence.startswith("exhibition p=")
    finally:
        engine.dispose()
