"""Poisoned pages never block the runs after them (on SQLite and PostgreSQL).

A compact copy of the site (36 articles over 6 days) with six bad pages: a NUL byte in a title,
in a body and in the JSON-LD, a 2,060-character link, an 887-character event name, a post id
beyond 32 bits. PostgreSQL refused the whole crawl for any of the first five (every later run
too, "0 of 35 stored"). Now the values are cleaned or bounded, the over-long link is quarantined
(named by ``cqmonitor status``), every other article is stored once and the digest goes out;
once the link is fixed, the next run stores that article and delivers it, and nothing twice.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, article_path, build_site, load_bundled_articles
from dagster_project.cli import execute, main
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, CrawlFailure, Delivery, Event, QuarantinedItem
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.helpers.db import stored_urls
from tests.slack_server import SlackServer

from .conftest import fault

LINK_LENGTH = 2060
EVENT_NAME_LENGTH = 887
CANONICAL = "https://www.ichongqing.info"
WORDS = ("Chongqing", "Western", "Regional", "Intelligent", "Connected", "Vehicle",
         "Aerospace", "Information", "Talent", "Innovation", "Industry", "Development")  # fmt: skip


def long_event_name() -> str:
    words = itertools.cycle(WORDS)
    name = "Conference"
    while len(name) < EVENT_NAME_LENGTH:
        name = f"{next(words)} {name}"
    return name


def poisoned_site() -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, str]]:
    """(articles, pages, what each poisoned article's path holds)."""
    articles = copy.deepcopy(compact_copy(load_bundled_articles()))
    with_jsonld = [a for a in articles if a["shape"].get("jsonld")]
    nul_title, nul_body, nul_jsonld, long_link, long_event, big_id = with_jsonld[:6]
    nul_title["title"] += "\x00 poisoned"
    nul_body["blocks"].insert(0, {"p": "Before\x00after a NUL byte, \x01\x1f and more."})
    prefix = len(CANONICAL) + len(article_path({**long_link, "slug": ""}))
    long_link["slug"] = "x" * (LINK_LENGTH - prefix - 1)
    name = long_event_name()
    long_event["blocks"].insert(
        0, {"p": f"The 2025 {name} opened in Chongqing on March 3, 2025, with 500 experts."}
    )
    big_id["post_id"] = 99_999_999_999
    pages = build_site(articles)
    path = article_path(nul_jsonld)
    page = pages[path]
    assert b'"headline": "' in page.body
    pages[path] = replace(
        page, body=page.body.replace(b'"headline": "', b'"headline": "\\u0000', 1)
    )
    what = {
        article_path(nul_title): "NUL in title",
        article_path(nul_body): "NUL in body",
        path: "NUL in JSON-LD",
        article_path(long_link): f"{LINK_LENGTH}-character link",
        article_path(long_event): f"{len(name)}-character event name",
        article_path(big_id): "post id 99,999,999,999",
    }
    return articles, pages, what


def posted_paths(slack: SlackServer, start: int = 0) -> set[str]:
    """Article paths linked in the messages posted from the ``start``-th on."""
    texts = [
        str(block.get("text", {}).get("text", ""))
        for message in slack.posts[start:]
        for block in message.blocks or ()
        if isinstance(block.get("text"), dict)
    ]
    return {p for text in texts for p in re.findall(r"/20\d\d/\d\d/\d\d/[^|>\s]+/", text)}


def test_poisoned_pages_are_stored_clean_or_quarantined_and_never_block(
    database_url: str, slack: SlackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles, pages, what = poisoned_site()
    since, until = compact_span()
    with SiteServer(pages) as site:
        settings = loopback_settings(site.url, database_url, tmp_path / "data", slack)
        first = execute(settings, since=since, until=until)
        assert first.ok, first.problem
        stored = stored_urls(database_url)
        assert len(stored) == len(articles) - 1 and max(stored.values()) == 1
        long_path = next(p for p, w in what.items() if "link" in w)
        assert not any(long_path in url for url in stored)
        first_posts = posted_paths(slack)
        assert first_posts

        assert main(["status", "--database-url", database_url]) == 0
        status = capsys.readouterr().out
        assert "quarantined items: 1" in status and "longer than 2048 characters" in status

        # The site fixes its link: the next run stores that article and delivers only what is new.
        fixed = copy.deepcopy(articles)
        target = next(a for a in fixed if article_path(a) == long_path)
        target["slug"] = "a-short-address-at-last"
        slack_before = len(slack.posts)
        site.set_pages(build_site(fixed))
        second = execute(settings, since=since, until=until)
        assert second.ok, second.problem
    stored = stored_urls(database_url)
    assert len(stored) == len(articles) and max(stored.values()) == 1
    assert any("a-short-address-at-last" in url for url in stored)
    second_posts = posted_paths(slack, slack_before)
    assert not second_posts & first_posts, "an article was delivered twice"

    engine = make_engine(database_url)
    with session_scope(session_factory(engine)) as session:
        rows = session.scalars(select(Article)).all()
        assert not any("\x00" in a.title or "\x00" in a.body_text for a in rows)
        assert not any("\\u0000" in str(a.extraction) or "\x00" in str(a.extraction) for a in rows)
        names = [len(e.name) for e in session.scalars(select(Event))]
        keys = [len(e.event_key) for e in session.scalars(select(Event))]
        held = session.scalars(select(QuarantinedItem)).all()
        delivered = Counter(
            (d.subscription, d.item_type, d.item_key) for d in session.scalars(select(Delivery))
        )
    engine.dispose()
    assert max(names) >= EVENT_NAME_LENGTH and max(keys) <= 512
    (held_item,) = held
    assert long_path.strip("/") in (held_item.url or "") and len(held_item.url or "") > 2048
    assert delivered and max(delivered.values()) == 1
    fault(
        f"{len(what)} poisoned pages ({', '.join(what.values())}) on {database_url.split(':')[0]}: "
        f"run 1 exit 0, {len(articles) - 1} of {len(articles)} stored once, 1 quarantined, "
        f"digest posted; link fixed, run 2 exit 0, {len(stored)} stored once, "
        f"{len(second_posts)} new item(s) posted, none twice"
    )


TRIGGERS = {
    "sqlite": [
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON articles "
        "WHEN instr(NEW.title, 'refuse me') > 0 BEGIN "
        "SELECT RAISE(ABORT, 'refused by a check of the operator'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
        "IF position('refuse me' in NEW.title) > 0 THEN "
        "RAISE EXCEPTION 'refused by a check of the operator'; END IF; RETURN NEW; END $$ "
        "LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_poison BEFORE INSERT ON articles FOR EACH ROW "
        "EXECUTE FUNCTION refuse_poison()",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER refuse_poison"],
    "postgresql": ["DROP TRIGGER refuse_poison ON articles", "DROP FUNCTION refuse_poison()"],
}


def article_items(count: int, refused: int) -> list[Any]:
    from pipelines.core.items import item_from_record

    return [
        item_from_record({
            "kind": "article",
            "url": f"https://www.ichongqing.info/2025/03/04/story-{n}/",
            "title": f"Story {n}" + (" refuse me" if n == refused else ""),
            "published_at": "2025-03-04T00:30:00+08:00",
            "body_text": f"Chongqing - story number {n}.",
        })
        for n in range(count)
    ]  # fmt: skip


def test_an_item_the_database_refuses_is_quarantined_and_the_rest_stored(
    database_url: str,
) -> None:
    """The database itself refuses one item of 450 (a trigger, as an operator's check would):
    its batch is re-applied item by item, the item is quarantined with the database's reason,
    449 are stored; once the check is gone, the item is stored and its quarantine resolved."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from pipelines.storage.db import migrate
    from pipelines.storage.ingest import apply_crawl_items

    migrate(database_url)
    engine = make_engine(database_url)
    dialect = engine.dialect.name
    factory = session_factory(engine)
    with engine.begin() as conn:
        for statement in TRIGGERS[dialect]:
            conn.exec_driver_sql(statement)
    now = datetime(2025, 3, 5, tzinfo=UTC)
    with session_scope(factory) as session:
        result = apply_crawl_items(session, article_items(450, refused=201), now=now, crawl_id=7)
    assert len(result.new_ids) == 449 and len(result.quarantined) == 1
    with session_scope(factory) as session:
        (held,) = session.scalars(select(QuarantinedItem)).all()
        assert held.url and held.url.endswith("/story-201/") and held.crawl_run_id == 7
        assert "refused by a check of the operator" in held.reason and held.resolved_at is None
        assert "refuse me" in held.raw
        # Also a failure to retry: the next crawl fetches the page again.
        (retry,) = session.scalars(select(CrawlFailure)).all()
        assert retry.url == held.url and retry.reason.startswith("quarantined: ")
    with engine.begin() as conn:
        for statement in DROP[dialect]:
            conn.exec_driver_sql(statement)
    with session_scope(factory) as session:
        again = apply_crawl_items(session, article_items(450, refused=201), now=now, crawl_id=8)
    assert len(again.new_ids) == 1 and again.unchanged == 449 and not again.quarantined
    with session_scope(factory) as session:
        (held,) = session.scalars(select(QuarantinedItem)).all()
        assert held.resolved_at is not None
        assert session.scalars(select(CrawlFailure)).one().resolved_at is not None
        assert session.execute(text("SELECT count(*) FROM articles")).scalar_one() == 450
    engine.dispose()
    fault(
        f"one of 450 items refused by the database ({dialect}): 449 stored, 1 quarantined "
        f"({held.reason}); check removed, next crawl stored it, quarantine resolved"
    )
