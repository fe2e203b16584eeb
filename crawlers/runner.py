"""Run one crawl in its own process and hand back its items (JSON Lines) and stats.

Twisted's reactor cannot be restarted inside a process, so every crawl is a fresh
``python -m scrapy crawl ichongqing`` child: a long-lived process (``dagster dev``, a test
session) can run any number of crawls.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipelines.core.items import CrawlItem, item_from_record

LogSink = Callable[[str], None]


class CrawlError(RuntimeError):
    """The crawl process failed; the message says how and where its log is."""


@dataclass(frozen=True)
class CrawlRequest:
    source_url: str
    workdir: Path
    since: date | None = None
    until: date | None = None
    changed_since: datetime | None = None
    backfill: bool = False
    state: dict[str, Any] = field(default_factory=dict)
    delay: float = 2.0
    concurrency: int = 1
    settings: dict[str, str] = field(default_factory=dict)
    timeout: float = 6 * 3600


@dataclass
class CrawlResult:
    items_path: Path
    stats_path: Path
    log_path: Path
    stats: dict[str, Any]
    returncode: int

    def items(self) -> Iterator[CrawlItem]:
        if not self.items_path.exists():
            return
        with self.items_path.open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield item_from_record(json.loads(line))


def crawl_command(request: CrawlRequest, items: Path, stats: Path, state: Path) -> list[str]:
    args = [sys.executable, "-m", "scrapy", "crawl", "ichongqing",
            "-a", f"source_url={request.source_url}", "-a", f"state={state}",
            "-O", f"{items}:jsonlines",
            "-s", f"CQMONITOR_STATS_FILE={stats}",
            "-s", f"DOWNLOAD_DELAY={request.delay}",
            "-s", f"CONCURRENT_REQUESTS={request.concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={request.concurrency}"]  # fmt: skip
    if request.delay <= 0:
        # Delay 0 is for a copy on loopback: throttling would only add sleeps.
        args += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY_JITTER=0"]
    args += ["-a", f"mode={'backfill' if request.backfill else 'incremental'}"]
    if request.since:
        args += ["-a", f"since={request.since.isoformat()}"]
    if request.until:
        args += ["-a", f"until={request.until.isoformat()}"]
    if request.changed_since:
        args += ["-a", f"changed_since={request.changed_since.isoformat()}"]
    for name, value in request.settings.items():
        args += ["-s", f"{name}={value}"]
    return args


def run_crawl(request: CrawlRequest, log: LogSink | None = None) -> CrawlResult:
    """Crawl in a child process; stream its log lines to ``log``; return what it produced."""
    request.workdir.mkdir(parents=True, exist_ok=True)
    items = request.workdir / "items.jsonl"
    stats = request.workdir / "stats.json"
    state = request.workdir / "state.json"
    log_path = request.workdir / "crawl.log"
    for stale in (items, stats):
        stale.unlink(missing_ok=True)
    state.write_text(json.dumps(request.state), encoding="utf-8")
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawlers.settings", PYTHONUNBUFFERED="1")
    command = crawl_command(request, items, stats, state)
    with log_path.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(
            command,
            cwd=request.workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                log_file.write(line)
                if log is not None:
                    log(line.rstrip("\n"))

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            returncode = process.wait(timeout=request.timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            reader.join(timeout=5)
            raise CrawlError(
                f"crawl timed out after {request.timeout:.0f}s; log: {log_path}"
            ) from None
        reader.join(timeout=30)
    if returncode != 0 or not stats.exists():
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise CrawlError(
            f"crawl process exited with {returncode}; log: {log_path}; last lines: "
            + " | ".join(tail)
        )
    return CrawlResult(
        items_path=items,
        stats_path=stats,
        log_path=log_path,
        stats=json.loads(stats.read_text(encoding="utf-8")),
        returncode=returncode,
    )
