"""Scrapy settings built from the monitor's configuration (the one source of crawl settings).

Politeness is the default (``crawl_*`` settings of :mod:`monitor.config`);
``monitor crawl --fast`` and tests override it for localhost.
"""

from __future__ import annotations

from typing import Any

from monitor.config import Config

# Crawler-only bounds (not bureau settings): overridable per crawl.
KNOBS: dict[str, Any] = {
    "max_pages_per_source": 5000,  # pages one source may yield before it is stopped
    "max_depth": 6,  # link hops from a source's start URL
    "max_related": 200,  # registry pages of related firms followed from one source
    # Persistent connections (polite, and fastest on localhost when the server sets TCP_NODELAY). 0 sends
    # "Connection: close": for servers that stall on keep-alive (Nagle + delayed ACK, ~40 ms a response).
    "keep_alive": 1,
    # Crawl processes run side by side, each with whole source kinds (one Scrapy process uses one core).
    "processes": 1,
    # The first retry of a failed page waits this long, each further one twice as long (crawlers.backoff).
    "retry_backoff_ms": 1000,
}

FAST_OVERRIDES: dict[str, Any] = {
    "crawl_delay": 0.0,
    "crawl_autothrottle": False,
    "crawl_concurrency_per_host": 32,
    "crawl_timeout": 10.0,
    # A plain HTTP server (a small listen backlog) refuses bursts: retries with backoff lose no page.
    "crawl_retries": 4,
    "retry_backoff_ms": 250,
    "processes": 2,
}

# Responses the spiders see themselves (recorded as evidence with their status) instead of Scrapy dropping them.
HANDLED_STATUSES = [304, 400, 401, 403, 404, 410, 429, 500, 502, 503, 504]


def scrapy_settings(config: Config, knobs: dict | None = None) -> dict[str, Any]:
    """The Scrapy settings dict for ``config`` (and crawler ``knobs``)."""
    knobs = {**KNOBS, **(knobs or {})}
    maxsize = int(config.crawl_max_page_bytes)
    per_host = max(1, int(config.crawl_concurrency_per_host))
    return {
        "BOT_NAME": "citymonitor",
        "USER_AGENT": config.crawl_user_agent,
        "ROBOTSTXT_OBEY": bool(config.crawl_obey_robots),
        "CONCURRENT_REQUESTS": max(16, per_host * 4),
        "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
        "DOWNLOAD_DELAY": float(config.crawl_delay),
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "AUTOTHROTTLE_ENABLED": bool(config.crawl_autothrottle),
        "AUTOTHROTTLE_START_DELAY": max(float(config.crawl_delay), 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(per_host),
        "DOWNLOAD_TIMEOUT": float(config.crawl_timeout),
        "DOWNLOAD_MAXSIZE": maxsize,
        "DOWNLOAD_WARNSIZE": maxsize // 2,
        "DOWNLOAD_FAIL_ON_DATALOSS": False,  # keep cut-off bodies, flagged as truncated
        "RETRY_ENABLED": int(config.crawl_retries) > 0,
        "RETRY_TIMES": int(config.crawl_retries),
        # Retries go to the back of the queue (lower priority): the backoff Scrapy offers.
        "RETRY_PRIORITY_ADJUST": -1,
        "RETRY_BACKOFF_BASE": knobs["retry_backoff_ms"] / 1000.0,
        "REDIRECT_MAX_TIMES": 10,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "LOG_ENABLED": True,
        "LOG_INSTALL_ROOT_HANDLER": True,
        "LOGSTATS_INTERVAL": 0,
        "ITEM_PIPELINES": {"crawlers.pipelines.StorePipeline": 300},
        "DOWNLOADER_MIDDLEWARES": {"crawlers.middlewares.SourceBudgetMiddleware": 650,
                                   "crawlers.backoff.RetryBackoffMiddleware": 560},
        "DEPTH_LIMIT": 0,  # depth is bounded per source by the spiders
        "HTTPCACHE_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "DEFAULT_REQUEST_HEADERS": {
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9",
            **({} if knobs["keep_alive"] else {"Connection": "close"}),
        },
    }
