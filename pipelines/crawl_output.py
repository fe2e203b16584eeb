"""A crawl's output file (JSON Lines) written safely and read back whatever became of it.

Written: the crawl writes a ``.part`` file; once the crawl process has exited it is flushed to
disk (fsync), renamed into place and its directory fsynced, and only then is the crawl marked
``crawled``, so a power cut never leaves a ``crawled`` crawl with half a file.

Read: a line that is not a known item (truncated, garbage, not UTF-8) is skipped and counted;
when its address can still be read from it, it comes back as a :class:`FailureItem`, so the
article is fetched again by the next run. A missing file, or damage that hides an address,
makes the crawl one to do again (``redo``): its window is crawled by the next run.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.core.items import CrawlItem, FailureItem, ItemError, item_from_record

PART_SUFFIX = ".part"
DAMAGED = "damaged line in the crawl output"
_URL = re.compile(rb'"url":\s*"((?:[^"\\]|\\.)+)"')


def part_path(path: Path) -> Path:
    """Where the crawl writes ``path`` before it is complete."""
    return path.with_name(path.name + PART_SUFFIX)


def publish(part: Path, final: Path) -> None:
    """Make ``part`` durable and move it to ``final`` atomically (fsync, rename, fsync dir)."""
    with part.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(part, final)
    directory = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@dataclass
class CrawlOutput:
    """One crawl's output, read lazily; ``damaged`` and ``redo`` are known once it is read."""

    path: Path
    damaged: int = 0
    # Damaged lines whose address could not be read: their articles are only found again by
    # crawling the window again.
    unaddressed: int = 0
    missing: bool = False
    examples: list[str] = field(default_factory=list)

    @property
    def redo(self) -> bool:
        return self.missing or self.unaddressed > 0

    def problem(self) -> str | None:
        """What went wrong with the file, in one line, or None."""
        if self.missing:
            return f"crawl output {self.path} is missing: its window is crawled again"
        if not self.damaged:
            return None
        fetched = self.damaged - self.unaddressed
        tail = "; its window is crawled again" if self.unaddressed else ""
        return (
            f"{self.damaged} damaged line(s) in {self.path} skipped ({fetched} article(s) "
            f"fetched again){tail}"
        )

    def items(self) -> Iterator[CrawlItem]:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            self.missing = True
            return
        with handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                item = self._item(line, number)
                if item is not None:
                    yield item

    def _item(self, line: bytes, number: int) -> CrawlItem | None:
        try:
            record = json.loads(line.decode("utf-8"))
            if not isinstance(record, dict):
                raise ItemError(f"not a record: {type(record).__name__}")
            return item_from_record(record)
        except (UnicodeDecodeError, ValueError) as exc:  # JSONDecodeError, ItemError
            self.damaged += 1
            if len(self.examples) < 3:
                self.examples.append(f"line {number}: {str(exc)[:120]}")
            url = _damaged_url(line)
            if url is None:
                self.unaddressed += 1
                return None
            return FailureItem(url=url, reason=DAMAGED)


def _damaged_url(line: bytes) -> str | None:
    found = _URL.search(line)
    if found is None:
        return None
    try:
        url = json.loads(b'"' + found.group(1) + b'"')
    except ValueError:
        return None
    return url if isinstance(url, str) and url.startswith(("http://", "https://")) else None
