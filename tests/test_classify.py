"""Topic classification: positives, near-miss traps, position and spread, evidence, speed."""

from __future__ import annotations

import time

import pytest

from pipelines.classify import ArticleDoc, classify, score_topics, split_paragraphs
from pipelines.taxonomy import load_taxonomy


def topics(doc: ArticleDoc) -> set[str]:
    return {d.topic for d in classify(doc)}


def doc(title: str, *paragraphs: str, tags: tuple[str, ...] = ()) -> ArticleDoc:
    return ArticleDoc(title=title, body_text="\n\n".join(paragraphs), tags=tags)


def test_score_topics_returns_one_decision_per_topic() -> None:
    d = doc("Weather", "Chongqing - It rained on Monday.", "More rain is expected.")
    decisions = score_topics(d)
    assert [x.topic for x in decisions] == ["talent", "aerospace_information", "nev_icv"]
    assert not any(x.selected for x in decisions)
    assert classify(d) == []


def test_clear_positive_per_topic() -> None:
    beidou = doc(
        "BeiDou Navigation Firms Expand in Chongqing",
        "Chongqing - Companies using BeiDou satellite navigation opened new plants.",
        "Their positioning chips guide tractors and trucks, and a remote sensing satellite is due.",
    )
    assert topics(beidou) == {"aerospace_information"}
    ev = doc(
        "Chongqing NEV Output Rises",
        "Chongqing - The city built more new energy vehicles in May than ever before.",
        "Electric vehicle makers added battery lines and charging stations.",
    )
    assert topics(ev) == {"nev_icv"}
    talent = doc(
        "Chongqing Rolls Out Talent Policy for Graduates",
        "Chongqing - A new talent policy offers housing to college graduates and researchers.",
        "Employers joined recruitment drives, and vocational training places were added.",
    )
    assert topics(talent) == {"talent"}


@pytest.mark.parametrize(
    ("title", "paragraphs"),
    [
        (
            "Teenagers Shine at Youth Talent Show",
            [
                "Chongqing - Young singers lit up the talent show final with folk songs.",
                "The talent show judges praised every contestant and performer on stage.",
            ],
        ),
        (
            "Academy Striker Scores as Club Backs Young Talent",
            [
                "Chongqing - The football club's young talent impressed fans at the stadium.",
                "The coach said the academy keeps finding talent for the league season.",
            ],
        ),
        (
            "Drones Light Up the River for the Festival",
            [
                "Chongqing - A drone light show with 800 drones lit the night sky.",
                "The drone show was part of festival fireworks and lantern displays.",
            ],
        ),
        (
            "Self-Driving Tourists Fill Mountain Roads",
            [
                "Chongqing - Self-driving tours were popular as tourists took road trips.",
                "Self-driving travel to scenic spots rose; homestays were full.",
            ],
        ),
        (
            "Office Space Demand Recovers Downtown",
            [
                "Chongqing - Demand for office space rose as firms leased new floors.",
                "Landlords offered shared space and flexible office space terms.",
            ],
        ),
        (
            "Satellite Towns Get Metro Links",
            [
                "Chongqing - Four satellite towns will be linked to the metro.",
                "Residents of the satellite towns commute for hours.",
            ],
        ),
    ],
)
def test_near_misses_select_no_topic(title: str, paragraphs: list[str]) -> None:
    assert topics(doc(title, *paragraphs)) == set()


def test_rented_ev_in_travel_story_is_not_nev() -> None:
    d = doc(
        "A Weekend in Wulong's Karst Country",
        "Chongqing - We took the train to Wulong and hiked to the natural bridges.",
        "The homestay owner cooked smoked pork; the scenic views were worth the climb.",
        "On the last day we rented an EV to reach a cave, and returned it at the station.",
    )
    assert "nev_icv" not in topics(d)


def test_a_late_passing_mention_does_not_make_a_topic() -> None:
    d = doc(
        "Chongqing Hot Pot Chains Open 300 New Restaurants",
        "Chongqing - Hot pot chains opened 300 restaurants in the first half of the year.",
        "Spicy beef tallow broth remains the favourite, and delivery orders rose.",
        "Diners queued for hours in Jiefangbei on weekends.",
        "One chain also plans to install charging piles for new energy vehicles at its car parks.",
    )
    decision = next(d for d in score_topics(d) if d.topic == "nev_icv")
    assert not decision.selected


def test_title_and_lead_weigh_more_than_a_late_paragraph() -> None:
    early = doc("Satellite Makers Gather", "Chongqing - Satellite makers met.", "Lunch.")
    late = doc("Makers Gather", "Chongqing - Makers met.", "Lunch.", "A satellite maker came.")
    s_early = next(d.score for d in score_topics(early) if d.topic == "aerospace_information")
    s_late = next(d.score for d in score_topics(late) if d.topic == "aerospace_information")
    assert s_early > 2 * s_late


def test_flying_car_is_aerospace_not_road_vehicles() -> None:
    d = doc(
        "Chongqing Team Unveils Flying Car Prototype",
        "Chongqing - A flying car prototype with a vertical take-off module flew in a test.",
        "The flying car targets the low-altitude economy, its designers said.",
        "The car body can be detached for road use.",
    )
    assert topics(d) == {"aerospace_information"}


def test_evidence_is_human_readable() -> None:
    d = doc(
        "BeiDou Summit Opens",
        "Chongqing - BeiDou firms met.",
        "A drone light show closed the night.",
        tags=("BeiDou",),
    )
    ev = next(x for x in score_topics(d) if x.topic == "aerospace_information").evidence
    assert any(e.startswith('title:"BeiDou" +') for e in ev)
    assert any(e.startswith('tags:"BeiDou" +') for e in ev)
    assert any('body:"drone light show" negative -' in e for e in ev)


def test_split_paragraphs_ignores_blank_runs() -> None:
    assert split_paragraphs("a\n\n\n  \nb\n\nc\n") == ["a", "b", "c"]


def test_classification_is_fast() -> None:
    from pipelines.events import extract_events

    tax = load_taxonomy()
    body = "\n\n".join(
        [
            "Chongqing - The 2024 Chongqing Low-Altitude Economy Forum was held on June 3 in "
            "Liangjiang, where drone makers and eVTOL developers met talent recruiters.",
            "Electric vehicle makers showed batteries and autonomous driving systems. " * 3,
            "Officials said the forum would become annual and a new alliance was launched. " * 3,
        ]
        * 3
    )
    d = ArticleDoc(title="Low-Altitude Forum Opens", body_text=body)
    classify(d, tax)
    n = 300
    start = time.perf_counter()
    for _ in range(n):
        classify(d, tax)
        extract_events(d, tax)
    rate = n / (time.perf_counter() - start)
    assert rate > 500, f"{rate:.0f} articles/second"
