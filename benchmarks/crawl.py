"""End-to-end crawl benchmark: a full backfill, then incremental runs, on a loopback copy.

Generates ``--articles`` synthetic articles (default 2,000; ``--quick``: 200) dated up to
yesterday in China Standard Time, serves them with ``SiteServer`` on 127.0.0.1 and runs the real
pipeline (``dagster_project.cli.execute``: Scrapy crawl in a child process, clean, classify,
extract events, store in a fresh SQLite database, no digest) three times:

1. a full backfill (``since`` = the first article's date, delay 0);
2. an incremental run with nothing new (no window: what is new since the last successful run);
3. an incremental run after 10 new articles, published in the last minutes, were added.

It prints a Markdown table (wall seconds, articles per second end to end, CPU seconds per
article for this process plus the crawl child processes, requests counted from the server's log,
peak RSS) and writes the figures as JSON to ``benchmarks/results/crawl.json``. No network beyond
127.0.0.1 is used.

Run: ``.venv/bin/python benchmarks/crawl.py [--articles N] [--quick] [--profile] [--keep]``.
Exits non-zero when a run fails, when the stored counts are wrong, or when a target is missed:
backfill >= 100 articles/second end to end; incremental with nothing new <= 5 requests.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import inspect
import io
import json
import math
import os
import platform
import pstats
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

from crawlers.sitecopy import (  # noqa: E402
    CST,
    SiteServer,
    article_path,
    build_site,
    synthetic_articles,
)
from crawlers.sitecopy import server as site_server  # noqa: E402
from dagster_project.cli import execute  # noqa: E402
from pipelines.settings import Settings  # noqa: E402

MIN_BACKFILL_RATE = 100.0  # articles per second, end to end
MAX_NOTHING_NEW_REQUESTS = 5
NEW_ARTICLES = 10
# iChongqing publishes a few dozen posts a day; each day of the window is a Dagster partition.
PER_DAY = 40
RESULTS_DIR = ROOT / "benchmarks" / "results"

Article = dict[str, Any]


@dataclass
class Phase:
    """The figures of one pipeline run."""

    name: str
    ok: bool
    reason: str
    wall_s: float
    cpu_self_s: float
    cpu_children_s: float
    requests: int
    requests_by_status: dict[str, int]
    scrapy_requests: int
    crawl_elapsed_s: float | None
    new: int
    updated: int
    failed: int
    stored_total: int
    window: str
    max_rss_self_mb: float
    max_rss_children_mb: float
    request_paths: list[str] = field(default_factory=list)

    @property
    def cpu_s(self) -> float:
        return self.cpu_self_s + self.cpu_children_s

    def figures(self) -> dict[str, Any]:
        data = asdict(self)
        data["cpu_s"] = round(self.cpu_s, 3)
        data["articles_per_s"] = round(self.new / self.wall_s, 1) if self.wall_s else None
        data["cpu_s_per_article"] = round(self.cpu_s / self.new, 5) if self.new else None
        for key in ("wall_s", "cpu_self_s", "cpu_children_s", "max_rss_self_mb"):
            data[key] = round(data[key], 3)
        data["max_rss_children_mb"] = round(self.max_rss_children_mb, 1)
        if data["crawl_elapsed_s"] is not None:
            data["crawl_elapsed_s"] = round(data["crawl_elapsed_s"], 3)
        return data


def _cpu(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def _mb(kilobytes: int) -> float:
    return kilobytes / 1024.0  # Linux reports ru_maxrss in KiB


def _latest_stats(data_dir: Path) -> dict[str, Any]:
    runs = sorted((data_dir / "crawls").glob("run-*/stats.json"))
    return json.loads(runs[-1].read_text(encoding="utf-8")) if runs else {}


def run_phase(
    name: str,
    server: SiteServer,
    settings: Settings,
    *,
    since: str | None,
    digest: bool,
    crawl_settings: dict[str, str] | None = None,
    profiler: cProfile.Profile | None = None,
) -> Phase:
    """Run the whole asset graph once and measure it (wall, CPU, requests, memory)."""
    first_request = len(server.requests)
    self_before = resource.getrusage(resource.RUSAGE_SELF)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    try:
        extra: dict[str, Any] = {"crawl_settings": crawl_settings} if crawl_settings else {}
        ok, metadata, reason = execute(
            settings, since=since, until=None, digest=digest, preview_only=True, **extra
        )
    finally:
        if profiler is not None:
            profiler.disable()
    wall = time.perf_counter() - started
    self_after = resource.getrusage(resource.RUSAGE_SELF)
    children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    answered = server.requests[first_request:]
    by_status: dict[str, int] = {}
    for record in answered:
        by_status[str(record.status)] = by_status.get(str(record.status), 0) + 1
    raw = metadata.get("raw_articles", {})
    stored = metadata.get("articles", {})
    stats = _latest_stats(Path(settings.data_dir))
    elapsed = stats.get("elapsed_time_seconds")
    return Phase(
        name=name,
        ok=ok,
        reason=reason,
        wall_s=wall,
        cpu_self_s=_cpu(self_after) - _cpu(self_before),
        cpu_children_s=_cpu(children_after) - _cpu(children_before),
        requests=len(answered),
        requests_by_status=dict(sorted(by_status.items())),
        scrapy_requests=int(raw.get("requests", 0)),
        crawl_elapsed_s=float(elapsed) if elapsed is not None else None,
        new=int(stored.get("new", 0)),
        updated=int(stored.get("updated", 0)),
        failed=int(stored.get("failed", 0)),
        stored_total=int(stored.get("stored_total", 0)),
        window=str(raw.get("window", "")),
        max_rss_self_mb=_mb(self_after.ru_maxrss),
        max_rss_children_mb=_mb(children_after.ru_maxrss),
        request_paths=[f"{r.method} {r.path} {r.status}" for r in answered],
    )


def fresh_articles(existing: list[Article], count: int, now: datetime) -> list[Article]:
    """``count`` new records published in the minutes before ``now`` (CST), unique addresses."""
    extra = synthetic_articles(len(existing) + count, start=_start_day(len(existing), now))
    taken = {article_path(a) for a in existing}
    out: list[Article] = []
    for i, record in enumerate(extra[len(existing) :]):
        new = copy.deepcopy(record)
        new.pop("modified", None)
        published = (now - timedelta(minutes=2 * (count - i))).astimezone(CST)
        new["published"] = published.replace(microsecond=0).isoformat()
        base = new["slug"]
        suffix = 2
        while article_path(new) in taken:
            new["slug"] = f"{base}-{suffix}"
            suffix += 1
        taken.add(article_path(new))
        out.append(new)
    return out


def _start_day(count: int, now: datetime) -> Any:
    """First CST day such that ``count`` articles at PER_DAY a day end yesterday."""
    days = math.ceil(count / PER_DAY)
    return now.astimezone(CST).date() - timedelta(days=days)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def markdown(phases: list[Phase], targets: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| scenario | new stored | total stored | wall s | crawl child s | articles/s "
        "| CPU s/article | CPU s (self + crawl) | requests (server log) | peak RSS MB "
        "(self / crawl) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in phases:
        rate = p.new / p.wall_s if p.new and p.wall_s else None
        per_article = p.cpu_s / p.new if p.new else None
        lines.append(
            f"| {p.name} | {p.new} | {p.stored_total} | {_fmt(p.wall_s, 2)} "
            f"| {_fmt(p.crawl_elapsed_s, 2)} | {_fmt(rate)} | {_fmt(per_article, 4)} "
            f"| {p.cpu_self_s:.2f} + {p.cpu_children_s:.2f} | {p.requests} "
            f"| {p.max_rss_self_mb:.0f} / {p.max_rss_children_mb:.0f} |"
        )
    lines += ["", "| target | wanted | measured | result |", "| --- | --- | --- | --- |"]
    for name, t in targets.items():
        lines.append(
            f"| {name} | {t['wanted']} | {t['measured']} | {'PASS' if t['passed'] else 'FAIL'} |"
        )
    return "\n".join(lines)


def print_profile(profiler: cProfile.Profile, dump: Path | None, limit: int = 30) -> None:
    """The project's own functions by cumulative time, then everything by own time."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    if dump is not None:
        stats.dump_stats(dump)
    project = r"/(pipelines|dagster_project|crawlers)/"
    stats.sort_stats("cumulative").print_stats(project, limit)
    stats.sort_stats("tottime").print_stats(limit)
    print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles in the copy")
    parser.add_argument("--quick", action="store_true", help="a 200-article smoke run")
    parser.add_argument(
        "--output", type=Path, help="JSON results (default benchmarks/results/crawl.json)"
    )
    parser.add_argument("--digest", action="store_true", help="also build the digest preview")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the in-process part of the backfill"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work dir (crawl logs)")
    parser.add_argument(
        "--scrapy-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra Scrapy setting for the crawls (repeatable), e.g. CONCURRENT_REQUESTS=4",
    )
    parser.add_argument(
        "--fixture-nagle",
        action="store_true",
        help="serve as SiteServer ships (Nagle on: ~40 ms stall per keep-alive response)",
    )
    args = parser.parse_args(argv)
    count = 200 if args.quick else args.articles
    crawl_settings = dict(item.split("=", 1) for item in args.scrapy_setting if "=" in item)
    if len(crawl_settings) != len(args.scrapy_setting):
        parser.error("--scrapy-setting takes NAME=VALUE")
    if crawl_settings and "crawl_settings" not in inspect.signature(execute).parameters:
        parser.error("this version of dagster_project.cli.execute takes no crawl settings")
    if count < 1:
        parser.error("--articles must be positive")
    output = args.output or RESULTS_DIR / ("crawl.json" if count == 2000 else f"crawl-{count}.json")

    now = datetime.now(UTC)
    load_at_start = os.getloadavg()
    start = _start_day(count, now)
    generated = time.perf_counter()
    articles = synthetic_articles(count, start=start, per_day=PER_DAY)
    pages = build_site(articles)
    generated = time.perf_counter() - generated
    first_day = min(a["published"][:10] for a in articles)
    last_day = max(a["published"][:10] for a in articles)
    print(
        f"copy: {count} articles {first_day} .. {last_day} (CST), {len(pages)} pages, "
        f"built in {generated:.1f} s"
    )

    # SiteServer (http.server) sends a response's headers and body in two writes; with Nagle's
    # algorithm on, the body waits for the client's delayed ACK of the headers (~40 ms on Linux)
    # on every keep-alive response. A real server (nginx: tcp_nodelay on) does not stall, so the
    # benchmark sets TCP_NODELAY on the fixture's handler unless asked to keep the stall.
    handler = site_server._Handler
    shipped_nagle = handler.disable_nagle_algorithm
    handler.disable_nagle_algorithm = not args.fixture_nagle
    work = Path(tempfile.mkdtemp(prefix="cqmonitor-bench-"))
    profiler = cProfile.Profile() if args.profile else None
    phases: list[Phase] = []
    try:
        with SiteServer(pages) as server:
            settings = replace(
                Settings.from_env(env={}),
                source_url=server.url,
                database_url=f"sqlite:///{work / 'bench.db'}",
                delay=0.0,
                data_dir=str(work),
            ).validate()
            print(f"serving on {server.url}; work dir {work}")

            def phase(name: str, since: str | None, prof: cProfile.Profile | None = None) -> Phase:
                result = run_phase(
                    name,
                    server,
                    settings,
                    since=since,
                    digest=args.digest,
                    crawl_settings=crawl_settings,
                    profiler=prof,
                )
                status = "ok" if result.ok else f"FAILED: {result.reason}"
                print(
                    f"  {name}: {status}; new {result.new}, {result.requests} requests, "
                    f"{result.wall_s:.2f} s ({result.window})"
                )
                phases.append(result)
                return result

            backfill = phase("backfill", first_day, profiler)
            nothing = phase("incremental, nothing new", None)
            added = fresh_articles(articles, NEW_ARTICLES, datetime.now(UTC))
            server.set_pages(build_site(articles + added))
            ten = phase(f"incremental, {NEW_ARTICLES} new", None)
    finally:
        handler.disable_nagle_algorithm = shipped_nagle
        if args.keep:
            print(f"work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    rate = backfill.new / backfill.wall_s if backfill.wall_s else 0.0
    targets: dict[str, dict[str, Any]] = {
        "backfill articles/s end to end": {
            "wanted": f">= {MIN_BACKFILL_RATE:.0f}",
            "measured": round(rate, 1),
            "passed": rate >= MIN_BACKFILL_RATE,
        },
        "incremental, nothing new: requests": {
            "wanted": f"<= {MAX_NOTHING_NEW_REQUESTS}",
            "measured": nothing.requests,
            "passed": nothing.requests <= MAX_NOTHING_NEW_REQUESTS,
        },
    }
    checks = {
        "all runs succeeded": all(p.ok for p in phases),
        f"backfill stored all {count} articles": backfill.new == count and not backfill.failed,
        "nothing new stored nothing": nothing.new == 0 and nothing.updated == 0,
        f"exactly {NEW_ARTICLES} new articles stored": ten.new == NEW_ARTICLES
        and ten.updated == 0
        and ten.stored_total == count + NEW_ARTICLES,
    }

    print()
    print(markdown(phases, targets))
    print()
    for name, passed in checks.items():
        print(f"- check: {name}: {'yes' if passed else 'NO'}")
    for p in phases[1:]:
        print(f"\nrequests of '{p.name}' ({p.requests}):")
        for line in p.request_paths:
            print(f"  {line}")

    results = {
        "benchmark": "crawl",
        "command": " ".join([".venv/bin/python", "benchmarks/crawl.py", *sys.argv[1:]]),
        "when": now.isoformat(timespec="seconds"),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in load_at_start],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "copy": {
            "articles": count,
            "pages": len(pages),
            "first_day": first_day,
            "last_day": last_day,
            "per_day": PER_DAY,
        },
        "settings": {
            "delay": 0.0,
            "database": "sqlite (fresh)",
            "digest": args.digest,
            "server_tcp_nodelay": not args.fixture_nagle,
            "scrapy_settings": crawl_settings,
        },
        "phases": [p.figures() for p in phases],
        "targets": targets,
        "checks": checks,
        "note": "requests: the server's log (robots.txt included). CPU: getrusage SELF + "
        "CHILDREN deltas; SELF includes the loopback server's thread. Peak RSS: ru_maxrss; SELF "
        "includes the served copy; CHILDREN is at least this process's RSS at spawn time "
        "(the child is forked from it before exec).",
    }
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"\nresults written to {shown}")

    if profiler is not None:
        print("\n--- cProfile of the backfill (this process only; the crawl is a child) ---")
        print_profile(profiler, work / "backfill.prof" if args.keep else None)

    failed = [n for n, t in targets.items() if not t["passed"]]
    failed += [n for n, ok in checks.items() if not ok]
    if failed:
        print("FAIL: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
