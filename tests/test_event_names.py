"""Event names: the four forms of a named event, proposal subjects and where they end."""

from __future__ import annotations

import pytest

from pipelines.events.lexicon import is_finite_verb, verb_lemmas
from pipelines.events.names import cut_subject, title_span
from pipelines.events.sentences import split_sentences
from pipelines.taxonomy import load_taxonomy
from tests.helpers.events import events, names


def test_quoted_lower_case_sub_events_of_an_umbrella_conference() -> None:
    evs = events(
        "Chongqing - The 2024 Yangtze Robotics Conference opened in Nan'an District on Thursday "
        "with 1,500 engineers.\n\n"
        'Its program includes the "Seminar on robots for elderly care," the "Forum for young '
        'robot designers" and a robot football match.'
    )
    assert names(evs) == [
        ("conference", "2024 Yangtze Robotics Conference"),
        ("conference", "Seminar on robots for elderly care"),
        ("conference", "Forum for young robot designers"),
    ]
    assert "quoted name" in evs[1].evidence and "quoted" in evs[2].evidence


def test_a_quote_with_a_verb_is_speech_not_a_name() -> None:
    evs = events(
        "Chongqing - The 2024 Western Robotics Forum opened in Yubei on Monday.\n\n"
        '"The forum showed us how far the industry has come," one visitor said.'
    )
    assert names(evs) == [("conference", "2024 Western Robotics Forum")]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Chongqing - The Fifth Western China Fair for Tea and Handicrafts opened in Yongchuan "
            "on Wednesday with 300 exhibitors.",
            "Fifth Western China Fair for Tea and Handicrafts",
        ),
        (
            "Chongqing - About 400 surveyors attended the 2024 annual meeting of the Chongqing "
            "Surveying and Mapping Society, which was held in Beibei on Saturday.",
            "2024 annual meeting of the Chongqing Surveying and Mapping Society",
        ),
        (
            "Chongqing - The 2024 Chongqing Clean Air Event kicked off on Monday in Yuzhong "
            "District with free rides on electric buses.",
            "2024 Chongqing Clean Air Event",
        ),
        (
            "Chongqing - River pilots from six provinces met in Wanzhou on Tuesday for the "
            "fourth Three Gorges pilots forum, which discussed night navigation.",
            "fourth Three Gorges pilots forum",
        ),
    ],
)
def test_generic_head_nouns_count_with_an_edition(body: str, expected: str) -> None:
    assert names(events(body)) == [("conference", expected)]


@pytest.mark.parametrize(
    "body",
    [
        "Chongqing - The 2024 Chongqing Spring Job Fair was held in Yubei on Sunday with 900 "
        "employers.",
        "Chongqing - Shareholders approved the plan at the company's 2024 Annual General Meeting "
        "on Wednesday.",
        "Chongqing - A trade fair for tea growers opened in Yongchuan, and a meeting of the "
        "growers followed.",
    ],
)
def test_generic_head_nouns_without_an_edition_or_that_are_not_conferences(body: str) -> None:
    assert events(body) == []


def test_an_alliance_being_formed_is_found_by_its_description() -> None:
    evs = events(
        "Chongqing - Nine universities will build a Sichuan-Chongqing university alliance for "
        "robotics education, the education commissions said on Monday.\n\n"
        "Members of the alliance will share laboratories and let students take courses at "
        "partner universities.",
        title="Universities to Build Robotics Education Alliance",
    )
    assert names(evs) == [("alliance", "Sichuan-Chongqing university alliance")]
    assert "described" in evs[0].evidence


def test_title_case_proposal_names_keep_their_verbs() -> None:
    evs = events(
        "Chongqing - CPPCC members from Chongqing submitted 60 proposals at this year's national "
        "two sessions.\n\n"
        "Among them was the Proposal on Building a Western Hub for Rail Freight to Link "
        "Chongqing With Europe and Expand Trade, jointly submitted by four members."
    )
    assert names(evs) == [
        (
            "proposal",
            "Proposal on Building a Western Hub for Rail Freight to Link Chongqing With Europe "
            "and Expand Trade",
        )
    ]


def test_suggestions_by_deputies_and_a_subject_cut_before_its_date() -> None:
    assert names(
        events(
            "Chongqing - Suggestions by Chongqing deputies on expanding rural broadband were "
            "among the most discussed at this year's two sessions."
        )
    ) == [("proposal", "suggestion by Chongqing deputies on expanding rural broadband")]
    assert names(
        events(
            "Chongqing - The Chongqing delegation to the National People's Congress put forward a "
            "suggestion on building a test zone for driverless buses on Tuesday."
        )
    ) == [("proposal", "suggestion on building a test zone for driverless buses")]


def test_a_suggestion_that_is_reported_speech_not_a_proposal() -> None:
    assert (
        events(
            "Chongqing - Staff at a care center made the suggestion that nurses work across "
            "several centers, members of the CPPCC committee heard on Thursday."
        )
        == []
    )


def test_his_proposal_names_the_proposer_of_the_sentence_before() -> None:
    evs = events(
        "Chongqing - Wu Jian, a member of the Chongqing Municipal Committee of the CPPCC, used "
        "this year's session to speak for bus drivers. His proposal on building rest stations for "
        "bus drivers asks for one at every terminus."
    )
    assert names(evs) == [("proposal", "proposal on building rest stations for bus drivers")]
    assert evs[0].proposers == ("Wu Jian",)


def test_cut_subject_at_finite_verbs_stops_and_dates() -> None:
    spec = load_taxonomy().events.kinds["proposal"]
    assert cut_subject("improving rural clinics suggests three steps", spec) == (
        "improving rural clinics"
    )
    assert cut_subject("elderly care submitted to the session", spec) == "elderly care"
    assert cut_subject("reforming vocational education for advanced manufacturing", spec) == (
        "reforming vocational education for advanced manufacturing"
    )
    assert cut_subject("cheaper charging on March 3 in Beijing", spec) == "cheaper charging"
    assert title_span("Supporting Chongqing to Build a Port, and more") == (
        "Supporting Chongqing to Build a Port"
    )
    assert title_span("the city") is None


def test_finite_verbs_from_the_lemma_tables() -> None:
    for word in ("submitted", "suggests", "was", "will", "took", "urged"):
        assert is_finite_verb(word), word
    # Nouns, adjectives, gerunds and base forms stay in a name.
    for word in ("connected", "advanced", "calls", "strengthening", "build", "Forum"):
        assert not is_finite_verb(word), word
    assert "say" in verb_lemmas("said")


def test_sentences_keep_their_closing_quotes() -> None:
    text = 'He named the "Forum on tea." A "Ceremony" followed. Co., Ltd. won.'
    assert split_sentences(text) == [
        'He named the "Forum on tea."',
        'A "Ceremony" followed.',
        "Co., Ltd. won.",
    ]
