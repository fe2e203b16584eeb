"""Non-events issue 17 names: pronoun and clause-fragment proposal subjects, the everyday sense
of "proposal", and proposals named as the story counts them."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.helpers.events import events, names

MARCH = datetime(2024, 3, 6, 9, 0, tzinfo=UTC)


def test_pronoun_and_fragment_subjects_name_no_proposal() -> None:
    evs = events(
        "Chongqing - NPC deputies from Chongqing met on Tuesday during the two sessions.\n\n"
        "Deputy Wang Lin said a proposal to carry out their duties better was not needed, and "
        "that every suggestion on how the country should grow must be heard.\n\n"
        "CPPCC member Chen Hong also brought suggestions on the subject.",
        published=MARCH,
    )
    assert [n for k, n in names(evs) if k == "proposal"] == []


def test_the_everyday_sense_is_not_a_formal_proposal() -> None:
    evs = events(
        "Chongqing - After three rounds of meetings, residents of a seven-storey block in "
        "Yuzhong District have approved a proposal to install an elevator on the outside of "
        "the building.",
        published=MARCH,
    )
    assert evs == []


def test_counted_suggestions_are_named_as_the_story_counts_them() -> None:
    evs = events(
        "Chongqing - On March 1, Zhu Huarong, a deputy to the National People's Congress and "
        "chairman of Changan Automobile, brought four suggestions to the two sessions.",
        published=MARCH,
    )
    assert names(evs) == [("proposal", "four suggestions")]
    assert evs[0].proposers == ("Zhu Huarong",) and evs[0].proposer_roles == ("NPC deputy",)
    assert evs[0].start_date is not None and evs[0].start_date.isoformat() == "2024-03-01"


def test_an_association_named_as_an_affiliation_is_not_an_alliance() -> None:
    for text in [
        "Singer Zhang Yu of the Chongqing Music Association performed at the opening gala.",
        "The Chongqing Music Association, which has 3,000 members, held its gala on Friday.",
    ]:
        assert events(f"Chongqing - {text}") == [], text
    launched = events("Chongqing - The Chongqing Hydrogen Alliance was launched on Friday.")
    assert names(launched) == [("alliance", "Chongqing Hydrogen Alliance")]
