"""``cqmonitor reclassify``: a changed taxonomy recomputes stored topics and events, no crawl."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.cli import execute, main
from pipelines.storage.db import make_engine, session_factory, session_scope
from pipelines.storage.models import Article, ArticleTopic
from pipelines.taxonomy import load_taxonomy
from tests.conftest import compact_copy, compact_span, loopback_settings

PACKAGED = Path(__file__).resolve().parents[1] / "pipelines" / "taxonomy.yaml"


def topics(db: str) -> dict[str, set[str]]:
    engine = make_engine(db)
    found: dict[str, set[str]] = {}
    with session_scope(session_factory(engine)) as session:
        for url, topic, version in session.execute(
            select(Article.url, ArticleTopic.topic, ArticleTopic.taxonomy_version).join(
                ArticleTopic
            )
        ):
            found.setdefault(topic, set()).add(url)
            assert version
    engine.dispose()
    return found


def test_reclassify_uses_the_new_taxonomy_without_crawling(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    since, until = compact_span()
    with SiteServer(build_site(compact_copy(load_bundled_articles()))) as site:
        settings = loopback_settings(site.url, sqlite_url, tmp_path / "data")
        ok, _, reason = execute(settings, since=since, until=until, digest=False)
        assert ok, reason
    before = topics(sqlite_url)
    assert before.get("aerospace_information")

    # An operator raises the aerospace threshold out of reach: no article is on it any more.
    data = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    data["topics"]["aerospace_information"]["threshold"] = 10_000
    changed = tmp_path / "taxonomy.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CQMONITOR_TAXONOMY", str(changed))
    # The site is gone: reclassify must not need it.
    assert main(["reclassify", "--database-url", sqlite_url]) == 0
    out = capsys.readouterr().out
    assert load_taxonomy(changed).version in out
    after = topics(sqlite_url)
    assert "aerospace_information" not in after
    assert after.get("talent") == before.get("talent")
    assert after.get("nev_icv") == before.get("nev_icv")


def test_a_broken_taxonomy_is_refused_with_its_key_path(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = tmp_path / "taxonomy.yaml"
    data = yaml.safe_load(PACKAGED.read_text(encoding="utf-8"))
    data["topics"]["talent"]["terms"]["talent"] = "high"
    broken.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("CQMONITOR_TAXONOMY", str(broken))
    assert main(["reclassify", "--database-url", sqlite_url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "topics.talent.terms.talent" in err[0]
