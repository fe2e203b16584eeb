"""A loopback site copy with two editions of two annual events: the Smart China Expo 2024 and
2025 (2025 reported twice) and the Chongqing International Talent Exchange Conference 2023 and
2024; stories written for these tests, in the bundled copy's record format."""

from __future__ import annotations

import copy
from datetime import datetime

from crawlers.sitecopy import load_bundled_articles

EXPO_2024 = "2024 Smart China Expo"
EXPO_2025 = "2025 Smart China Expo"
TALENT_2023 = "2023 Chongqing International Talent Exchange Conference"
TALENT_2024 = "2024 Chongqing International Talent Exchange Conference"

# (id, published CST, title, paragraphs)
STORIES: list[tuple[str, str, str, list[str]]] = [
    (
        "T23",
        "2023-11-18T10:00:00+08:00",
        "Talent Exchange Conference Draws 3,000 Experts",
        [
            f"The {TALENT_2023} opened on Friday in Chongqing's Liangjiang New Area, drawing "
            "more than 3,000 experts and young talent from home and abroad.",
            "The conference, hosted by the Chongqing Municipal Committee of the CPC, offered "
            "20,000 jobs to high-level talent.",
        ],
    ),
    (
        "E24",
        "2024-08-21T10:00:00+08:00",
        "Smart China Expo 2024 to Show Intelligent Connected Vehicles",
        [
            f"The {EXPO_2024} will open on Thursday at the Chongqing International Expo Center "
            "and run until Saturday, its organisers said on Wednesday.",
            "The expo, hosted by the Chongqing Municipal People's Government, will show "
            "intelligent connected vehicles, new energy vehicles and autonomous driving "
            "technology from more than 500 companies.",
        ],
    ),
    (
        "T24",
        "2024-11-16T10:00:00+08:00",
        "Talent Exchange Conference Returns",
        [
            f"The {TALENT_2024} opened on Friday in Chongqing's Liangjiang New Area, with 5,000 "
            "high-level talent and 800 employers taking part.",
            "The conference offered 30,000 jobs for talent in intelligent manufacturing.",
        ],
    ),
    (
        "E25A",
        "2025-08-28T10:00:00+08:00",
        "Smart China Expo 2025 Opens in Chongqing",
        [
            f"The {EXPO_2025} opened on Thursday at the Chongqing International Expo Center and "
            "will run until Sunday, with intelligent connected vehicles at its heart.",
            "Carmakers showed intelligent connected vehicles and new energy vehicles with "
            "autonomous driving functions at the expo, and signed deals on autonomous driving "
            "technology and new energy vehicle batteries.",
        ],
    ),
    (
        "E25B",
        "2025-08-30T10:00:00+08:00",
        "Robotaxis Steal the Show at Smart China Expo",
        [
            "Visitors lined up on Friday to ride autonomous driving robotaxis at the Smart China "
            "Expo 2025, which opened on Thursday at the Chongqing International Expo Center.",
            "Intelligent connected vehicles and new energy vehicles from 30 carmakers are on "
            "show at the expo, where autonomous driving technology drew the largest crowds and "
            "new energy vehicle makers signed export deals.",
        ],
    ),
]

#: One calendar month per run, each holding one edition's reports.
WINDOWS = [
    ("2023-11-01", "2023-11-30", TALENT_2023),
    ("2024-08-01", "2024-08-31", EXPO_2024),
    ("2024-11-01", "2024-11-30", TALENT_2024),
    ("2025-08-01", "2025-08-31", EXPO_2025),
]


def story(
    story_id: str, published: str, title: str, paragraphs: list[str], post_id: int | None = None
) -> dict:
    """A site-copy record of a story (shape and template from the bundled copy's first)."""
    record = copy.deepcopy(load_bundled_articles()[0])
    day = datetime.fromisoformat(published)
    slug = "-".join(title.lower().replace(",", "").split())
    record.update(
        id=story_id,
        post_id=post_id or 700000 + sum(ord(c) for c in story_id) * 7 + day.day,
        slug=f"{slug}-{day:%Y%m%d}",
        title=title,
        published=published,
        categories=["News"],
        tags=[],
        blocks=[{"p": p} for p in paragraphs],
    )
    record.pop("modified", None)
    record["labels"] = {"topics": [], "events": [], "acceptable_extra": [], "near_miss": None}
    return record


def edition_stories() -> list[dict]:
    return [story(*s) for s in STORIES]
