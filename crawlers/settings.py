"""Scrapy settings of cqmonitor's crawler: polite by default, for the live site.

The project's own ones are named ``CRAWL_*``: they are Scrapy settings, set by the runner from
``pipelines.settings.Settings.scrapy_settings`` (``CQMONITOR_*`` names are environment variables
only, read by that one settings object).

Tests and the demo crawl a loopback copy and lower the delay with ``-s DOWNLOAD_DELAY=0``
(the runner does this from ``--delay``).
"""

BOT_NAME = "cqmonitor"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = "cqmonitor/0.1 (+https://github.com/cqmonitor/cqmonitor; news monitor of iChongqing)"
ROBOTSTXT_OBEY = True

# One request at a time, with a delay, adapted to the server's latency.
CONCURRENT_REQUESTS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
# Each delay varies by +-50 %, so requests do not come on a fixed beat.
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
# A news page is well under a megabyte; anything far larger (a decompression bomb included:
# the limit applies after decompression) is dropped.
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.middlewares.CachedRobotsTxtMiddleware": 100,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    # Above the retries: sees every attempt, the retried ones too.
    "crawlers.outcome.OutcomeMiddleware": 560,
    # Before anything is sent, redirects included: on the source's scheme, host and port.
    "crawlers.origin.SameOriginMiddleware": 90,
    # Scrapy's, naming a redirect back into its own chain a loop (the duplicate filter would
    # drop it without a word).
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawlers.origin.LoopAwareRedirectMiddleware": 600,
}
# This many different pages in a row with no usable answer: the site is down, stop.
CRAWL_OUTAGE_AFTER = 5
# Seconds before the first retry; doubled for each further one, at most the max.
CRAWL_RETRY_BACKOFF = 1.0
CRAWL_RETRY_BACKOFF_MAX = 60.0

COOKIES_ENABLED = False
# Scrapy re-reads each callback's source on every response to warn about generator return
# values; with cb_kwargs every callback is a new bound method and its cache never hits.
WARN_ON_GENERATOR_RETURN_VALUE = False
TELNETCONSOLE_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

EXTENSIONS = {"crawlers.extensions.StatsDump": 500, "crawlers.extensions.Progress": 510}
# Seconds between progress lines (pages fetched / queued / articles read); 0: none.
CRAWL_PROGRESS_EVERY = 10.0
ITEM_PIPELINES = {"crawlers.pipelines.CoveragePipeline": 300}

# robots.txt kept between crawls (JSON file; empty: fetched by every crawl), for at most a day.
CRAWL_ROBOTS_CACHE = ""
CRAWL_ROBOTS_MAX_AGE = 24 * 3600

# Where the spider reads the state of what is stored, and the stats file it writes.
CRAWL_STATS_FILE = ""
# Date archives are the tool for a short backfill window; sitemaps cover longer ones.
CRAWL_ARCHIVE_MAX_DAYS = 31
# Newest-first listings walked back to the window's start when the sitemaps are unusable.
CRAWL_FALLBACK_LISTINGS = ["/latest/", "/category/news/"]
# A page that failed is retried on later runs this many times, then left for an operator.
CRAWL_MAX_FAILURE_ATTEMPTS = 5
