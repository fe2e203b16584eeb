"""Pieces every layer shares: instants, site addresses, text, crawl items, statuses, stat keys.

Nothing here imports the rest of cqmonitor (nor Scrapy, nor Dagster), so ``crawlers`` and
``dagster_project`` can build on it without a cycle.
"""
