"""Scrapy extensions: the crawl's stats written to a JSON file when the spider closes (the
crawl runs in its own process; this file is how its numbers reach the Dagster asset), and a
progress line every few seconds."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawlers.runner import PROGRESS_MARK


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class StatsDump:
    def __init__(self, path: str, crawler: Crawler) -> None:
        self.path = path
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsDump:
        ext = cls(crawler.settings.get("CRAWL_STATS_FILE", ""), crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not self.path or self.crawler.stats is None:
            return
        stats = {k: _jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        stats["finish_reason"] = reason
        Path(self.path).write_text(json.dumps(stats, indent=1, sort_keys=True), encoding="utf-8")


class Progress:
    """Every ``CRAWL_PROGRESS_EVERY`` seconds (and at the end), one log line: pages fetched,
    requests queued, articles read. A long crawl (hours at a polite delay) is never silent: the
    line reaches the run log, ``cqmonitor.log`` and, on a terminal, the operator's screen."""

    def __init__(self, crawler: Crawler, every: float) -> None:
        from twisted.internet import task

        self.crawler = crawler
        self.every = every
        self.loop = task.LoopingCall(self.report)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Progress:
        ext = cls(crawler, crawler.settings.getfloat("CRAWL_PROGRESS_EVERY", 10.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        if self.every > 0:
            self.loop.start(self.every, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop.running:
            self.loop.stop()
        self.report(final=True)

    def report(self, final: bool = False) -> None:
        from pipelines.core import stats as keys

        stats = self.crawler.stats
        if stats is None:
            return
        engine = self.crawler.engine
        scheduler = getattr(getattr(engine, "_slot", None), "scheduler", None) or getattr(
            engine, "scheduler", None
        )
        try:
            queued = len(scheduler) if scheduler is not None else 0
        except TypeError:
            queued = 0
        fetched = stats.get_value("downloader/response_count", 0)
        read = stats.get_value(keys.ARTICLES_SCRAPED, 0)
        when = "done" if final else "so far"
        logging.getLogger("cqmonitor.progress").info(
            "%s %s pages fetched, %s queued, %s articles read (%s)",
            PROGRESS_MARK, fetched, queued, read, when,
        )  # fmt: skip
