"""How fast the ``cqmonitor`` command answers when nothing needs Dagster or Scrapy.

Times ``cqmonitor --help``, ``cqmonitor --version`` and ``cqmonitor run --help`` as a user
starts them (a new Python process each), five times each, and prints the median and the worst.
The command imports Dagster, Scrapy and SQLAlchemy only inside the commands that need them, so
these stay well under a second. Exits non-zero when a median is over 1 s.

Run: ``.venv/bin/python benchmarks/cli.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.0
CASES = (["--help"], ["--version"], ["run", "--help"], ["status", "--help"])


def timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    print(f"cqmonitor startup, {repeat} runs each (load average {os.getloadavg()[0]:.1f}):")
    slow = []
    for args in CASES:
        times = [timed(args) for _ in range(repeat)]
        median = statistics.median(times)
        print(f"  cqmonitor {' '.join(args):<14} median {median:.3f} s, worst {max(times):.3f} s")
        if median > TARGET:
            slow.append(" ".join(args))
    if slow:
        print(f"over {TARGET:.0f} s: {', '.join(slow)}")
        return 1
    print(f"all medians <= {TARGET:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
