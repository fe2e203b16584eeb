"""Event extraction: the shared seed articles, and traps written for these tests."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from pipelines.classify import ArticleDoc
from pipelines.events import event_key, extract_events, names_match
from tests.helpers.events import events, names

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

# Site furniture carried by the seed text dumps after the article (cookie bar, footer, ...).
_FURNITURE = re.compile(
    r"^(?:By continuing|For any inquiries|A Tour in Chongqing|A Land of Natural|Internet illegal"
    r"|\u6e1dICP|I Agree|Our Privacy|About Us|Leaving a message)"
)
_BYLINE = re.compile(r"^By [A-Z ]+\|")
_CAPTION = re.compile(r"\(Photo ?/ ?[^)]*\)\s*$")


def seed_doc(prefix: str, published: datetime, has_title: bool) -> ArticleDoc:
    """A shared seed article (outside the project) as an ArticleDoc, or skip the test."""
    files = sorted(SEEDS.glob(f"{prefix}*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip(f"seed {prefix}* not found in {SEEDS}: shared data is not part of the project")
    lines = [ln.strip() for ln in files[0].read_text(encoding="utf-8").splitlines() if ln.strip()]
    title = lines.pop(0) if has_title else ""
    paras = [
        ln
        for ln in lines
        if not _FURNITURE.match(ln) and not _BYLINE.match(ln) and not _CAPTION.search(ln)
    ]
    return ArticleDoc(title=title, body_text="\n\n".join(paras), published_at=published)


# ------------------------------------------------------------------------------ seeds


def test_seed_talent_aerospace_conference_and_alliance() -> None:
    doc = seed_doc("000_", datetime(2024, 11, 26, 8, 0, tzinfo=UTC), has_title=False)
    evs = extract_events(doc)
    by_name = {e.name: e for e in evs}
    conf = by_name["Aerospace Information Industry Talents Development Conference"]
    assert conf.kind == "conference"
    assert conf.date_text == "November 23-24"
    assert (conf.start_date, conf.end_date) == (date(2024, 11, 23), date(2024, 11, 24))
    assert conf.place == "Chongqing's Liangjiang New Area"
    assert conf.summary.startswith("The Aerospace Information Industry Talents Development")
    alliance = by_name["Chongqing Excellent Engineer (Aerospace Information) Training Alliance"]
    assert alliance.kind == "alliance"
    # The umbrella event is acceptable too; nothing else is.
    assert set(by_name) <= {
        conf.name,
        alliance.name,
        "Chongqing International Talent Exchange Conference",
    }
    # "The conference" back-references are not new events.
    assert sum(e.kind == "conference" and "Aerospace" in e.name for e in evs) == 1


def test_seed_cppcc_proposal_with_proposers() -> None:
    doc = seed_doc("002_", datetime(2023, 1, 16, 2, 0, tzinfo=UTC), has_title=True)
    evs = extract_events(doc)
    assert [e.kind for e in evs] == ["proposal"]  # the CPPCC itself is not a conference
    p = evs[0]
    assert names_match(
        p.name,
        "a proposal on talent attraction and industrialization practice of intelligent "
        "connected new energy vehicles",
    )
    assert p.name.startswith("proposal on talent attraction")
    assert p.proposers == ("Chu Wenbo", "Xu Linhao", "Zhou Jianwen", "Xu Lin")


# ------------------------------------------------------------------------------ conferences


def test_forum_on_shape_and_year_in_name() -> None:
    evs = events(
        "Chongqing - The 2021 Forum on Bashu Culture & Tourism Integrated Development was held "
        "in Ba'nan District on July 16, drawing scholars from both provinces.\n\n"
        "At the forum, speakers discussed museums.",
        published=datetime(2021, 7, 19, tzinfo=UTC),
    )
    assert names(evs) == [
        ("conference", "2021 Forum on Bashu Culture & Tourism Integrated Development")
    ]
    assert evs[0].start_date == date(2021, 7, 16)  # no year written: the publication's year
    assert evs[0].place == "Ba'nan District"


def test_press_conference_is_not_an_event_but_the_announced_expo_is() -> None:
    evs = events(
        "Chongqing - The 2024 Western Tea Expo will open on June 3, officials said at a press "
        "conference on Monday.\n\nThe Press Conference of the organizing committee was short."
    )
    assert names(evs) == [("conference", "2024 Western Tea Expo")]


def test_press_briefing_alone_gives_nothing() -> None:
    assert events("Chongqing - At a press briefing on Monday, officials gave GDP figures.") == []


def test_conference_named_only_as_source_of_a_quote() -> None:
    evs = events(
        "Chongqing - Sales of the carmaker doubled this year.\n\n"
        '"Software decides the winner," its chairman said at the China Auto Forum in 2022, '
        "a line he repeats often.\n\nThe company plans ten new models."
    )
    assert evs == []


def test_past_edition_is_background() -> None:
    evs = events(
        "Chongqing - The startup raised 300 million yuan for new satellites.\n\n"
        "It first showed a model satellite at the 2021 Smart China Expo and launched one later."
    )
    assert evs == []


def test_institutions_are_not_conferences() -> None:
    evs = events(
        "Chongqing - The session of the Chongqing Municipal Committee of the Chinese People's "
        "Political Consultative Conference opened on Wednesday.\n\nMembers studied the "
        "principles of the 20th CPC National Congress and the National People's Congress."
    )
    assert evs == []


def test_venue_is_not_an_event() -> None:
    evs = events(
        "Chongqing - A car show opened at the Chongqing International Expo Center on Friday, "
        "with 400 exhibitors."
    )
    assert evs == []


def test_umbrella_and_sub_event_with_backreferences_deduplicated() -> None:
    evs = events(
        "Chongqing - The 2023 Smart China Expo opened on September 4 in Yuelai.\n\n"
        "The expo's Intelligent Connected Vehicle Summit Forum was held on the first afternoon. "
        "The forum was hosted by the Chongqing Municipal Commission of Economy and Information "
        "Technology.\n\nThe expo runs until Thursday. The Smart China Expo has grown every year.",
        published=datetime(2023, 9, 5, tzinfo=UTC),
    )
    assert names(evs) == [
        ("conference", "2023 Smart China Expo"),
        ("conference", "Intelligent Connected Vehicle Summit Forum"),
    ]
    assert evs[0].key == "smart china expo"
    assert evs[0].start_date == date(2023, 9, 4)


def test_organisers_are_extracted() -> None:
    evs = events(
        "Chongqing - The 2024 Chongqing Rural Brand Symposium was held in Fengdu on Monday. "
        "It was hosted by the Chongqing Agriculture Commission and the Fengdu County Government."
    )
    assert evs[0].organisers == (
        "Chongqing Agriculture Commission",
        "Fengdu County Government",
    )


def test_mountain_summit_and_online_forum_are_not_events() -> None:
    evs = events(
        "Chongqing - Hikers reached the summit of Jinfo Mountain.\n\n"
        "Some had read tips on an online hiking forum before setting off."
    )
    assert evs == []


def test_date_range_across_months_and_year_boundary() -> None:
    late_dec = datetime(2024, 12, 28, tzinfo=UTC)
    evs = events(
        "Chongqing - The Western China Ice Festival Summit will be held from January 5 to "
        "February 2 in Wansheng.",
        published=late_dec,
    )
    assert evs[0].date_text == "January 5 to February 2"
    assert (evs[0].start_date, evs[0].end_date) == (date(2025, 1, 5), date(2025, 2, 2))


# ------------------------------------------------------------------------------ alliances


def test_alliance_launch_and_expansion() -> None:
    evs = events(
        "Chongqing - Thirty firms launched the Chongqing Low-Altitude Economy Industry Alliance "
        "on Monday.\n\nDuring the summit, 21 companies joined the Chongqing BeiDou Industry "
        "Alliance, bringing its membership to 96."
    )
    assert names(evs) == [
        ("alliance", "Chongqing Low-Altitude Economy Industry Alliance"),
        ("alliance", "Chongqing BeiDou Industry Alliance"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "Chongqing - The Chongqing Community Football Alliance kicked off a new season of its "
        "league with 64 amateur teams.",
        "Chongqing - NEV exports rose 46 percent, according to figures compiled by the China "
        "Association of Automobile Manufacturers.",
        "Chongqing - Spending rose, according to statistics released by the Chongqing Tourism "
        "Industry Association.",
        "Chongqing - More than 1,200 suppliers joined the carmaker's digital sourcing platform.",
        "Chongqing - A skills contest was organized by the Chongqing Federation of Trade Unions.",
    ],
)
def test_alliance_traps(body: str) -> None:
    assert events(body) == []


# ------------------------------------------------------------------------------ proposals


def test_npc_deputy_suggestion_and_cppcc_proposal_names() -> None:
    evs = events(
        "Chongqing - Li Guoqiang, a deputy to the 14th National People's Congress, has submitted "
        "a suggestion on reforming vocational education for advanced manufacturing to this "
        "year's NPC session.\n\nIn his suggestion, Li calls for new courses."
    )
    assert names(evs) == [
        ("proposal", "suggestion on reforming vocational education for advanced manufacturing")
    ]
    assert evs[0].proposers == ("Li Guoqiang",)


def test_proposal_name_stops_at_context() -> None:
    evs = events(
        "Chongqing - Luo Mei, a member of CPPCC Chongqing, has submitted a proposal on elderly "
        "care to the 5th session of the committee."
    )
    assert names(evs) == [("proposal", "proposal on elderly care")]
    assert evs[0].key == "proposal on elderly care"


def test_two_proposals_in_one_sentence() -> None:
    evs = events(
        "Chongqing - Zheng Kai, a member of CPPCC Chongqing, has submitted two proposals: one on "
        "attracting overseas scientists, and another on improving public childcare."
    )
    assert names(evs) == [
        ("proposal", "proposal on attracting overseas scientists"),
        ("proposal", "proposal on improving public childcare"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        "Chongqing - Residents approved a proposal to turn a vacant lot into a park after the "
        "community committee held three meetings.",
        "Chongqing - Researchers at Chongqing University have put forward a new approach to "
        "cooling battery packs, and proposed a model for fast charging.",
        "Chongqing - Su Bo, a vice chairman of a CPPCC committee, spoke at the forum and made a "
        "suggestion on chip supply at the forum.",
    ],
)
def test_proposal_traps(body: str) -> None:
    assert events(body) == []


# ------------------------------------------------------------------------------ keys


def test_event_key_normalisation() -> None:
    assert event_key("the 2020 Chongqing Talents Conference") == event_key(
        "Chongqing Talent Conference"
    )
    assert event_key("5th China-SCO Forum") == event_key("China SCO Forum")
    assert event_key("Bashu Culture & Tourism Forum") == "bashu culture and tourism forum"


def test_names_match() -> None:
    assert names_match("Smart China Expo", "the 2023 Smart China Expo")
    assert names_match("a proposal on elderly care", "proposal on elderly care")
    assert not names_match("Chongqing BeiDou Industry Alliance", "Chongqing Museum Alliance")
