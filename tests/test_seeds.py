"""The two seed articles the project started from, crawled from ../shared/site-sample.

The seeds are naive page dumps (boilerplate included); the stored rows must hold the same title,
instant, authors and the article's own text without the boilerplate. Skipped without ../shared.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from crawlers.sitecopy import SiteServer
from crawlers.sitecopy.render import Page
from dagster_project.cli import execute
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, Event
from tests.conftest import loopback_settings
from tests.helpers.text import BOILERPLATE, CAPTION, overlap

TYPES = {".html": "text/html; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain"}


def sample_pages(root: Path) -> dict[str, Page]:
    pages: dict[str, Page] = {}
    when = datetime(2024, 11, 26, tzinfo=UTC)
    for file in root.rglob("*"):
        if not file.is_file():
            continue
        relative = "/" + file.relative_to(root).as_posix()
        path = re.sub(r"index\.(html|xml)$", "", relative)
        pages[path] = Page(file.read_bytes(), TYPES.get(file.suffix, "text/plain"), when)
    return pages


def test_seed_articles_are_stored_right(shared_dir: Path, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'seeds.db'}"
    with SiteServer(sample_pages(shared_dir / "site-sample")) as site:
        settings = loopback_settings(site.url, db, tmp_path / "data")
        ok, _, reason = execute(settings, since="2023-01-16", until="2024-11-26", digest=False)
    assert ok, reason
    engine = make_engine(db)
    with session_scope(session_factory(engine)) as session:
        stored = {a.title: a for a in session.scalars(select(Article))}
        kinds = {(e.kind, e.name) for e in session.scalars(select(Event))}
    engine.dispose()
    assert len(stored) == 2
    seeds = {p.read_text(encoding="utf-8") for p in (shared_dir / "seeds").glob("*.txt")}
    expected = {
        "Chongqing Aerospace Talent Conference Accelerates Sector Development, Innovation": (
            datetime(2024, 11, 26, 9, 32, tzinfo=UTC),
            "",
        ),
        "Chongqing Spotlights Talent Attraction and Industrialization of ICVs and NEVs丨CPPCC "
        "Members": (datetime(2023, 1, 16, 7, 20, tzinfo=UTC), "YUTING CHEN"),
    }
    for title, (instant, author) in expected.items():
        article = stored[title]
        assert article.published_at == instant
        assert article.author == author
        assert not any(b in article.body_text for b in BOILERPLATE)
        seed = next(s for s in seeds if article.body_text.split("\n")[0][:80] in s)
        # The seed's own lines: everything that is neither boilerplate, title nor byline.
        truth = "\n".join(
            line
            for line in seed.splitlines()
            if line.strip()
            and not any(b in line for b in BOILERPLATE)
            and line.strip() != title
            and not line.startswith("By ")
            and not CAPTION.search(line)
        )
        precision, recall = overlap(article.body_text, truth)
        assert precision >= 0.98 and recall >= 0.98, (title, precision, recall)
    assert (
        "alliance",
        "Chongqing Excellent Engineer (Aerospace Information) Training Alliance",
    ) in kinds
    assert ("conference", "Aerospace Information Industry Talents Development Conference") in kinds
    assert any(kind == "proposal" and "talent attraction" in name for kind, name in kinds)
