"""One run with the clock 30 days ahead does not make later runs skip the news.

Before, its crawl (dated 30 days ahead) was taken as the last success: runs on the right clock
used the window ``incremental <30 days ahead> .. now``, exited 0 and never requested the new
stories. Now a crawl dated after now is no last success, the window never starts after now, and
the run says "clock jump". The ahead run is in process under ``time_machine`` (Dagster, the
store and the window see the shifted clock; the crawl's own process keeps the host's).
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import time_machine

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.cli import execute
from pipelines.core.instants import CST
from tests.conftest import compact_copy, loopback_settings
from tests.helpers.db import crawls, stored_urls
from tests.slack_server import SlackServer

from .conftest import fault

AHEAD = timedelta(days=30)


def recent_site(now: datetime) -> list[dict[str, Any]]:
    """The compact copy folded into the six days before today (CST)."""
    first = (now.astimezone(CST) - timedelta(days=6)).date().isoformat()
    return compact_copy(load_bundled_articles(), first=first, days=6)


def new_stories(articles: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Two stories published an hour ago, copies of two others under new addresses."""
    stories = []
    # On a topic, with no event: each is delivered as an article of its own.
    plain = [a for a in articles if a["labels"]["topics"] and not a["labels"]["events"]]
    for n, original in enumerate(plain[:2]):
        story = copy.deepcopy(original)
        story["id"] = f"NEW{n}"
        story["post_id"] = 990000 + n
        story["slug"] = f"breaking-news-after-the-clock-jump-{n}"
        story["title"] = f"Breaking news after the clock jump {n}"
        story["published"] = (
            (now - timedelta(hours=1)).astimezone(CST).isoformat(timespec="seconds")
        )
        story.pop("modified", None)
        stories.append(story)
    return stories


def test_a_run_with_the_clock_ahead_does_not_hide_later_news(
    sqlite_url: str, slack: SlackServer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    articles = recent_site(now)
    with SiteServer(build_site(articles)) as site:
        settings = loopback_settings(site.url, sqlite_url, tmp_path / "data", slack)
        first = execute(settings, since=None, until=None)
        assert first.ok, first.problem
        assert len(stored_urls(sqlite_url)) == len(articles)
        with time_machine.travel(now + AHEAD, tick=True):
            ahead = execute(settings, since=None, until=None)
        assert ahead.ok, ahead.problem
        future = crawls(sqlite_url)[-1]
        assert future.started_at > now + AHEAD - timedelta(minutes=1)

        fresh = new_stories(articles, now)
        site.set_pages(build_site(articles + fresh))
        posts = len(slack.posts)
        later = execute(settings, since=None, until=None)
        assert later.ok, later.problem
        stored = stored_urls(sqlite_url)
        assert len(stored) == len(articles) + 2 and max(stored.values()) == 1
        assert all(any(s["slug"] in url for url in stored) for s in fresh)
        raw = later.metadata["raw_articles"]
        assert str(raw["window"]).startswith("incremental ")
        since = date.fromisoformat(str(raw["window"]).split()[1])
        assert since <= now.astimezone(CST).date()
        assert str(raw["clock_warning"]).startswith(f"clock jump: crawl {future.id} is dated")
        posted = "\n".join(str(m.text) for m in slack.posts[posts:])
        delivered = len(slack.posts) - posts
        assert delivered > 0 and all(s["title"] in posted for s in fresh if s["title"])

        again = execute(settings, since=None, until=None)
        assert again.ok, again.problem
    assert stored_urls(sqlite_url) == stored
    assert len(slack.posts) == posts + delivered, "the next run delivered again"
    fault(
        f"a run with the clock {AHEAD.days} days ahead: exit 0; the next run on the right clock "
        f"used window {raw['window']} and warned ({raw['clock_warning'][:60]}...); both new "
        f"stories stored and delivered once; {len(stored)} articles stored once"
    )
