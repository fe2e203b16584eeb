"""Run one crawl in its own process and hand back its items (JSON Lines) and stats.

Twisted's reactor cannot be restarted inside a process, so every crawl is a fresh
``python -m scrapy crawl ichongqing`` (or ``source``) child: a long-lived process (``dagster
dev``, a test session) can run any number of crawls.

The child never outlives its parent. It runs in its own process group (a Ctrl-C in the
terminal reaches the parent only, which decides), the group is terminated on every way out of
:func:`run_crawl` (return, exception, Ctrl-C, SIGTERM turned into an exception, a cancelled
lease), and on Linux ``PR_SET_PDEATHSIG`` has the kernel kill it if the parent dies outright
(SIGKILL, a crash), so no crawl goes on unowned.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from crawlers.stored import DATABASE_ENV
from pipelines.core.items import CrawlItem, item_from_record
from pipelines.core.problems import CodedError
from pipelines.crawl_output import part_path, publish

LogSink = Callable[[str], None]
# Polled while the crawl runs: a reason to stop it now, or None.
Cancel = Callable[[], str | None]

# The crawl's progress lines start with this (crawlers.extensions.Progress).
PROGRESS_MARK = "cqmonitor progress:"
PR_SET_PDEATHSIG = 1
# How long a terminated crawl may take to exit before it is killed.
STOP_GRACE = 2.0
POLL_EVERY = 0.5
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class CrawlError(CodedError, RuntimeError):
    """The crawl process failed; the message says how and where its log is."""

    what = "crawl"


class CrawlCancelled(CrawlError):
    """The crawl was stopped because its owner asked (``Cancel`` gave a reason)."""


def _die_with(parent: int) -> Callable[[], None]:
    """The child's preexec: be killed when ``parent`` dies (Linux), even by SIGKILL.

    The kernel signals on the death of the *thread* that forked; a crawl is started from the
    thread that waits for it, so that is the same lifetime.
    """

    def setup() -> None:
        if _LIBC is not None:
            _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:
            # The parent died between fork and prctl: nobody would ever stop this crawl.
            os._exit(1)

    return setup


def stop_process_group(process: subprocess.Popen[str], grace: float = STOP_GRACE) -> None:
    """Terminate the crawl's process group; kill it if it is still there after ``grace``."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except BaseException:
        # A second Ctrl-C while waiting: no more courtesy.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    finally:
        # Anything the crawl itself started is in its group too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)


@dataclass(frozen=True)
class CrawlRequest:
    source_url: str
    workdir: Path
    since: date | None = None
    until: date | None = None
    changed_since: datetime | None = None
    backfill: bool = False
    feed_only: bool = False
    # Where robots.txt is kept between crawls (re-read at most daily, as RFC 9309 allows).
    robots_cache: Path | None = None
    state: dict[str, Any] = field(default_factory=dict)
    delay: float = 2.0
    concurrency: int = 1
    settings: dict[str, str] = field(default_factory=dict)
    timeout: float = 6 * 3600
    # Which spider: iChongqing's own, or ``source`` (the generic one) with its ``spider_args``.
    spider: str = "ichongqing"
    spider_args: dict[str, str] = field(default_factory=dict)
    # Where the spider looks up stored articles (state ``"stored": "database"``); passed in
    # the child's environment, not on its command line.
    database_url: str | None = None


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
    args = [sys.executable, "-m", "scrapy", "crawl", request.spider,
            "-a", f"source_url={request.source_url}", "-a", f"state={state}",
            "-O", f"{items}:jsonlines",
            "-s", f"CRAWL_STATS_FILE={stats}",
            "-s", f"DOWNLOAD_DELAY={request.delay}",
            # AutoThrottle starts from the delay asked for (it adapts upwards to the server).
            "-s", f"AUTOTHROTTLE_START_DELAY={max(request.delay, 0.0)}",
            "-s", f"CONCURRENT_REQUESTS={request.concurrency}",
            "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={request.concurrency}"]  # fmt: skip
    if request.delay <= 0:
        # Delay 0 is for a copy on loopback: throttling would only add sleeps.
        args += ["-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY_JITTER=0"]
    args += ["-a", f"mode={'backfill' if request.backfill else 'incremental'}"]
    if request.feed_only:
        args += ["-a", "sources=feed"]
    if request.robots_cache is not None:
        args += ["-s", f"CRAWL_ROBOTS_CACHE={request.robots_cache}"]
    if request.since:
        args += ["-a", f"since={request.since.isoformat()}"]
    if request.until:
        args += ["-a", f"until={request.until.isoformat()}"]
    if request.changed_since:
        args += ["-a", f"changed_since={request.changed_since.isoformat()}"]
    for name, value in request.spider_args.items():
        args += ["-a", f"{name}={value}"]
    for name, value in request.settings.items():
        args += ["-s", f"{name}={value}"]
    return args


