"""Instant alerts over a simulated day: publication-to-alert delay and requests per poll.

A loopback copy of the site receives ``--articles`` stories at random instants of a simulated
day (seeded; the bundled copy's stories, under new addresses, so most report an event); the
15-minute poll (the instant alert job: a feed-only incremental crawl, then the alerts) runs 96
times, the clock compressed: before poll k, every story "published" since poll k-1 is put on
the site with its publication instant set to the real present, so the crawler treats it as
new. A story's delay is the simulated wait until the next poll plus the real time that poll took
to post its alert to the loopback Slack stand-in. Requests are counted from the site's log.

Run: ``.venv/bin/python benchmarks/alerts.py [--articles N] [--polls N] [--seed N]``.
Exits non-zero when an alert is missing or posted twice, or a target is missed: p95 delay
<= one poll interval + 60 s; a poll with nothing new: 1 request. No network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import copy
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import yaml  # noqa: E402

from crawlers.sitecopy import (  # noqa: E402
    SiteServer,
    article_url,
    build_site,
    load_bundled_articles,
)
from dagster_project.cli import execute  # noqa: E402
from dagster_project.cli.execute import execute_poll  # noqa: E402
from dagster_project.errors import failure_reason  # noqa: E402
from pipelines.core.instants import CST  # noqa: E402
from pipelines.settings import Settings  # noqa: E402
from tests.slack_server import SlackServer  # noqa: E402

POLL = timedelta(minutes=15)
MAX_P95 = POLL + timedelta(seconds=60)
CHANNEL = "C0ALERT001"


def stories(n: int, seed: int) -> list[tuple[timedelta, dict]]:
    """``n`` stories, each with the instant of the simulated day it is published at."""
    rng = random.Random(seed)
    bundled = load_bundled_articles()
    out = []
    for i in range(n):
        record = copy.deepcopy(bundled[i % len(bundled)])
        record.update(id=f"SIM{i}", post_id=880000 + i, slug=f"{record['slug']}-sim-{i}")
        record.pop("modified", None)
        out.append((timedelta(seconds=rng.uniform(0, 24 * 3600)), record))
    return sorted(out, key=lambda pair: pair[0])


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=24)
    parser.add_argument("--polls", type=int, default=96)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    day = stories(args.articles, args.seed)
    subscription = {"name": "all-now", "channel": CHANNEL, "delivery": "instant"}
    work = Path(tempfile.mkdtemp(prefix="cqm-alerts-"))
    (work / "subs.yaml").write_text(yaml.safe_dump({"subscriptions": [subscription]}))
    requests_with, requests_without, delays = [], [], []
    alerted_per_story: Counter[str] = Counter()
    # One top-level alert per event: the same "New <kind>: <name>" twice is a double post.
    alert_texts: Counter[str] = Counter()
    with SiteServer(build_site([])) as site, SlackServer(channels={CHANNEL: "alerts"}) as slack:
        settings = replace(
            Settings.from_env(env={}),
            source_url=site.url,
            database_url=f"sqlite:///{work / 'cqmonitor.db'}",
            delay=0.0,
            data_dir=str(work / "data"),
            slack_token=slack.token,
            slack_api_url=slack.url,
            subscriptions_path=str(work / "subs.yaml"),
        ).validate()
        # The day before: an empty site, crawled once, so the polls are incremental.
        today = datetime.now(UTC).astimezone(CST).date()
        ok, _, reason = execute(settings, since=today.isoformat(), until=today.isoformat())
        if not ok:
            raise SystemExit(f"the first crawl failed: {reason}")
        on_site: list[dict] = []
        pending = list(day)
        for k in range(1, args.polls + 1):
            at = POLL * k
            fresh = []
            while pending and pending[0][0] <= at:
                published_at, record = pending.pop(0)
                record["published"] = (
                    (datetime.now(UTC).astimezone(CST) - timedelta(seconds=5))
                    .replace(microsecond=0)
                    .isoformat()
                )
                fresh.append((published_at, record))
            if fresh:
                on_site += [record for _, record in fresh]
                site.set_pages(build_site(on_site))
            site.clear_requests()
            posts_before = len(slack.posts)
            started = time.perf_counter()
            result = execute_poll(settings)
            if not result.success:
                raise SystemExit(f"poll {k} failed: {failure_reason(list(result.all_events))}")
            took = time.perf_counter() - started
            count = len(site.requests)
            (requests_with if fresh else requests_without).append(count)
            new_posts = slack.posts[posts_before:]
            alert_texts.update(m.text for m in new_posts if m.thread_ts is None)
            for published_at, record in fresh:
                hits = [m for m in new_posts if article_url(record) in str(m.blocks)]
                alerted_per_story[record["id"]] += len(hits)
                if not hits and args.verbose:
                    print(f"poll {k}: no alert for {record['slug']}")
                if hits:
                    delays.append((at - published_at).total_seconds() + took)
    twice = [text for text, n in alert_texts.items() if n > 1]
    alerted = sum(1 for n in alerted_per_story.values() if n)
    total = sum(requests_with) + sum(requests_without)
    print(f"simulated day: {args.articles} stories, {args.polls} polls (seed {args.seed})")
    print()
    print("| figure | value |")
    print("| --- | ---: |")
    print(f"| stories alerted (they report an event) | {alerted} of {args.articles} |")
    print(f"| alerts posted (one per event) | {sum(alert_texts.values())} |")
    if delays:
        print(f"| publication-to-alert delay, median | {statistics.median(delays) / 60:.1f} min |")
        print(f"| publication-to-alert delay, p95 | {percentile(delays, 0.95) / 60:.1f} min |")
        print(f"| publication-to-alert delay, max | {max(delays) / 60:.1f} min |")
    if requests_with:
        print(f"| requests per poll with news (mean) | {statistics.mean(requests_with):.1f} |")
    if requests_without:
        print(f"| requests per poll with nothing new | {Counter(requests_without).most_common()} |")
    print(f"| requests per day | {total} |")
    failures = []
    if twice:
        failures.append(f"alerted twice: {twice}")
    if not delays or percentile(delays, 0.95) > MAX_P95.total_seconds():
        failures.append("p95 delay over one poll interval + 60 s")
    if requests_without and max(requests_without) > 1:
        failures.append(f"a poll with nothing new made {max(requests_without)} requests")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
