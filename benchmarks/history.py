"""Cost of a run against the size of the stored history, on SQLite and PostgreSQL.

For each database and each size (2,000, 20,000 and 100,000 stored articles; ``--quick``: 2,000
and 20,000) it builds the steady state of a monitor that has run for years: a loopback copy of
the site with the last ~40 days of posts, crawled once for real, then older rows bulk-loaded
(``tests/helpers/history.py``), every item delivered. Then it measures, each in a child
process (wall time, and peak RSS of the process tree from ``/usr/bin/time``), medians of
``--repeats``:

- an incremental run with nothing new (``cqmonitor run --no-digest``);
- the instant-alert poll with nothing new (``execute_poll``: feed-only crawl and the alerts);
- ``cqmonitor status``;
- an incremental run after 10 new articles were put on the site;
- the digest preview (``cqmonitor digest --preview``) and the weekly report (``cqmonitor report``);
- a backfill of everything into an empty database from a site with all the articles
  (articles per second end to end; one run for sizes over 20,000 unless ``--backfill-repeats``).

It prints one Markdown table per database with the ratio largest / smallest size per row, and
writes the figures to ``benchmarks/results/history.json``. ``--profile ROW`` runs that row once
more under pyinstrument and prints where its time went. No network beyond 127.0.0.1.

Run: ``.venv/bin/python benchmarks/history.py [--quick] [--db sqlite|postgresql|both]``.
Exits non-zero when a run fails or a target is missed (``--check``): nothing-new run, poll and
status flat (ratio <= 1.2 in time and memory), poll < 3 s and < 250 MB at the largest size,
backfill <= 300 MB and >= 300 articles/s at the largest size.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing the package

import yaml  # noqa: E402

from crawlers.sitecopy import CST, SiteServer, build_site, synthetic_articles  # noqa: E402
from crawlers.sitecopy import server as site_server  # noqa: E402
from pipelines.storage.db import make_engine  # noqa: E402
from tests.helpers.history import (  # noqa: E402
    analyze,
    bulk_load,
    drop_postgres,
    fresh_postgres,
    mark_delivered,
    per_day,
)

SIZES = (2_000, 20_000, 100_000)
QUICK_SIZES = (2_000, 20_000)
RECENT_DAYS = 40
RECENT_PER_DAY = 6
NEW = 10
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
RESULTS = ROOT / "benchmarks" / "results" / "history.json"
CLI = [sys.executable, "-m", "dagster_project.cli"]
TIME = "/usr/bin/time"
SUBSCRIPTIONS = [
    {"name": "daily", "channel": "C0HISTORY1"},
    {"name": "now", "channel": "C0HISTORY2", "delivery": "instant"},
]
ROWS = {
    "nothing_new": "incremental run, nothing new",
    "poll": "instant-alert poll, nothing new",
    "status": "`cqmonitor status`",
    "ten_new": f"incremental run, {NEW} new",
    "digest": "digest preview",
    "report": "weekly report",
    "backfill": "backfill of everything",
}
FLAT = ("nothing_new", "poll", "status")
# The poll in a child of its own, importing no more than the scheduled job does.
POLL = (
    "import sys; from dagster_project.cli.execute import execute_poll; "
    "from pipelines.settings import Settings; "
    "sys.exit(0 if execute_poll(Settings.from_env().validate()).success else 1)"
)


@dataclass
class Sample:
    wall: float
    rss_mb: float


@dataclass
class Cell:
    samples: list[Sample] = field(default_factory=list)
    articles: int = 0

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def rss_mb(self) -> float:
        return statistics.median(s.rss_mb for s in self.samples)

    def text(self, row: str) -> str:
        out = f"{self.wall:.1f} s, {self.rss_mb:.0f} MB"
        if row == "backfill" and self.wall:
            out += f", {self.articles / self.wall:.0f} art/s"
        return out


def measure(argv: list[str], env: dict[str, str], log: Path, timeout: float = 3600) -> Sample:
    """Run ``argv``; its wall time and the peak RSS of its process tree.

    The peak comes from ``/usr/bin/time`` (``wait4`` of a child it forked itself): a child
    forked straight from this process would report this process's own RSS, inherited at the
    fork, as its high-water mark.
    """
    rss_file = log.with_suffix(".rss")
    timed = [TIME, "-f", "%M", "-o", str(rss_file), *argv]
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n$ {' '.join(argv)}\n")
        out.flush()
        started = time.perf_counter()
        try:
            done = subprocess.run(
                timed, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, timeout=timeout
            )
        except subprocess.TimeoutExpired as exc:
            raise SystemExit(f"{argv[2:]} took over {timeout:.0f} s; log: {log}") from exc
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[2:])} exited {done.returncode}; log: {log}")
    # %M: the largest resident set of the tree (the command, or the crawl it waited for), KiB.
    kib = int(rss_file.read_text(encoding="utf-8").split()[-1])
    # Each figure as it comes: an interrupted run still leaves them in its output.
    label = "poll" if "-c" in argv else " ".join(argv[3:5])
    print(f"    {label}: {wall:.1f} s, {kib / 1024:.0f} MB", flush=True)
    return Sample(wall, kib / 1024)


def recent_articles(now: datetime) -> list[dict[str, Any]]:
    start = (now.astimezone(CST) - timedelta(days=RECENT_DAYS)).date()
    return synthetic_articles(RECENT_DAYS * RECENT_PER_DAY, start=start, per_day=RECENT_PER_DAY)


def fresh(count: int, now: datetime, offset: int) -> list[dict[str, Any]]:
    """``count`` posts published in the minutes before ``now``, new addresses and post ids."""
    out = []
    for i, record in enumerate(synthetic_articles(count, seed=1000 + offset, per_day=count)):
        published = (now - timedelta(minutes=2 * (count - i))).astimezone(CST)
        record.pop("modified", None)
        record.update(
            published=published.replace(microsecond=0).isoformat(),
            slug=f"{record['slug']}-new-{offset}-{i}",
            post_id=5_000_000 + offset * 100 + i,
        )
        out.append(record)
    return out


class Bench:
    """One database kind: builds each size's state and measures its rows."""

    def __init__(self, kind: str, args: argparse.Namespace, work: Path) -> None:
        self.kind, self.args, self.work = kind, args, work
        self.log = work / f"{kind}.log"
        self.created: list[str] = []

    def database(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.work / name}.db"
        self.created.append(name)
        return fresh_postgres(self.args.postgres_url, name)

    def env(self, database_url: str, site_url: str, data: Path) -> dict[str, str]:
        (data).mkdir(parents=True, exist_ok=True)
        subs = data / "subscriptions.yaml"
        subs.write_text(yaml.safe_dump({"subscriptions": SUBSCRIPTIONS}), encoding="utf-8")
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("CQMONITOR_", "SLACK_"))}
        return {
            **keep,
            "PYTHONPATH": str(ROOT),
            "CQMONITOR_DATABASE_URL": database_url,
            "CQMONITOR_SOURCE_URL": site_url,
            "CQMONITOR_DOWNLOAD_DELAY": "0",
            "CQMONITOR_DATA_DIR": str(data),
            "CQMONITOR_SUBSCRIPTIONS": str(subs),
        }

    def repeat(self, cell: Cell, run: Callable[[], Sample], times: int) -> None:
        for _ in range(times):
            cell.samples.append(run())

    def steady(self, size: int, out: dict[str, Cell]) -> None:
        now = datetime.now(UTC)
        site_articles = recent_articles(now)
        days = sorted(a["published"][:10] for a in site_articles)
        url = self.database(f"cqm_hist_{size}")
        data = self.work / f"{self.kind}-{size}"
        with SiteServer(build_site(site_articles)) as site:
            env = self.env(url, site.url, data)
            measure([*CLI, "run", "--no-digest", "--since", days[0], "--until", days[-1]],
                    env, self.log)  # fmt: skip
            engine = make_engine(url)
            first = datetime.fromisoformat(min(a["published"] for a in site_articles))
            started = time.perf_counter()
            loaded = bulk_load(engine, size, first - timedelta(days=1))
            mark_delivered(
                engine, [(s["name"], s.get("delivery") == "instant") for s in SUBSCRIPTIONS]
            )
            analyze(engine)
            engine.dispose()
            print(f"  {self.kind} {size}: {loaded} rows bulk-loaded in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
            # The first incremental run after a backfill reads the current sitemap once more.
            measure([*CLI, "run", "--no-digest"], env, self.log)
            reps = self.args.repeats
            run = [*CLI, "run", "--no-digest"]
            self.repeat(out["nothing_new"], lambda: measure(run, env, self.log), reps)
            poll = [sys.executable, "-c", POLL]
            self.repeat(out["poll"], lambda: measure(poll, env, self.log), reps)
            self.repeat(out["status"], lambda: measure([*CLI, "status"], env, self.log), reps)
            added: list[dict[str, Any]] = []
            for k in range(reps):
                added += fresh(NEW, datetime.now(UTC), k)
                site.set_pages(build_site(site_articles + added))
                out["ten_new"].samples.append(measure(run, env, self.log))
            preview = [*CLI, "digest", "--preview", "--subscription", "daily",
                       "--output", str(data / "digest.json")]  # fmt: skip
            self.repeat(out["digest"], lambda: measure(preview, env, self.log), reps)
            report = [*CLI, "report", "--out", str(data / "report")]
            self.repeat(out["report"], lambda: measure(report, env, self.log), reps)
            for row in self.args.profile or ():
                self.profile(row, env, site, site_articles)

    def profile(self, row: str, env: dict[str, str], site: Any, articles: list) -> None:
        argv = {
            "nothing_new": ["-m", "dagster_project.cli", "run", "--no-digest"],
            "poll": ["-c", POLL],
            "status": ["-m", "dagster_project.cli", "status"],
            "digest": ["-m", "dagster_project.cli", "digest", "--preview", "--subscription",
                       "daily", "--output", str(self.work / "digest-profile.json")],
            "report": ["-m", "dagster_project.cli", "report", "--out", str(self.work / "rp")],
        }[row]  # fmt: skip
        target = self.work / f"profile-{self.kind}-{row}.txt"
        cmd = [sys.executable, "-m", "pyinstrument", "-r", "text", "-o", str(target), *argv]
        measure(cmd, env, self.log)
        print(target.read_text(encoding="utf-8")[:8000], flush=True)

    def backfill(self, size: int, cell: Cell) -> None:
        now = datetime.now(UTC)
        last = now.astimezone(CST) - timedelta(days=1)
        first = datetime(2016, 1, 1, tzinfo=CST)
        daily = per_day(size, first, last)
        start = (last - timedelta(days=-(-size // daily))).date()
        articles = synthetic_articles(size, start=start, per_day=daily)
        days = sorted(a["published"][:10] for a in articles)
        times = self.args.backfill_repeats or (3 if size <= 20_000 else 1)
        with SiteServer(build_site(articles)) as site:
            for k in range(times):
                url = self.database(f"cqm_hist_bf_{size}_{k}")
                env = self.env(url, site.url, self.work / f"{self.kind}-bf-{size}-{k}")
                argv = [*CLI, "run", "--no-digest", "--since", days[0], "--until", days[-1]]
                cell.samples.append(measure(argv, env, self.log, timeout=self.args.timeout))
                cell.articles = size
                self.drop_last()

    def drop_last(self) -> None:
        if self.kind == "postgresql" and self.created:
            drop_postgres(self.args.postgres_url, self.created.pop())

    def cleanup(self) -> None:
        while self.created:
            self.drop_last()


def table(kind: str, sizes: tuple[int, ...], cells: dict[int, dict[str, Cell]]) -> str:
    big, small = sizes[-1], sizes[0]
    head = " | ".join(f"{n:,} stored" for n in sizes)
    lines = [f"{kind}:", "", f"| run | {head} | ratio {big:,}/{small:,} (time, memory) |",
             "| --- |" + " --- |" * (len(sizes) + 1)]  # fmt: skip
    for row, label in ROWS.items():
        present = [cells[n][row] for n in sizes if cells[n][row].samples]
        if len(present) != len(sizes):
            continue
        a, b = cells[small][row], cells[big][row]
        ratio = f"{b.wall / a.wall:.2f}, {b.rss_mb / a.rss_mb:.2f}"
        values = " | ".join(cells[n][row].text(row) for n in sizes)
        lines.append(f"| {label} | {values} | {ratio} |")
    return "\n".join(lines)


def failures(sizes: tuple[int, ...], cells: dict[int, dict[str, Cell]]) -> list[str]:
    big, small = cells[sizes[-1]], cells[sizes[0]]
    out = []
    for row in FLAT:
        if not (big[row].samples and small[row].samples):
            continue
        if big[row].wall / small[row].wall > 1.2 or big[row].rss_mb / small[row].rss_mb > 1.2:
            out.append(f"{row} not flat")
    if big["poll"].samples and (big["poll"].wall >= 3 or big["poll"].rss_mb >= 250):
        out.append("poll over 3 s or 250 MB")
    if big["backfill"].samples:
        rate = big["backfill"].articles / big["backfill"].wall
        if big["backfill"].rss_mb > 300 or rate < 300:
            out.append(f"backfill {big['backfill'].rss_mb:.0f} MB, {rate:.0f} art/s")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 only")
    parser.add_argument("--sizes", help="comma-separated sizes (overrides --quick)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get("CQMONITOR_BENCH_PG", PG_DEFAULT))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backfill-repeats", type=int, default=0, help="default: 3, 1 over 20k")
    parser.add_argument("--no-backfill", action="store_true")
    parser.add_argument("--no-steady", action="store_true", help="the backfill row only")
    parser.add_argument(
        "--profile",
        action="append",
        choices=[*FLAT, "digest", "report"],
        help="profile this row at each size (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="per backfill run, seconds")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(",")) if args.sizes else (
        QUICK_SIZES if args.quick else SIZES
    )  # fmt: skip
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    # A real server sends headers and body without Nagle's 40 ms stall (see benchmarks/crawl.py).
    site_server._Handler.disable_nagle_algorithm = True
    work = Path(tempfile.mkdtemp(prefix="cqm-history-"))
    print(f"work dir: {work}; sizes {sizes}; {kinds}", flush=True)
    results: dict[str, Any] = {}
    missed: list[str] = []
    for kind in kinds:
        bench = Bench(kind, args, work)
        cells = {n: {row: Cell() for row in ROWS} for n in sizes}
        try:
            for n in sizes:
                started = time.perf_counter()
                if not args.no_steady:
                    bench.steady(n, cells[n])
                if not args.no_backfill:
                    print(f"  {kind} {n}: backfill", flush=True)
                    bench.backfill(n, cells[n]["backfill"])
                print(
                    f"  {kind} {n}: measured in {time.perf_counter() - started:.0f} s", flush=True
                )
        finally:
            bench.cleanup()
        print()
        print(table(kind, sizes, cells))
        print(flush=True)
        missed += [f"{kind}: {m}" for m in failures(sizes, cells)]
        results[kind] = {
            str(n): {row: {"wall_s": [s.wall for s in c.samples],
                           "rss_mb": [s.rss_mb for s in c.samples]}
                     for row, c in cells[n].items()} for n in sizes
        }  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"at": datetime.now(UTC).isoformat(), **results}, indent=1))
    for line in missed:
        print(f"MISSED: {line}")
    return 1 if args.check and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
