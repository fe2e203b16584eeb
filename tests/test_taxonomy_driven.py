"""The taxonomy drives every list of topics and kinds: a fourth topic and a new event kind added
only in a YAML file are classified or extracted, stored, pass every check and are named in the
digest (the topic by its label, the kind by its key), through ``cqmonitor run`` with
``CQMONITOR_TAXONOMY``."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.analyse.checks import events_consistent, topics_consistent
from dagster_project.resources import DatabaseResource, TaxonomyResource
from dagster_project.store.checks import articles_complete, no_duplicate_articles
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic, Event
from tests.conftest import PROJECT_ROOT, compact_copy, compact_span
from tests.slack_server import SlackServer

PACKAGED = PROJECT_ROOT / "pipelines" / "taxonomy.yaml"

SEMICONDUCTOR_TERMS = {
    "semiconductor": 3,
    "chip": 2.5,
    "chipmaker": 3,
    "wafer": 3,
    "integrated circuit": 3,
    "power semiconductor": 4,
    "foundry": 2,
}


def semiconductor_taxonomy(path: Path) -> Path:
    data = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    data["topics"]["semiconductors"] = {
        "label": "Semiconductors",
        "threshold": 9.0,
        "min_places": 2,
        "terms": SEMICONDUCTOR_TERMS,
    }
    # A conference-like kind: a name whose head is a trigger, reported as opened or held.
    data["events"]["exhibition"] = {
        "triggers": ["exhibition"],
        "report_cues": ["opened", "opens", "held", "runs until", "on show"],
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def chip_articles(template: dict[str, Any]) -> list[dict[str, Any]]:
    """Two stories on chips, written here, in the bundled copy's record format."""
    stories = [
        (
            "power-chip-plant-starts-wafer-production-in-xiyong",
            "Power Chip Plant Starts Wafer Production in Xiyong",
            [
                "Chongqing - A power semiconductor plant in the Xiyong Microelectronics Park "
                "started making 12-inch wafers on Monday, its operator said.",
                "The chipmaker expects the line to supply power chips for electric vehicles and "
                "solar inverters, and to reach 30,000 wafers a month by next year.",
                "Local officials said the integrated circuit industry in the park now employs "
                "more than 20,000 people.",
            ],
        ),
        (
            "chip-exhibition-opens-in-liangjiang",
            "Chip Exhibition Opens in Liangjiang",
            [
                "Chongqing - The 2025 Chongqing Semiconductor Exhibition opened on Tuesday at "
                "the Yuelai International Convention Center, with 200 chipmakers showing power "
                "semiconductor wafers and integrated circuit designs.",
                "The exhibition runs until March 8, and the chipmakers expect orders from "
                "vehicle and solar inverter makers.",
            ],
        ),
        (
            "chipmakers-in-chongqing-add-a-second-foundry-line",
            "Chipmakers in Chongqing Add a Second Foundry Line",
            [
                "Chongqing - Two chipmakers in the city will share a second foundry line for "
                "semiconductor sensors, the city's economy bureau said on Tuesday.",
                "The line will process wafers for integrated circuit designers in the region, "
                "who now send most of their chip designs to coastal plants.",
            ],
        ),
    ]
    out = []
    for n, (slug, title, paragraphs) in enumerate(stories):
        record = copy.deepcopy(template)
        record.update(
            id=f"CHIP{n}",
            post_id=990000 + n,
            slug=slug,
            title=title,
            tags=["chips"],
            blocks=[{"p": p} for p in paragraphs],
            labels={"topics": ["semiconductors"], "events": []},
        )
        record["published"] = template["published"][:11] + f"1{n}:00:00+08:00"
        out.append(record)
    return out


def test_a_fourth_topic_from_the_taxonomy_file_goes_all_the_way_to_the_digest(
    tmp_path: Path, slack: SlackServer
) -> None:
    taxonomy = semiconductor_taxonomy(tmp_path / "taxonomy.yaml")
    copy_of_site = compact_copy(load_bundled_articles())
    chips = chip_articles(copy_of_site[0])
    database = f"sqlite:///{tmp_path / 'cqmonitor.db'}"
    since, until = compact_span()
    with SiteServer(build_site(copy_of_site + chips)) as site:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "CQMONITOR_TAXONOMY": str(taxonomy),
            "CQMONITOR_SOURCE_URL": site.url,
            "CQMONITOR_DATABASE_URL": database,
            "CQMONITOR_DOWNLOAD_DELAY": "0",
            "CQMONITOR_DATA_DIR": str(tmp_path / "data"),
            "SLACK_BOT_TOKEN": slack.token,
            "CQMONITOR_SLACK_CHANNEL": "C0DIGEST1",
            "SLACK_API_URL": slack.url,
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "dagster_project.cli",
                "run",
                "--since",
                since,
                "--until",
                until,
            ],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    engine = make_engine(database)
    with session_scope(session_factory(engine)) as session:
        on_chips = set(
            session.scalars(
                select(Article.title)
                .join(ArticleTopic)
                .where(ArticleTopic.topic == "semiconductors")
            )
        )
        exhibitions = set(session.scalars(select(Event.name).where(Event.kind == "exhibition")))
    engine.dispose()
    assert exhibitions == {"2025 Chongqing Semiconductor Exhibition"}
    assert on_chips == {c["title"] for c in chips}
    database_resource = DatabaseResource(url=database)
    for check in (no_duplicate_articles, articles_complete):
        assert check(database=database_resource).passed, check.check_key
    for check in (topics_consistent, events_consistent):
        result = check(database=database_resource, taxonomy=TaxonomyResource(path=str(taxonomy)))
        assert result.passed, (check.check_key, result.metadata)
    # What readers see: the blocks without the correction menus' action values (which carry
    # topic keys as data), plus the menus' option texts (which name topics by label).
    posted = "\n".join(
        str([{k: v for k, v in b.items() if k != "accessory"} for b in m.blocks or ()])
        + str(
            [o["text"] for b in m.blocks or () for o in b.get("accessory", {}).get("options", ())]
        )
        for m in slack.posts
    )
    assert "Not about Semiconductors" in posted
    assert "Semiconductors" in posted
    assert "*Exhibitions* (1)" in posted and "1 exhibition" in posted
    assert "semiconductors" not in posted.replace("Semiconductors", "")
