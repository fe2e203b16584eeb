"""Scrapy extension that writes the crawl's stats to a JSON file when the spider closes.

The crawl runs in its own process; this file is how its numbers reach the Dagster asset.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler


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
        ext = cls(crawler.settings.get("CQMONITOR_STATS_FILE", ""), crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if not self.path or self.crawler.stats is None:
            return
        stats = {k: _jsonable(v) for k, v in self.crawler.stats.get_stats().items()}
        stats["finish_reason"] = reason
        Path(self.path).write_text(json.dumps(stats, indent=1, sort_keys=True), encoding="utf-8")
