"""Issue 17's slots: dates as days, sub-events and their umbrella, venue and city, status,
organisers, proposers' roles (each test fails if the slot is left empty or put on the wrong
event)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from pipelines.core.statuses import EventStatus
from pipelines.events.dates import DATE_RE, parse_date
from tests.helpers.events import by_name, events

TUESDAY = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)


def test_a_sub_event_gets_the_day_place_and_parent_and_the_umbrella_gets_nothing() -> None:
    evs = by_name(
        events(
            "Chongqing - The Low-Altitude Economy Talent Forum, a session of the 2024 Western "
            "China Talent Conference, took place in the Liangjiang New Area on Friday.\n\n"
            "The 2024 Western China Talent Conference drew 3,000 people.",
            published=TUESDAY,
        )
    )
    forum = evs["Low-Altitude Economy Talent Forum"]
    umbrella = evs["2024 Western China Talent Conference"]
    assert (forum.start_date, forum.place) == (date(2024, 5, 10), "Liangjiang New Area")
    assert forum.parent == "2024 Western China Talent Conference"
    assert forum.status is EventStatus.HELD
    assert (umbrella.start_date, umbrella.place, umbrella.parent) == (None, None, None)


def test_an_alliance_launched_at_a_one_day_forum_takes_its_place_and_day() -> None:
    evs = by_name(
        events(
            "Chongqing - The Western China Hydrogen Alliance was launched at the 2024 Chongqing "
            "Energy Forum.\n\nThe 2024 Chongqing Energy Forum was held at the Yuelai "
            "International Convention Center on Monday.",
            published=TUESDAY,
        )
    )
    alliance = evs["Western China Hydrogen Alliance"]
    assert alliance.parent == "2024 Chongqing Energy Forum"
    assert alliance.venue == "Yuelai International Convention Center"
    assert alliance.start_date == date(2024, 5, 13)


def test_weekday_ranges_durations_and_day_month_order() -> None:
    ran = events(
        "Chongqing - Held under the theme of open skies, the 2024 Mingyue Lake Satellite Forum "
        "drew 1,000 guests.\n\nIt ran from Monday to Tuesday.",
        published=datetime(2024, 5, 16, 9, 0, tzinfo=UTC),
    )
    assert (ran[0].start_date, ran[0].end_date) == (date(2024, 5, 13), date(2024, 5, 14))
    three = events(
        "Chongqing - The 2024 China Auto Forum kicked off on Sunday in Chongqing, and will run "
        "for three days.",
        published=TUESDAY,
    )
    assert (three[0].start_date, three[0].end_date) == (date(2024, 5, 12), date(2024, 5, 14))
    assert three[0].status is EventStatus.UNDER_WAY
    ahead = events(
        "Chongqing - The 2024 Western China Battery Conference will be held on 23-24 May in "
        "Chongqing's Jiangbei District.",
        published=TUESDAY,
    )
    assert (ahead[0].start_date, ahead[0].end_date) == (date(2024, 5, 23), date(2024, 5, 24))
    assert ahead[0].status is EventStatus.ANNOUNCED
    assert ahead[0].city == "Chongqing's Jiangbei District" and ahead[0].venue is None


def test_an_opening_day_alone_leaves_the_end_open() -> None:
    evs = events(
        "Chongqing - The 2024 Chongqing Talent Exchange Conference got under way on May 13, "
        "drawing specialists from Portugal and Serbia.",
        published=TUESDAY,
    )
    assert (evs[0].start_date, evs[0].end_date) == (date(2024, 5, 13), None)
    assert evs[0].date_text == "May 13" and evs[0].place is None  # never the guests' country


def test_possessive_weekday_and_the_length_said_later() -> None:
    evs = events(
        "Chongqing - A signing ceremony marked Monday's opening of the 2024 Smart China Expo "
        "(SCE) in Chongqing Municipality.\n\nThe expo is made up of forums and an exhibition. "
        "Over four days it is drawing 800 companies.",
        published=TUESDAY,
    )
    assert (evs[0].start_date, evs[0].end_date) == (date(2024, 5, 13), date(2024, 5, 16))
    assert evs[0].place == "Chongqing Municipality"


def test_an_end_and_a_length_give_the_start() -> None:
    evs = events(
        "Chongqing - At the 2025 Western China Hydrogen Conference in Jiulongpo, bus makers "
        "showed fuel cell buses.\n\nThe two-day conference, which ended on Thursday, drew 400 "
        "engineers.",
        published=datetime(2025, 3, 28, 11, 0, tzinfo=UTC),
    )
    assert (evs[0].start_date, evs[0].end_date) == (date(2025, 3, 26), date(2025, 3, 27))


def test_a_postponed_event_loses_its_old_date() -> None:
    evs = events(
        "Chongqing - The 2024 Hydrogen Vehicle Summit, scheduled for May 20, has been "
        "postponed, organizers said on Monday.",
        published=TUESDAY,
    )
    assert evs[0].status is EventStatus.POSTPONED and evs[0].start_date is None
    moved = events(
        "Chongqing - The 2024 Hydrogen Vehicle Summit has been postponed to June 18.",
        published=TUESDAY,
    )
    assert moved[0].status is EventStatus.POSTPONED and moved[0].start_date == date(2024, 6, 18)


def test_every_organiser_phrase_of_the_clause_and_organizers_include() -> None:
    evs = events(
        "Chongqing - The 2024 Smart Mobility Forum opens on Thursday.\n\nThe three-day event, "
        "held at the Yuelai International Convention Center, is hosted by the Chongqing "
        "Municipal Government and organized by the Chongqing Automotive Society.",
        published=TUESDAY,
    )
    forum = evs[0]
    assert forum.organisers == ("Chongqing Municipal Government", "Chongqing Automotive Society")
    assert forum.venue == "Yuelai International Convention Center"
    assert (forum.start_date, forum.end_date) == (date(2024, 5, 16), date(2024, 5, 18))
    expo = events(
        "Chongqing - The 2024 Western Auto Expo opened on Monday in Yubei District.\n\n"
        "Its organizers include the Ministry of Commerce and the Chongqing Municipal Government.",
        published=TUESDAY,
    )
    assert expo[0].organisers == ("Ministry of Commerce", "Chongqing Municipal Government")


def test_proposers_carry_their_roles_and_a_lead_date() -> None:
    evs = events(
        "Chongqing - On March 5, Li Ming, a member of the CPPCC National Committee, submitted "
        "a proposal on expanding hydrogen refuelling in western China.",
        published=datetime(2024, 3, 6, 9, 0, tzinfo=UTC),
    )
    assert evs[0].proposers == ("Li Ming",) and evs[0].proposer_roles == ("CPPCC member",)
    assert evs[0].start_date == date(2024, 3, 5)


def test_dates_as_chinese_and_british_sources_write_them() -> None:
    pub = datetime(2024, 11, 20, tzinfo=UTC)
    for text, want in [
        ("held on Nov 23-24 in", (date(2024, 11, 23), date(2024, 11, 24))),
        ("on 23-24 November 2024", (date(2024, 11, 23), date(2024, 11, 24))),
        ("from Nov. 5 to 7", (date(2024, 11, 5), date(2024, 11, 7))),
    ]:
        m = DATE_RE.search(text)
        found = parse_date(m, pub, False) if m else None
        assert found is not None and (found.start, found.end) == want, text
    assert DATE_RE.search("in Mar 2021") is None  # a month and a year is not a day


def test_places_as_other_sources_write_them_and_the_date_after_them() -> None:
    for text, place, start in [
        (
            "The 2024 China Hot Pot Forum was held in the southwestern city of Chongqing on "
            "Saturday.",
            "Chongqing",
            date(2024, 5, 11),
        ),
        (
            "The 2024 Inland Port Summit took place in China's southwestern Chongqing "
            "Municipality between May 8 and 10.",
            "Chongqing Municipality",
            date(2024, 5, 8),
        ),
        (
            "The 2024 Western China Robot Expo opened in Chongqing's Yubei district on Monday.",
            "Chongqing's Yubei district",
            date(2024, 5, 13),
        ),
    ]:
        evs = events(f"Chongqing - {text}", published=TUESDAY)
        assert (evs[0].place, evs[0].start_date) == (place, start), text