_ERROR = re.compile(r"\b[A-Z]\w*(?:Error|Exception): .+")


def _last_error(log_path: Path) -> str:
    """The last error the crawl's log names ("PermissionError: ..."), else its last line."""
    lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    errors = [m.group(0) for line in lines if (m := _ERROR.search(line))]
    return (errors or lines or ["its log is empty"])[-1].strip()


def _wait(
    process: subprocess.Popen[str], request: CrawlRequest, log_path: Path, cancel: Cancel | None
) -> int:
    deadline = time.monotonic() + request.timeout
    while True:
        try:
            return process.wait(timeout=POLL_EVERY)
        except subprocess.TimeoutExpired:
            pass
        why = cancel() if cancel is not None else None
        if why:
            raise CrawlCancelled(f"crawl stopped: {why}; log: {log_path}")
        if time.monotonic() > deadline:
            raise CrawlError(f"crawl timed out after {request.timeout:.0f}s; log: {log_path}")


def run_crawl(
    request: CrawlRequest, log: LogSink | None = None, cancel: Cancel | None = None
) -> CrawlResult:
    """Crawl in a child process; stream its log lines to ``log``; return what it produced.

    ``cancel`` is polled while the crawl runs: a reason stops the crawl (``CrawlCancelled``).
    """
    request.workdir.mkdir(parents=True, exist_ok=True)
    items = request.workdir / "items.jsonl"
    stats = request.workdir / "stats.json"
    state = request.workdir / "state.json"
    log_path = request.workdir / "crawl.log"
    # Scrapy writes the .part file; it becomes items.jsonl only once complete and on disk.
    partial = part_path(items)
    for stale in (items, partial, stats):
        stale.unlink(missing_ok=True)
    state.write_text(json.dumps(request.state), encoding="utf-8")
    env = dict(os.environ, SCRAPY_SETTINGS_MODULE="crawlers.settings", PYTHONUNBUFFERED="1")
    if request.database_url:
        env[DATABASE_ENV] = request.database_url
    command = crawl_command(request, partial, stats, state)
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
            process_group=0,
            preexec_fn=_die_with(os.getpid()),  # noqa: PLW1509 - prctl must run in the child
        )

        def pump() -> None:
            assert process.stdout is not None
            with contextlib.suppress(ValueError, OSError):  # the log closed under a dying run
                for line in process.stdout:
                    log_file.write(line)
                    if log is not None:
                        log(line.rstrip("\n"))

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            returncode = _wait(process, request, log_path, cancel)
        finally:
            if process.poll() is None:
                stop_process_group(process)
            # The log file closes after its last line is written, not under the reader.
            reader.join(timeout=30)
    if returncode != 0 or not stats.exists():
        outcome = "wrote no stats" if returncode == 0 else f"exited with {returncode}"
        raise CrawlError(f"the crawl process {outcome}: {_last_error(log_path)}; log: {log_path}")
    if partial.exists():
        publish(partial, items)
    return CrawlResult(
        items_path=items,
        stats_path=stats,
        log_path=log_path,
        stats=json.loads(stats.read_text(encoding="utf-8")),
        returncode=returncode,
    )
