"""Bounds on what pages and files bring: a 50,000-character title is cut in the digest (it
filled 6 of 7 messages), a Markdown link in a title stays text in Dagster's metadata (it became
a live link), and a subscriptions file saved in Latin-1 exits 2 with one line (it exited 1)."""

from __future__ import annotations

import copy
from pathlib import Path

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles
from dagster_project.cli import execute
from pipelines.digest.mrkdwn import MAX_FIELD_CHARS, MAX_MESSAGE_CHARS, MAX_SECTION_CHARS
from tests.conftest import compact_copy, compact_span, loopback_settings
from tests.helpers.db import stored_urls
from tests.helpers.processes import cli_env, run
from tests.slack_server import SlackServer

from .conftest import fault

LONG_TITLE = 50_000


def test_a_huge_title_and_a_markdown_title_are_bounded_and_inert(
    sqlite_url: str, slack: SlackServer, tmp_path: Path
) -> None:
    articles = copy.deepcopy(compact_copy(load_bundled_articles()))
    plain = [a for a in articles if a["labels"]["topics"] and not a["labels"]["events"]]
    huge = plain[0]
    # The newest article: the run's metadata lists the newest titles.
    linked = max(articles, key=lambda a: a["published"])
    huge["title"] = ("Chongqing talent programme " * (LONG_TITLE // 27 + 1))[:LONG_TITLE]
    linked["title"] = "[click me](http://evil.example/) " + linked["title"]
    since, until = compact_span()
    with SiteServer(build_site(articles)) as site:
        settings = loopback_settings(site.url, sqlite_url, tmp_path / "data", slack)
        outcome = execute(settings, since=since, until=until)
        assert outcome.ok, outcome.problem
        posts = list(slack.posts)
        again = execute(settings, since=since, until=until)
        assert again.ok, again.problem
    stored = stored_urls(sqlite_url)
    assert len(stored) == len(articles) and max(stored.values()) == 1
    assert len(slack.posts) == len(posts), "the next run delivered again"
    sizes = []
    for message in posts:
        texts = [str(b.get("text", {}).get("text", "")) for b in message.blocks or []
                 if isinstance(b.get("text"), dict)]  # fmt: skip
        assert all(len(t) <= MAX_SECTION_CHARS for t in texts)
        sizes.append(sum(map(len, texts)))
    assert max(sizes) <= MAX_MESSAGE_CHARS and len(posts) <= 3
    posted = "\n".join(str(b.get("text", {}).get("text", "")) for m in posts for b in m.blocks or []
                       if isinstance(b.get("text"), dict))  # fmt: skip
    assert "Chongqing talent programme" in posted and "…" in posted
    assert posted.count("Chongqing talent programme") <= MAX_FIELD_CHARS // 20
    newest = str(outcome.metadata["articles"]["newest"])
    assert r"\[click me\]\(http://evil\.example/\)" in newest
    assert "[click me](http://evil.example/)" not in newest
    fault(
        f"a {LONG_TITLE:,}-character title and a Markdown link in a title: exit 0, "
        f"{len(posts)} digest message(s) (largest {max(sizes):,} characters), title cut to "
        f"{MAX_FIELD_CHARS}; metadata shows the link as text; next run delivered nothing again"
    )


def test_a_latin1_subscriptions_file_exits_2_with_one_line(tmp_path: Path) -> None:
    subscriptions = tmp_path / "subscriptions.yaml"
    subscriptions.write_bytes(
        "subscriptions:\n  - name: desk\n    channel: C0TALENT01\n    keywords: [café]\n".encode(
            "latin-1"
        )
    )
    env = cli_env(CQMONITOR_SUBSCRIPTIONS=str(subscriptions))
    done = run(["subscriptions", "--database-url", f"sqlite:///{tmp_path / 'db.sqlite'}"],
               cwd=tmp_path, env=env)  # fmt: skip
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert "not UTF-8 text (byte 0xe9" in line and "save it as UTF-8" in line
    fault(f"Latin-1 subscriptions file: exit 2: {line}")
