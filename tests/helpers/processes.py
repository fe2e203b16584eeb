"""Start ``cqmonitor`` as a real process, watch its crawl, kill it, find what is left of it.

A test marks its processes by its own temporary directory: every process of its run has that
directory as its working directory (``cqmonitor`` runs there, Scrapy in a run directory below
it), so other tests and other users' crawls on the machine are never counted.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

CQMONITOR = [sys.executable, "-m", "dagster_project.cli"]
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def cli_env(**extra: str) -> dict[str, str]:
    """An environment with no settings of the caller's: only what the test gives."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(Path.home()), **extra}


def _without_file_override() -> None:
    # Root ignores file permissions; a read-only directory only means something without
    # CAP_DAC_OVERRIDE. Dropping it from the bounding set makes the exec'd cqmonitor (and its
    # Scrapy child) a root that permissions bind.
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            os._exit(99)


def launch(
    args: list[str], *, cwd: Path, env: dict[str, str], permissions_bind: bool = False
) -> subprocess.Popen[str]:
    """``cqmonitor ARGS`` in ``cwd``, in its own session (as a terminal would run it)."""
    preexec = _without_file_override if permissions_bind and os.geteuid() == 0 else None
    return subprocess.Popen(
        [*CQMONITOR, *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=preexec,  # noqa: PLW1509 - the capability drop must happen in the child
    )


def run(
    args: list[str], *, cwd: Path, env: dict[str, str], permissions_bind: bool = False
) -> subprocess.CompletedProcess[str]:
    process = launch(args, cwd=cwd, env=env, permissions_bind=permissions_bind)
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def wait_until(predicate: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()


def processes_under(directory: Path) -> list[int]:
    """Live processes whose working directory is ``directory`` or below it (zombies excluded)."""
    root = str(directory.resolve())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[-1].split()[0]
        except OSError:
            continue
        if state not in ("Z", "X") and (cwd == root or cwd.startswith(root + "/")):
            found.append(int(entry.name))
    return found


def crawled_items(data_dir: Path) -> int:
    """Items the running crawl has written so far (all its run directories)."""
    total = 0
    for items in (data_dir / "crawls").glob("run-*/items.jsonl*"):
        try:
            total += items.read_bytes().count(b"\n")
        except OSError:
            continue
    return total


def wait_for_crawl(data_dir: Path, process: subprocess.Popen[str], items: int = 5) -> None:
    """Until the crawl has written ``items`` items: it is mid-crawl, pages being fetched."""
    started = wait_until(
        lambda: crawled_items(data_dir) >= items or process.poll() is not None, timeout=90
    )
    if not started or process.poll() is not None:
        out, err = process.communicate(timeout=30)
        raise AssertionError(f"the crawl never got going: {process.returncode} {out} {err}")
