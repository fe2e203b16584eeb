"""Delivering many subscriptions: wall time and peak memory of one ``cqmonitor run``.

A loopback copy of the site (the compact copy: 36 articles) is stored once without a digest;
then ``cqmonitor run`` (a real process) delivers a subscriptions file of ``--subscriptions``
daily subscriptions (names ``team-0001`` ..., filters cycling over topics, kinds and keywords,
each with a channel of its own) to the loopback Slack stand-in. Figures: the run's wall time,
its peak resident memory (the cqmonitor process: the crawl's own process is smaller), the
messages posted, and whether every subscription got its digest once.

Run: ``.venv/bin/python benchmarks/subscriptions.py [--subscriptions 1000]``. Exits non-zero
when a digest is missing or posted twice, or a target is missed: < 60 s, < 300 MB.
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import yaml  # noqa: E402

from crawlers.sitecopy import SiteServer, build_site, load_bundled_articles  # noqa: E402
from dagster_project.cli import execute  # noqa: E402
from tests.conftest import compact_copy, compact_span, loopback_settings  # noqa: E402
from tests.slack_server import SlackServer  # noqa: E402

TARGET_SECONDS = 60.0
TARGET_MB = 300.0
TOPICS = [["talent"], ["aerospace_information"], ["nev_icv"], []]
KINDS = [["conference", "alliance", "proposal"], ["proposal"], ["conference"]]
KEYWORDS = [[], ["Chongqing"], ["alliance", "forum"]]


def subscriptions(count: int) -> tuple[list[dict[str, object]], dict[str, str]]:
    """``count`` daily subscriptions, each with a channel of its own; (entries, channels)."""
    filters = itertools.cycle(itertools.product(range(len(TOPICS)), KINDS, KEYWORDS, (True, False)))
    entries, channels = [], {}
    for n in range(1, count + 1):
        topic, kinds, keywords, articles = next(filters)
        channel = f"C0B{n:07d}"
        channels[channel] = f"team-{n:04d}"
        entry: dict[str, object] = {"name": f"team-{n:04d}", "channel": channel, "kinds": kinds,
                                    "articles": articles}  # fmt: skip
        if TOPICS[topic]:
            entry["topics"] = TOPICS[topic]
        if keywords:
            entry["keywords"] = keywords
        entries.append(entry)
    return entries, channels


def _numbered(posts: list[object], channel: str) -> bool:
    """Whether the channel's top-level messages are the numbered parts of one digest."""
    texts = [str(getattr(m, "text", "")) for m in posts if getattr(m, "channel", "") == channel]
    return all("(" in t and "/" in t for t in texts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=1000)
    args = parser.parse_args()
    entries, channels = subscriptions(args.subscriptions)
    since, until = compact_span()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        database = f"sqlite:///{work / 'bench.db'}"
        subs = work / "subscriptions.yaml"
        subs.write_text(yaml.safe_dump({"subscriptions": entries}), encoding="utf-8")
        with (
            SiteServer(build_site(compact_copy(load_bundled_articles()))) as site,
            SlackServer(channels=channels) as slack,
        ):
            stored = execute(
                loopback_settings(site.url, database, work / "data"),
                since=since,
                until=until,
                digest=False,
            )
            assert stored.ok, stored.problem
            env = {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                   "SLACK_BOT_TOKEN": slack.token, "SLACK_API_URL": slack.url,
                   "CQMONITOR_SUBSCRIPTIONS": str(subs),
                   "CQMONITOR_DATA_DIR": str(work / "data")}  # fmt: skip
            command = [sys.executable, "-m", "dagster_project.cli", "run", "--source-url",
                       site.url, "--database-url", database, "--delay", "0",
                       "--since", since, "--until", until]  # fmt: skip
            start = time.monotonic()
            done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True)
            wall = time.monotonic() - start
            peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            posts = slack.posts
    by_channel = Counter(m.channel for m in posts if not getattr(m, "thread_ts", None))
    got = len(by_channel)
    # A digest is one top-level message, or several numbered ones: count the first of each.
    twice = [c for c, n in by_channel.items() if n > 1 and not _numbered(posts, c)]
    distinct = {
        str((e.get("topics"), e["kinds"], e.get("keywords"), e["articles"])) for e in entries
    }
    print(f"subscriptions: {args.subscriptions} ({len(distinct)} distinct filters)")
    print(f"run: exit {done.returncode}, {wall:.1f} s wall, peak RSS {peak_mb:.0f} MB")
    print(f"slack: {len(posts)} messages, {got} channels got a digest")
    if done.returncode != 0:
        print(done.stderr.strip()[-2000:])
    ok = done.returncode == 0 and wall < TARGET_SECONDS and peak_mb < TARGET_MB and not twice
    print(f"targets (< {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
