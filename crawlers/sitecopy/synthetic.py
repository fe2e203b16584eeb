"""Deterministic synthetic article records for benchmarks (thousands of posts, varied shapes).

The text is assembled from templates: plausible English, on one, two or none of the three topics,
some with a conference, alliance or proposal whose name appears verbatim in the text. Labels are
set from the templates used, so they are exact for what was generated.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from .records import CST, DEFAULT_SHAPE, slugify

Article = dict[str, Any]

_PLACES = [
    "Liangjiang New Area",
    "Chongqing High-Tech Zone",
    "Yongchuan District",
    "Banan District",
    "Jiangjin District",
    "Shapingba District",
    "Yubei District",
    "Fuling District",
    "Wanzhou District",
    "Beibei District",
]
_SHORT_PLACES = ["Chongqing", "Western China", "Chengdu-Chongqing", "Yangtze River", "Liangjiang"]
_AUTHORS = ["LI XIAOYU", "ZHANG WEN", "MENG RUI", "TAN JING", "HE YANG", "DENG LIN", "QIN SHUO"]
_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Per topic: title templates, a subject noun used in event names, and body sentences.
_TOPICS: dict[str, dict[str, list[str]]] = {
    "talent": {
        "titles": [
            "{place} Opens Training Program for {n} Young Engineers",
            "Universities in {place} Team Up With Industry to Keep Graduates",
            "{place} Offers Housing and Grants to Attract Researchers",
            "Skilled Workers in Demand as {place} Expands Apprenticeships",
        ],
        "subject": ["Talent", "Engineer Training", "Skills Development"],
        "sentences": [
            "The program will train {n} engineers over the next three years, officials said.",
            "Graduates who sign contracts with local companies receive a housing subsidy.",
            "Universities and companies will share teachers, laboratories and internships.",
            "Researchers returning from abroad can apply for start-up funding of up to {m} "
            "million yuan.",
            "Companies say technicians with hands-on experience remain hard to find.",
            "A talent service center will handle permits and school places in one place.",
        ],
    },
    "aerospace_information": {
        "titles": [
            "{place} Satellite Maker Prepares {n} Remote Sensing Satellites",
            "BeiDou Services Spread to Farms and Buses in {place}",
            "Cargo Drone Routes Open in {place} as Low-Altitude Economy Grows",
            "eVTOL Maker Completes Test Flights Over {place}",
        ],
        "subject": ["Aerospace Information", "Satellite Internet", "Low-Altitude Economy"],
        "sentences": [
            "The satellites will carry optical and radar cameras to map crops and rivers.",
            "BeiDou high-precision positioning guides the machines to within a few centimeters.",
            "The drone routes carry parcels, medicine and spare parts between towns.",
            "The eVTOL aircraft carries five people and can fly for about 30 minutes.",
            "Chongqing plans to build hundreds of take-off and landing points for drones.",
            "Ground stations in the district receive data from several commercial satellites.",
        ],
    },
    "nev_icv": {
        "titles": [
            "{place} Adds {n} Charging Stations for Electric Cars",
            "Driverless Buses Start Trial Runs in {place}",
            "Battery Plant in {place} Raises Output for New Energy Vehicles",
            "Connected Car Tests Expand on Roads in {place}",
        ],
        "subject": ["Intelligent Connected Vehicle", "New Energy Vehicle", "Autonomous Driving"],
        "sentences": [
            "Sales of new energy vehicles in the city rose by {p} percent in the first half.",
            "Roadside units share traffic light and hazard data with connected cars.",
            "The battery plant will supply packs for plug-in hybrids and electric SUVs.",
            "Robotaxis on the trial route carry a safety officer for now.",
            "Fast chargers at the new stations can add 300 kilometers of range in 15 minutes.",
            "Carmakers are testing assisted driving on the city's steep, winding roads.",
        ],
    },
}
_OFF_TOPIC = {
    "titles": [
        "Night Markets Draw Crowds to {place}",
        "Hotpot Restaurants in {place} Report Busy Holiday",
        "Old Teahouse in {place} Celebrates Its Anniversary",
        "Cable Car Rides Sell Out Over the Weekend",
        "Community Football League Returns to {place}",
    ],
    "sentences": [
        "Visitors queued for spicy noodles, grilled fish and sweet rice cakes.",
        "Many tourists came from coastal cities and from abroad.",
        "The old town's stone streets were crowded until late at night.",
        "Local residents said the riverside view is best after sunset.",
        "Organizers plan to repeat the event every month until autumn.",
        "Tickets can be booked online a week in advance.",
    ],
}
_CONFERENCE_KINDS = ["Forum", "Summit", "Conference", "Expo"]
_ALLIANCE_KINDS = ["Alliance", "Industry Alliance", "Consortium"]


def _fill(rng: random.Random, template: str, place: str) -> str:
    return template.format(
        place=place, n=rng.randint(2, 90) * 10, m=rng.randint(1, 5), p=rng.randint(8, 60)
    )


def synthetic_articles(
    n: int,
    *,
    seed: int = 0,
    start: date = date(2023, 1, 2),
    per_day: int = 6,
    first_post_id: int = 600001,
) -> list[Article]:
    """``n`` deterministic records, ``per_day`` posts a day from ``start`` (CST dates).

    About two thirds are on at least one topic; a quarter of those report an event. Shapes vary
    but every page keeps a machine-readable publication instant.
    """
    rng = random.Random(seed)
    out: list[Article] = []
    used: set[tuple[date, str]] = set()
    for i in range(n):
        day = start + timedelta(days=i // per_day)
        minute = rng.randint(5, 23 * 60 + 55)
        published = datetime.combine(day, time(minute // 60, minute % 60), CST)
        place = rng.choice(_PLACES)
        roll = rng.random()
        if roll < 0.2:
            topics = ["talent"]
        elif roll < 0.4:
            topics = ["aerospace_information"]
        elif roll < 0.6:
            topics = ["nev_icv"]
        elif roll < 0.7:
            topics = sorted(rng.sample(list(_TOPICS), 2))
        else:
            topics = []

        events: list[dict[str, str]] = []
        paragraphs: list[str] = []
        if topics:
            main = _TOPICS[topics[0]]
            title = _fill(rng, rng.choice(main["titles"]), place)
            pool = [s for t in topics for s in _TOPICS[t]["sentences"]]
            subject = rng.choice(main["subject"])
            lead = (
                f"Chongqing - Companies and officials in the {place} said on "
                f"{rng.choice(_WEEKDAYS)} that work on {subject.lower()} projects is speeding up."
            )
            event_roll = rng.random()
            if event_roll < 0.1:
                name = f"{published.year} {rng.choice(_SHORT_PLACES)} {subject} " + rng.choice(
                    _CONFERENCE_KINDS
                )
                events.append({"kind": "conference", "name": name})
                lead = (
                    f"Chongqing - The {name} opened in the {place} on "
                    f"{rng.choice(_WEEKDAYS)}, gathering about {rng.randint(2, 12) * 100} "
                    "guests from companies, universities and government."
                )
            elif event_roll < 0.18:
                name = f"{rng.choice(_SHORT_PLACES)} {subject} " + rng.choice(_ALLIANCE_KINDS)
                events.append({"kind": "alliance", "name": name})
                lead = (
                    f"Chongqing - {rng.randint(12, 60)} companies and universities launched the "
                    f"{name} in the {place} on {rng.choice(_WEEKDAYS)}."
                )
            elif event_roll < 0.25:
                name = f"proposal on {subject.lower()} development in {place}"
                events.append({"kind": "proposal", "name": name})
                title = f"CPPCC Member Submits Proposal on {subject}丨Two Sessions"
                lead = (
                    "Chongqing - A member of the CPPCC Chongqing Municipal Committee has "
                    f"submitted a {name} at the annual session of the committee."
                )
            paragraphs.append(lead)
            paragraphs += [_fill(rng, s, place) for s in rng.sample(pool, rng.randint(3, 5))]
            categories = [rng.choice(["News", "Business"])]
            tags = [t.replace("_", " ") for t in topics]
        else:
            title = _fill(rng, rng.choice(_OFF_TOPIC["titles"]), place)
            paragraphs.append(
                f"Chongqing - Crowds filled the {place} on {rng.choice(_WEEKDAYS)} as the "
                "weather turned warm."
            )
            paragraphs += rng.sample(_OFF_TOPIC["sentences"], rng.randint(3, 5))
            categories = [rng.choice(["Culture", "Travel"])]
            tags = ["city life"]

        blocks: list[dict[str, str]] = [{"p": p} for p in paragraphs]
        if rng.random() < 0.4:
            blocks.insert(2, {rng.choice(["h2", "strong"]): "What comes next"})
        if rng.random() < 0.6:
            credit = rng.choice(["(Photo/iChongqing)", "(Photo / iChongqing)"])
            blocks.insert(1, {"figure": f"A scene in the {place}. {credit}"})
        shape = dict(DEFAULT_SHAPE)
        shape.update(
            jsonld=rng.random() < 0.75,
            og_dates=rng.random() < 0.8,
            byline_time=rng.random() < 0.4,
            comma_space=rng.random() < 0.5,
            related_box=rng.random() < 0.2,
            ad_iframe=rng.random() < 0.2,
            script=rng.random() < 0.2,
            intern_credit=rng.random() < 0.1,
        )
        if not (shape["jsonld"] or shape["og_dates"] or shape["byline_time"]):
            shape["byline_time"] = True
        if shape["intern_credit"]:
            blocks.append({"p": "(Wu Lan, an intern, also contributed to this report.)"})

        slug = slugify(title)
        suffix = 2
        while (day, slug) in used:
            slug = f"{slugify(title)}-{suffix}"
            suffix += 1
        used.add((day, slug))
        record: Article = {
            "id": f"Y{i + 1:05d}",
            "post_id": first_post_id + i,
            "slug": slug,
            "title": title,
            "authors": rng.sample(_AUTHORS, rng.choice([0, 1, 1, 1, 2])),
            "published": published.isoformat(),
            "categories": categories,
            "tags": tags,
            "blocks": blocks,
            "shape": shape,
            "labels": {
                "topics": topics,
                "events": events,
                "acceptable_extra": [],
                "near_miss": None,
                "note": "synthetic",
            },
        }
        if rng.random() < 0.1:
            record["modified"] = (published + timedelta(hours=rng.randint(2, 72))).isoformat()
        out.append(record)
    return out
