"""Slots: a date, place or organiser only where the sentence ties it to the event."""

from __future__ import annotations

from datetime import UTC, date, datetime

from tests.helpers.events import by_name, events

TUESDAY = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)


def test_speakers_countries_and_organisers_are_not_the_place() -> None:
    evs = events(
        "Chongqing - Engineers from Germany and Japan spoke at the 2024 Chongqing Welding Forum, "
        "which opened in the Liangjiang New Area on Monday.\n\n"
        "The forum was organized by the Chongqing Municipal Commission of Economy and Information "
        "Technology.",
        published=TUESDAY,
    )
    forum = by_name(evs)["2024 Chongqing Welding Forum"]
    assert forum.place == "Liangjiang New Area"
    assert forum.start_date == date(2024, 5, 13)
    commission = "Chongqing Municipal Commission of Economy and Information Technology"
    assert forum.organisers == (commission,)


def test_no_place_rather_than_a_wrong_one() -> None:
    evs = events(
        "Chongqing - The 2024 Chongqing Bridge Design Forum was held on Monday, with speakers from "
        "Italy and Norway.\n\nThe forum was organized by the Chongqing Society of Civil Engineers.",
        published=TUESDAY,
    )
    assert evs[0].place is None
    assert evs[0].start_date == date(2024, 5, 13)


def test_an_umbrella_event_does_not_inherit_its_sub_event_date_or_hall() -> None:
    evs = events(
        "Chongqing - The 2024 Western China Auto Expo opened on Saturday, with 600 cars on "
        "display.\n\n"
        "On the expo's third day, the Battery Safety Forum will take place in Hall S3.\n\n"
        "The expo, held at the Chongqing International Expo Center, runs until May 19.",
        published=TUESDAY,
    )
    show = by_name(evs)["2024 Western China Auto Expo"]
    forum = by_name(evs)["Battery Safety Forum"]
    assert show.place == "Chongqing International Expo Center"
    assert (show.start_date, show.end_date) == (date(2024, 5, 11), date(2024, 5, 19))
    assert forum.place == "Hall S3"
    assert forum.start_date is None


def test_host_district_and_gathering_place() -> None:
    evs = events(
        "Chongqing - Fengjie County played host to the 2024 Navel Orange Industry Summit on "
        "Saturday.",
        published=TUESDAY,
    )
    assert (evs[0].place, evs[0].start_date) == ("Fengjie County", date(2024, 5, 11))
    evs = events(
        "Chongqing - Librarians gathered at the Chongqing Library on Sunday for the 2024 Reading "
        "Promotion Symposium.",
        published=TUESDAY,
    )
    assert (evs[0].place, evs[0].start_date) == ("Chongqing Library", date(2024, 5, 12))


def test_a_weekday_is_resolved_by_tense() -> None:
    ahead = events(
        "Chongqing - The 2024 Chongqing Hydrogen Summit will open on Thursday in Jiulongpo.",
        published=TUESDAY,
    )
    assert ahead[0].start_date == date(2024, 5, 16)
    past = events(
        "Chongqing - The 2024 Chongqing Hydrogen Summit opened on Thursday in Jiulongpo.",
        published=TUESDAY,
    )
    assert past[0].start_date == date(2024, 5, 9)


def test_the_date_of_a_statement_is_not_the_event_date() -> None:
    evs = events(
        "Chongqing - Organizers of the 2024 China Smart Logistics Expo said on Monday that it "
        "would open in August.",
        published=TUESDAY,
    )
    assert evs and evs[0].start_date is None and evs[0].date_text is None


def test_an_end_alone_is_not_a_start() -> None:
    evs = events(
        "Chongqing - At the 2024 Western China Hydrogen Conference in Jiulongpo, bus makers showed "
        "fuel cell buses.\n\nThe conference, which ended on Monday, drew 400 engineers.",
        published=TUESDAY,
    )
    assert evs[0].place == "Jiulongpo"
    assert evs[0].start_date is None


def test_a_date_range_and_a_year_from_the_publication() -> None:
    evs = events(
        "Chongqing - The 2025 Western Ice Sports Expo will be held from January 5 to February 2 "
        "in Wansheng.",
        published=datetime(2024, 12, 28, tzinfo=UTC),
    )
    assert evs[0].date_text == "January 5 to February 2"
    assert (evs[0].start_date, evs[0].end_date) == (date(2025, 1, 5), date(2025, 2, 2))
    assert "date" in evs[0].evidence and "place" in evs[0].evidence
