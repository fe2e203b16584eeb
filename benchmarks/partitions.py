"""Orchestration cost of a long window: ``cqmonitor run --since 2015-01-01`` against a run with
``--since`` a month back, on the bundled copy of the site served on 127.0.0.1.

Each run is a real ``cqmonitor run --no-digest`` process (fresh SQLite database, delay 0) against
``SiteServer``; the bundled copy's articles are moved into the last month so that both windows
hold the same articles and only the span of partitions differs. Three repetitions each; the
median wall time is compared. Target (issue "One clear shape"): the long window within 2x of
the short one. Also times the same two windows over daily partitions of two trivial assets, to
show what monthly partitions save.

Run: ``.venv/bin/python benchmarks/partitions.py [--repeat N]``. Exits non-zero when a run
fails or the target is missed. No network beyond 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

from crawlers.sitecopy import (  # noqa: E402
    SiteServer,
    build_site,
    folded_copy,
    load_bundled_articles,
)
from pipelines.core.instants import CST  # noqa: E402

MAX_RATIO = 2.0


def run_once(site_url: str, since: str, work: Path) -> tuple[float, str]:
    env = {
        **os.environ,
        "CQMONITOR_SOURCE_URL": site_url,
        "CQMONITOR_DATABASE_URL": f"sqlite:///{work / 'cqmonitor.db'}",
        "CQMONITOR_DOWNLOAD_DELAY": "0",
        "CQMONITOR_DATA_DIR": str(work / "data"),
        # The partitions start in 2023 by default; this benchmark measures the whole history.
        "CQMONITOR_FIRST_MONTH": "2015-01",
    }
    for name in ("SLACK_BOT_TOKEN", "CQMONITOR_TAXONOMY"):
        env.pop(name, None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "run", "--since", since, "--no-digest"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"run --since {since} failed: {done.stderr.strip()}")
    first = done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""
    return wall, first


def daily_toy(first: str, last: str) -> float:
    """Wall seconds of one ranged run of two trivial assets over daily partitions."""
    import dagster as dg

    warnings.filterwarnings("ignore", category=dg.BetaWarning)
    days = dg.DailyPartitionsDefinition(start_date="2015-01-01", timezone="Asia/Shanghai")

    @dg.asset(partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run())
    def a() -> None: ...

    @dg.asset(partitions_def=days, backfill_policy=dg.BackfillPolicy.single_run(), deps=[a])
    def b() -> None: ...

    started = time.perf_counter()
    dg.materialize(
        [a, b],
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
        run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}},
    )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    today = datetime.now(UTC).astimezone(CST).date()
    month_back = today - timedelta(days=30)
    articles = folded_copy(load_bundled_articles(), first=month_back.isoformat(), days=28)
    windows = {"--since 2015-01-01": "2015-01-01", f"--since {month_back}": month_back.isoformat()}
    results: dict[str, list[float]] = {w: [] for w in windows}
    summary: dict[str, str] = {}
    with SiteServer(build_site(articles)) as site:
        for _ in range(args.repeat):
            for label, since in windows.items():
                with tempfile.TemporaryDirectory(prefix="cqm-bench-") as tmp:
                    wall, first_line = run_once(site.url, since, Path(tmp))
                results[label].append(wall)
                summary[label] = first_line
    medians = {label: statistics.median(values) for label, values in results.items()}
    long_label, short_label = list(windows)
    ratio = medians[long_label] / medians[short_label]
    months = (today.year - 2015) * 12 + today.month
    print(f"bundled copy: {len(articles)} articles, {month_back} .. {today}; {months} months")
    print()
    print("| run | partitions | median wall (s) | runs (s) | first summary line |")
    print("| --- | ---: | ---: | --- | --- |")
    parts = {long_label: months, short_label: 2 if month_back.month != today.month else 1}
    for label in windows:
        runs = ", ".join(f"{v:.1f}" for v in results[label])
        print(
            f"| `cqmonitor run {label} --no-digest` | {parts[label]} | {medians[label]:.1f} "
            f"| {runs} | {summary[label]} |"
        )
    print()
    print(f"long / short window: {ratio:.2f}x (target <= {MAX_RATIO:.1f}x)")
    toy_long = daily_toy("2015-01-01", today.isoformat())
    toy_short = daily_toy(month_back.isoformat(), today.isoformat())
    days = (today - date(2015, 1, 1)).days + 1
    print(
        f"for comparison, two empty assets over daily partitions: {days} days {toy_long:.1f} s, "
        f"31 days {toy_short:.1f} s"
    )
    if ratio > MAX_RATIO:
        print(f"FAIL: ratio {ratio:.2f} > {MAX_RATIO}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
