"""The spider as a user runs it: `scrapy crawl ichongqing` from the project root, on loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from crawlers import settings as crawler_settings
from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from crawlers.sitecopy.render import article_url

ROOT = Path(__file__).resolve().parents[1]


def crawl(url: str, out: Path, *args: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "ichongqing", "-a", f"source_url={url}",
         "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-O", f"{out}:jsonlines",
         *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line]


def test_crawl_since_a_date_from_the_project_root(tmp_path: Path) -> None:
    bundled = load_bundled_articles()
    with SiteServer(build_site(bundled)) as site:
        items = crawl(site.url, tmp_path / "items.jsonl", "-a", "since=2025-03-01")
        requests = site.requests
    articles = {i["url"]: i for i in items if i["kind"] == "article"}
    expected = {
        article_url(a)
        for a in bundled
        if datetime.fromisoformat(a["published"]).date() >= date(2025, 3, 1)
    }
    assert set(articles) == expected
    for record in bundled:
        item = articles.get(article_url(record))
        if item is None:
            continue
        assert item["title"] == record["title"]
        assert item["authors"] == record["authors"]
        assert datetime.fromisoformat(item["published_at"]) == datetime.fromisoformat(
            record["published"]
        ).astimezone(UTC)
        for name in ("title", "published_at", "authors"):
            assert item["extraction"][name]["source"], f"{name} has no source"
    # Polite: robots.txt first, its disallowed paths never, one identified user agent.
    assert requests[0].key == "/robots.txt"
    assert not [r for r in requests if r.key.startswith(("/ads/", "/wp-admin/"))]
    agents = {r.headers.get("User-Agent", "") for r in requests}
    assert len(agents) == 1 and "cqmonitor" in agents.pop()


def test_default_settings_are_polite() -> None:
    assert crawler_settings.ROBOTSTXT_OBEY is True
    assert crawler_settings.CONCURRENT_REQUESTS_PER_DOMAIN == 1
    assert crawler_settings.DOWNLOAD_DELAY >= 1
    assert crawler_settings.AUTOTHROTTLE_ENABLED is True
    assert "+http" in crawler_settings.USER_AGENT and "cqmonitor" in crawler_settings.USER_AGENT
